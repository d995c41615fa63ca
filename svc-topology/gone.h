/* Hosts that disappeared: a pass that finds the hosts of
 * each network not seen for after_s seconds and not yet recorded as gone,
 * marks them (gone_reason 'stale'), records a host_disappeared change for
 * each (inv.changes, detail.reason "stale") and announces their number on
 * the network's event subject. A complete scan marks the hosts it missed at
 * once (coverage.h, reason "missed_by_scan"). Seeing a host again (its
 * last_seen moving on) clears the mark and records one host_reappeared
 * change (resolve.c), so a later disappearance is recorded anew. */
#ifndef TOPOLOGY_GONE_H
#define TOPOLOGY_GONE_H

#include "sc_nats.h"

#include <libpq-fe.h>

/* One pass over every network: the number of hosts newly gone, or -1. Each
 * network's hosts are marked in a transaction of their own, as its org. */
long gone_sweep(PGconn *pg, struct sc_nats *nats, long after_s);

/* gone_sweep as a worker's pass (worker.h); arg: a struct gone_args. */
struct gone_args {
	struct sc_nats *nats;
	long after_s;
};
void gone_pass(PGconn *pg, void *arg);

#endif
