/* Sweep answers and VLAN tags of a batch's sightings: see sightings.h. */
#include "sightings.h"

#include "wbuf.h"

#include <stdio.h>

bool sighting_is_sweep(Scanopy__V1__Evidence e)
{
	return e == SCANOPY__V1__EVIDENCE__EVIDENCE_ARP ||
	       e == SCANOPY__V1__EVIDENCE__EVIDENCE_ICMP ||
	       e == SCANOPY__V1__EVIDENCE__EVIDENCE_TCP ||
	       e == SCANOPY__V1__EVIDENCE__EVIDENCE_NDP;
}

int sightings_note(struct batch_ctx *b, const char *ip, Scanopy__V1__Evidence e,
                   unsigned vlan, unsigned inner_vlan)
{
	bool sweep = sighting_is_sweep(e);
	/* 802.1Q ids 0 (priority tag) and 4095 (reserved) name no VLAN. */
	bool tagged = vlan >= 1 && vlan <= 4094;
	if (!sweep && !tagged)
		return 0;
	char v[12], in[12];
	snprintf(v, sizeof v, "%u", vlan);
	snprintf(in, sizeof in, "%u", inner_vlan);
	return wb_sighting(b, ip, sweep ? b->seen : NULL, tagged ? v : NULL,
	                   tagged && inner_vlan >= 1 && inner_vlan <= 4094 ? in : NULL);
}
