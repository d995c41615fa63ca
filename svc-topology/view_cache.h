/* The four views of each network rendered ahead of the requests
 * (inv.view_cache, migration 0007): a change to a network's model bumps its
 * generation (view_cache_touch, in the change's transaction); a refresher
 * renders the views of the networks whose caches are behind, once their
 * changes have paused (debounce) or the caches have grown old (max_age: under
 * constant change, a rendering at least that often), or at once when they
 * miss a user's edit (migration 0016), one replica per network at a time. */
#ifndef TOPOLOGY_VIEW_CACHE_H
#define TOPOLOGY_VIEW_CACHE_H

#include <libpq-fe.h>

/* The network's model changed: inside the changing transaction. */
int view_cache_touch(PGconn *pg, const char *org, const char *network);

/* Renders the four views of one network from one snapshot at its current
 * generation, unless they are current already or another replica is at it.
 * 1 when rendered (*ms: how long, if not NULL), 0 when nothing was to do,
 * -1 on error. Runs its own transaction. */
int view_cache_refresh(PGconn *pg, const char *org, const char *network, double *ms);

/* One pass: refreshes every network that is due. The number refreshed, or -1. */
int view_cache_refresh_due(PGconn *pg, long debounce_ms, long max_age_ms);

/* view_cache_refresh_due as a worker's pass (worker.h); arg: a struct
 * view_cache_args. */
struct view_cache_args {
	long debounce_ms, max_age_ms;
};
void view_cache_pass(PGconn *pg, void *arg);

#endif
