/* What a batch's HostSeen say about their addresses beyond the host: whether
 * the address answered a liveness sweep (inv.addresses.swept_at, which the
 * scan coverage's gone rule asks for, coverage.h) and the VLAN tags of the
 * frame it was heard in (inv.addresses.vlan_id, inner_vlan_id, and the
 * network's inv.vlans: a QinQ inner id under its outer one). Collected per
 * batch and written with one statement once its addresses are. */
#ifndef TOPOLOGY_SIGHTINGS_H
#define TOPOLOGY_SIGHTINGS_H

#include "batch_ctx.h"
#include "observation.pb-c.h"

/* True for the evidence of a liveness sweep: ARP, ICMP echo, TCP, NDP. */
bool sighting_is_sweep(Scanopy__V1__Evidence e);

/* Notes a sighting of ip (normalised text) at the batch's current time;
 * nothing when it is neither a sweep's answer nor tagged. 0 or -1. */
int sightings_note(struct batch_ctx *b, const char *ip, Scanopy__V1__Evidence e,
                   unsigned vlan, unsigned inner_vlan);
/* Writes what was noted (after the batch's addresses) and forgets it. */
int sightings_flush(struct batch_ctx *b);
void sightings_free(struct batch_ctx *b);

#endif
