/* DNS messages (RFC 1035) as the scan uses them: PTR queries to the resolver,
 * version.bind to DNS servers, and unicast mDNS/DNS-SD queries; and a parse
 * of the answers that survives compression loops, truncation and junk. */
#ifndef DISC_DNS_MESSAGE_H
#define DISC_DNS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 256
#define DNS_DATA_MAX 256
#define DNS_MAX_RR 32

enum {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_PTR = 12,
	DNS_T_HINFO = 13,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_C_IN = 1,
	DNS_C_CH = 3,
};

struct dns_rr {
	char name[DNS_NAME_MAX];
	uint16_t type, cls;
	uint32_t ttl;
	/* Decoded rdata as text: a name (PTR, CNAME, NS), the strings of a TXT
	 * joined by ' ', an address (A, AAAA), "prio weight port target" (SRV);
	 * empty for other types. */
	char data[DNS_DATA_MAX];
	uint8_t section; /* 1 answer, 2 authority, 3 additional */
};

struct dns_msg {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
	char qname[DNS_NAME_MAX];
	uint16_t qtype, qclass;
	struct dns_rr rr[DNS_MAX_RR]; /* the first DNS_MAX_RR records */
	size_t nrr;
};

/* Writes a one-question query; returns its length or -1 if cap is too small
 * or the name is not a valid dotted name. */
int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
                    uint16_t qtype, uint16_t qclass, bool recursion);
/* "4.3.2.1.in-addr.arpa" for 1.2.3.4 (host order). */
void dns_reverse_name(uint32_t ip, char *buf, size_t len);
/* "b.a.9.8...ip6.arpa" for an IPv6 address (16 bytes, network order): 72
 * characters and the NUL. */
#define DNS_REVERSE6_LEN 73
void dns_reverse_name6(const uint8_t a[16], char *buf, size_t len);
/* Reads a (possibly compressed) name at *off, advancing *off past it in the
 * message; labels are joined by '.', unprintable bytes escaped as \DDD.
 * -1 on truncation, loops or names too long. */
int dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *out, size_t cap);
/* Parses a response (or query); -1 when the header or a record is cut short
 * before the first answer. Records after a damaged one are dropped. */
int dns_parse(const uint8_t *msg, size_t len, struct dns_msg *out);
/* The first record of `type` in the answer section (or any section when
 * section is 0), NULL when none. */
const struct dns_rr *dns_find(const struct dns_msg *m, uint16_t type, int section);

#endif
