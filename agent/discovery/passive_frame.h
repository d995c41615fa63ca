/* What passive capture hears, decoded down to where a protocol parser takes
 * over: an Ethernet frame (untagged, 802.1Q-tagged or QinQ) carrying ARP, an
 * LLDP/CDP announcement, or IPv4 UDP (DHCP, mDNS, SSDP). No I/O. */
#ifndef DISC_PASSIVE_FRAME_H
#define DISC_PASSIVE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum passive_kind {
	PF_OTHER = 0,
	PF_ARP,  /* the frame is ARP: arp_parse() it */
	PF_L2,   /* LLDP or CDP: lldp_frame_parse() it */
	PF_UDP4, /* IPv4 UDP: payload/plen and the addresses below are set */
};

struct passive_pkt {
	enum passive_kind kind;
	uint8_t dst[6], src[6];
	uint16_t vlan;       /* first (outer) tag's id, 0 untagged */
	uint16_t inner_vlan; /* QinQ: the second tag's id, else 0 */
	bool group;          /* destination MAC is multicast or broadcast */
	uint32_t sip, dip;   /* host order */
	uint16_t sport, dport;
	const uint8_t *payload; /* into the frame */
	size_t plen;
};

/* Classifies a frame; returns its kind (PF_OTHER for anything else: short,
 * fragments, bad lengths, other protocols). */
enum passive_kind passive_decode(const uint8_t *frame, size_t len,
                                 struct passive_pkt *out);

#endif
