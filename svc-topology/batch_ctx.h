/* What applying one batch carries from observation to observation: the
 * connection, the tenant, the batch's identity, the current observation time,
 * a cache of resolved identity keys, and counts for the change event. */
#ifndef TOPOLOGY_BATCH_CTX_H
#define TOPOLOGY_BATCH_CTX_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct coverage_opts;
struct key_cache;
struct wbuf;

/* What a batch touched, so the derived parts are rebuilt once per set. */
enum {
	TOUCHED_HOSTS = 1,
	TOUCHED_L2 = 2,
	TOUCHED_WORKLOADS = 4,
	TOUCHED_BULK = 8,
	TOUCHED_L3_ALL = 16 /* subnets, merges or moved addresses */
};
/* A batch adding this many hosts is a bulk load: the planner's statistics
 * are refreshed (ANALYZE) once its set is applied. */
#define BULK_HOSTS 100

struct batch_counts {
	unsigned hosts_added, hosts_updated, services_changed, links_changed;
	unsigned hosts_disappeared, hosts_reappeared; /* coverage.h, gone.h */
	unsigned hosts_not_missed; /* marks a late sighting disproved */
	unsigned touched;          /* TOUCHED_* */
};

struct batch_ctx {
	PGconn *pg;
	const char *org, *network, *daemon;
	uint64_t sequence;
	char seq_text[24];
	char seen[32]; /* observation time: unix seconds with ms fraction */
	int64_t seen_ms;
	struct key_cache *cache;
	struct wbuf *wb; /* deferred writes (wbuf.h) */
	struct batch_counts counts;
	const struct coverage_opts *coverage; /* coverage.h; NULL: the defaults */
	/* What the batch touched, to know which derived parts to rebuild. */
	bool touched_l2, touched_workloads, touched_hosts;
	/* Subnets changed, hosts merged or an address moved: every address is
	 * placed in its subnet again (otherwise only new ones). */
	bool touched_l3_all;
};

/* Sets the observation time (ms since the epoch; <= 0: now). */
void batch_set_seen(struct batch_ctx *b, int64_t ms);

#endif
