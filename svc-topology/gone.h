/* Hosts that disappeared: a thread that, every sweep_ms, finds the hosts of
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

struct gone_sweeper;
struct gone_sweeper *gone_sweeper_start(const char *database_url, struct sc_nats *nats,
                                        long sweep_ms, long after_s);
void gone_sweeper_stop(struct gone_sweeper *g);

#endif
