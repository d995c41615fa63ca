/* ARP over Ethernet: the request the sweep sends and the parse of what the
 * capture hands back (possibly VLAN-tagged, possibly hostile). */
#ifndef DISC_ARP_FRAME_H
#define DISC_ARP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define ARP_FRAME_LEN 60 /* 42 bytes padded to Ethernet's minimum */

/* An ARP request "who has tpa? tell spa (sha)", broadcast. */
void arp_build_request(uint8_t frame[ARP_FRAME_LEN], const uint8_t sha[6], uint32_t spa,
                       uint32_t tpa);

struct arp_packet {
	uint16_t op;    /* 1 request, 2 reply */
	uint8_t sha[6]; /* sender hardware address */
	uint32_t spa;   /* sender IPv4, host byte order */
	uint8_t tha[6];
	uint32_t tpa;
	uint16_t vlan;       /* 802.1Q id of the frame (QinQ: outer), 0 untagged */
	uint16_t inner_vlan; /* QinQ: the inner (customer) tag's id, else 0 */
	uint8_t eth_src[6];
};

/* Parses an Ethernet frame carrying IPv4-over-Ethernet ARP; -1 for anything
 * else (short, other ethertype, other hardware/protocol sizes). */
int arp_parse(const uint8_t *frame, size_t len, struct arp_packet *out);

/* "aa:bb:cc:dd:ee:ff"; buf holds at least 18 bytes. */
const char *mac_text(const uint8_t mac[6], char *buf);

#endif
