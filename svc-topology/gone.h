/* Hosts that disappeared: a pass that finds the hosts of
 * each network not seen for after_s seconds and not yet recorded as gone,
 * records a host_disappeared change for each (inv.changes) and announces
 * their number on the network's event subject. Seeing a host again (its
 * last_seen moving on) clears it, so a later disappearance is recorded anew. */
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
