/* Link-layer neighbour announcements as passive capture hears them: LLDP
 * (IEEE 802.1AB, ethertype 0x88cc) and CDP (Cisco, 802.3 + SNAP 00000c/2000)
 * frames, possibly VLAN-tagged and possibly hostile, parsed into one shape
 * (what NeighborEntry carries). */
#ifndef DISC_LLDP_FRAME_H
#define DISC_LLDP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define L2_MAX_MGMT 4

enum { L2_LLDP = 1, L2_CDP = 2 };

struct l2_announce {
	int proto;           /* L2_LLDP or L2_CDP */
	uint8_t src[6];      /* Ethernet source of the frame */
	uint16_t vlan;       /* 802.1Q id (QinQ: outer), 0 untagged */
	uint16_t inner_vlan; /* QinQ: the inner tag's id, else 0 */
	char chassis_id[128];
	unsigned chassis_subtype; /* LLDP subtype (4 MAC, 5 address, 7 local...); CDP 7 */
	char port_id[128];
	unsigned port_subtype; /* LLDP subtype (3 MAC, 5 ifName, 7 local...); CDP 5 */
	char port_descr[128];
	char sys_name[128];
	char sys_descr[256]; /* CDP: software version */
	char platform[128];  /* CDP platform */
	uint32_t capabilities;
	unsigned ttl;
	uint32_t mgmt[L2_MAX_MGMT]; /* IPv4 management addresses, host order */
	size_t nmgmt;
};

/* 0 and out filled for a well-formed LLDP or CDP frame with at least a
 * chassis (device) id; -1 for anything else. Text fields are clean UTF-8;
 * MAC ids are "aa:bb:cc:dd:ee:ff", address ids dotted IPv4. */
int lldp_frame_parse(const uint8_t *frame, size_t len, struct l2_announce *out);

#endif
