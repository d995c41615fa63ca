/* The Ethernet header of a captured frame: its ethertype (or 802.3 length)
 * behind at most two VLAN tags (802.1Q 0x8100, 802.1ad QinQ 0x88a8 and the
 * older QinQ 0x9100). Shared by the ARP, LLDP/CDP and passive decoders. */
#ifndef DISC_ETH_FRAME_H
#define DISC_ETH_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define ETH_MAX_TAGS 2

struct eth_header {
	uint16_t type;       /* ethertype, or the 802.3 length (<= 1500) */
	size_t off;          /* where the payload starts */
	uint16_t vlan;       /* id of the first (outer) tag, 0 untagged */
	uint16_t inner_vlan; /* id of the second tag (QinQ C-tag), 0 if none */
};

/* 0, or -1 when the frame is too short for its header or has more tags than
 * ETH_MAX_TAGS. */
int eth_header(const uint8_t *frame, size_t len, struct eth_header *h);

#endif
