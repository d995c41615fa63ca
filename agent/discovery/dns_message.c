#include "dns_message.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
                    uint16_t qtype, uint16_t qclass, bool recursion)
{
	if (cap < 12)
		return -1;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = recursion ? 0x01 : 0x00;
	buf[5] = 1; /* one question */
	size_t o = 12;
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || o + 1 + l + 1 > cap)
			return -1;
		buf[o++] = (uint8_t)l;
		memcpy(buf + o, p, l);
		o += l;
		p += l;
		if (*p == '.')
			p++;
	}
	if (o + 5 > cap || o - 12 > 255)
		return -1;
	buf[o++] = 0;
	buf[o++] = (uint8_t)(qtype >> 8);
	buf[o++] = (uint8_t)qtype;
	buf[o++] = (uint8_t)(qclass >> 8);
	buf[o++] = (uint8_t)qclass;
	return (int)o;
}

void dns_reverse_name(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa", ip & 255, (ip >> 8) & 255,
	         (ip >> 16) & 255, ip >> 24);
}

void dns_reverse_name6(const uint8_t a[16], char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char t[DNS_REVERSE6_LEN];
	size_t o = 0;
	for (int i = 15; i >= 0; i--) {
		t[o++] = hex[a[i] & 15];
		t[o++] = '.';
		t[o++] = hex[a[i] >> 4];
		t[o++] = '.';
	}
	memcpy(t + o, "ip6.arpa", 9);
	snprintf(buf, len, "%s", t);
}

int dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *out, size_t cap)
{
	size_t p = *off, w = 0;
	int jumps = 0;
	bool jumped = false;
	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (;;) {
		if (p >= len)
			return -1;
		uint8_t l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++jumps > 32)
				return -1;
			if (!jumped)
				*off = p + 2;
			jumped = true;
			p = (size_t)(l & 0x3f) << 8 | msg[p + 1];
			continue;
		}
		if (l & 0xc0) /* 0x40, 0x80: extended label types, not for us */
			return -1;
		if (l == 0) {
			if (!jumped)
				*off = p + 1;
			break;
		}
		if (p + 1 + l > len)
			return -1;
		if (w && w + 1 < cap)
			out[w++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[p + 1 + i];
			char esc[5];
			size_t n = 1;
			if (c >= 0x20 && c < 0x7f && c != '.' && c != '\\')
				esc[0] = (char)c;
			else
				n = (size_t)snprintf(esc, sizeof esc, "\\%03u", c);
			if (w + n + 1 > cap)
				return -1;
			memcpy(out + w, esc, n);
			w += n;
		}
		p += 1 + (size_t)l;
	}
	out[w] = '\0';
	return 0;
}

/* rdata of a known type as text; unknown types leave data empty. */
static void rdata_text(const uint8_t *msg, size_t len, size_t off, size_t rdlen,
                       struct dns_rr *rr)
{
	const uint8_t *d = msg + off;
	size_t p;
	rr->data[0] = '\0';
	switch (rr->type) {
	case DNS_T_A:
		if (rdlen == 4)
			inet_ntop(AF_INET, d, rr->data, sizeof rr->data);
		break;
	case DNS_T_AAAA:
		if (rdlen == 16)
			inet_ntop(AF_INET6, d, rr->data, sizeof rr->data);
		break;
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		p = off;
		if (dns_read_name(msg, len, &p, rr->data, sizeof rr->data))
			rr->data[0] = '\0';
		break;
	case DNS_T_SRV: {
		char target[DNS_NAME_MAX];
		p = off + 6;
		if (rdlen >= 7 &&
		    dns_read_name(msg, len, &p, target, sizeof target) == 0) {
			int n = snprintf(rr->data, sizeof rr->data, "%u %u %u ", get16(d),
			                 get16(d + 2), get16(d + 4));
			/* a long target is cut short: the name field is for people */
			if (n > 0 && (size_t)n < sizeof rr->data)
				snprintf(rr->data + n, sizeof rr->data - (size_t)n,
				         "%.*s", (int)(sizeof rr->data - (size_t)n - 1),
				         target);
		}
		break;
	}
	case DNS_T_TXT:
	case DNS_T_HINFO: {
		size_t w = 0;
		for (p = 0; p < rdlen;) {
			size_t l = d[p++];
			if (p + l > rdlen)
				break;
			if (w && w + 1 < sizeof rr->data)
				rr->data[w++] = ' ';
			for (size_t i = 0; i < l && w + 1 < sizeof rr->data; i++) {
				uint8_t c = d[p + i];
				rr->data[w++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
			}
			p += l;
		}
		rr->data[w] = '\0';
		break;
	}
	default:
		break;
	}
}

int dns_parse(const uint8_t *msg, size_t len, struct dns_msg *m)
{
	memset(m, 0, sizeof *m);
	if (len < 12)
		return -1;
	m->id = get16(msg);
	m->flags = get16(msg + 2);
	m->qdcount = get16(msg + 4);
	m->ancount = get16(msg + 6);
	m->nscount = get16(msg + 8);
	m->arcount = get16(msg + 10);
	size_t off = 12;
	for (unsigned q = 0; q < m->qdcount; q++) {
		char name[DNS_NAME_MAX];
		if (dns_read_name(msg, len, &off, name, sizeof name) || off + 4 > len)
			return -1;
		if (q == 0) {
			memcpy(m->qname, name, sizeof name);
			m->qtype = get16(msg + off);
			m->qclass = get16(msg + off + 2);
		}
		off += 4;
	}
	unsigned total = (unsigned)m->ancount + m->nscount + m->arcount;
	for (unsigned i = 0; i < total && m->nrr < DNS_MAX_RR; i++) {
		struct dns_rr *rr = &m->rr[m->nrr];
		if (dns_read_name(msg, len, &off, rr->name, sizeof rr->name) ||
		    off + 10 > len)
			break;
		rr->type = get16(msg + off);
		rr->cls = get16(msg + off + 2);
		rr->ttl = get32(msg + off + 4);
		size_t rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			break;
		rr->section = i < m->ancount                          ? 1
		              : i < (unsigned)m->ancount + m->nscount ? 2
		                                                      : 3;
		rdata_text(msg, len, off, rdlen, rr);
		off += rdlen;
		m->nrr++;
	}
	return 0;
}

const struct dns_rr *dns_find(const struct dns_msg *m, uint16_t type, int section)
{
	for (size_t i = 0; i < m->nrr; i++)
		if (m->rr[i].type == type &&
		    (section == 0 || m->rr[i].section == section))
			return &m->rr[i];
	return NULL;
}
