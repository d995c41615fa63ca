/* Change events on scanopy.events.<org>.<network> (proto/event.proto), sent
 * after the transaction that made the change commits. Best effort: the change
 * log in inv.changes is the record; an event lost while NATS is away is not
 * resent. */
#ifndef TOPOLOGY_EVENTS_H
#define TOPOLOGY_EVENTS_H

#include "batch_ctx.h"
#include "sc_nats.h"

int event_topology_changed(struct sc_nats *n, const char *org, const char *network,
                           const char *daemon, uint64_t sequence,
                           const struct batch_counts *c);
/* count hosts of the network were found gone (gone.h). */
int event_hosts_disappeared(struct sc_nats *n, const char *org, const char *network,
                            unsigned count);

#endif
