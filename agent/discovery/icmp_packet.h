/* ICMP echo requests and the parse of what a raw ICMP socket receives: an
 * IPv4 header, then an echo reply or an error quoting our original packet. */
#ifndef DISC_ICMP_PACKET_H
#define DISC_ICMP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define ICMP_ECHO_LEN 24 /* 8 header + 16 payload */

/* Builds an echo request whose payload carries `token` (to match replies
 * even when the id is rewritten) and the send time. */
void icmp_build_echo(uint8_t out[ICMP_ECHO_LEN], uint16_t id, uint16_t seq,
                     uint32_t token, uint64_t sent_us);

uint16_t inet_checksum(const void *data, size_t len);

enum icmp_kind { ICMP_OTHER, ICMP_ECHO_REPLY, ICMP_UNREACH, ICMP_TIME_EXCEEDED };

struct icmp_info {
	enum icmp_kind kind;
	uint32_t src; /* who sent this ICMP, host order */
	uint8_t ttl;  /* of the packet carrying it */
	uint8_t type, code;
	/* echo reply */
	uint16_t id, seq;
	uint32_t token;
	uint64_t sent_us;
	int has_payload; /* token and sent_us came from our payload */
	/* errors: the quoted original datagram */
	uint32_t orig_dst;
	uint8_t orig_proto;
	uint16_t orig_sport, orig_dport;
};

/* Parses an IPv4 packet holding ICMP; -1 when it is not one or is truncated
 * before the fields the kind needs. */
int icmp_parse(const uint8_t *pkt, size_t len, struct icmp_info *out);

#endif
