#include "icmp_packet.h"

#include <string.h>

#define ECHO_MAGIC 0x53434e59u /* "SCNY": marks our echo payloads */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint16_t inet_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void icmp_build_echo(uint8_t out[ICMP_ECHO_LEN], uint16_t id, uint16_t seq,
                     uint32_t token, uint64_t sent_us)
{
	memset(out, 0, ICMP_ECHO_LEN);
	out[0] = 8; /* echo request */
	out[4] = (uint8_t)(id >> 8);
	out[5] = (uint8_t)id;
	out[6] = (uint8_t)(seq >> 8);
	out[7] = (uint8_t)seq;
	put32(out + 8, ECHO_MAGIC);
	put32(out + 12, token);
	put32(out + 16, (uint32_t)(sent_us >> 32));
	put32(out + 20, (uint32_t)sent_us);
	uint16_t c = inet_checksum(out, ICMP_ECHO_LEN);
	out[2] = (uint8_t)(c >> 8);
	out[3] = (uint8_t)c;
}

int icmp_parse(const uint8_t *pkt, size_t len, struct icmp_info *o)
{
	memset(o, 0, sizeof *o);
	if (len < 20 || (pkt[0] >> 4) != 4)
		return -1;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8 || pkt[9] != 1 /* ICMP */)
		return -1;
	size_t total = get16(pkt + 2);
	if (total >= ihl + 8 && total < len) /* trailing link padding */
		len = total;
	o->src = get32(pkt + 12);
	o->ttl = pkt[8];
	const uint8_t *ic = pkt + ihl;
	size_t iclen = len - ihl;
	o->type = ic[0];
	o->code = ic[1];
	switch (ic[0]) {
	case 0:
		o->kind = ICMP_ECHO_REPLY;
		o->id = get16(ic + 4);
		o->seq = get16(ic + 6);
		if (iclen >= ICMP_ECHO_LEN && get32(ic + 8) == ECHO_MAGIC) {
			o->token = get32(ic + 12);
			o->sent_us = (uint64_t)get32(ic + 16) << 32 | get32(ic + 20);
			o->has_payload = 1;
		}
		return 0;
	case 3:
	case 11: {
		o->kind = ic[0] == 3 ? ICMP_UNREACH : ICMP_TIME_EXCEEDED;
		const uint8_t *q = ic + 8; /* the quoted IP header + 8 bytes */
		size_t qlen = iclen - 8;
		if (qlen < 20 || (q[0] >> 4) != 4)
			return -1;
		size_t qihl = (size_t)(q[0] & 0x0f) * 4;
		if (qihl < 20 || qlen < qihl + 4)
			return -1;
		o->orig_proto = q[9];
		o->orig_dst = get32(q + 16);
		o->orig_sport = get16(q + qihl);
		o->orig_dport = get16(q + qihl + 2);
		return 0;
	}
	default:
		o->kind = ICMP_OTHER;
		return 0;
	}
}
