/* What a scan covers: the job's targets (CIDRs, addresses, a.b.c.d-e.f.g.h
 * ranges; IPv4) as sorted, merged address ranges with an ordinal for each
 * address, and the daemon's own links, which decide how each address is
 * found: by ARP when it is on a link's subnet, by ICMP and TCP otherwise. */
#ifndef DISC_TARGETS_H
#define DISC_TARGETS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many addresses per scan (a /12): beyond that a job is a
 * mistake, not a network. */
#define TARGETS_MAX (1u << 20)

struct target_range {
	uint32_t lo, hi; /* host byte order, inclusive */
	uint32_t base;   /* ordinal of lo */
};

struct target_set {
	struct target_range *r;
	size_t n;
	uint32_t count; /* addresses in all ranges */
};

/* Parses one target into [lo, hi]; CIDRs shorter than /31 lose their network
 * and broadcast addresses. -1 (with the reason in why) when malformed or
 * reaching into the reserved 240.0.0.0/4. IPv6 targets: target6.h. */
int target_parse(const char *text, uint32_t *lo, uint32_t *hi, char *why, size_t whylen);
/* Builds the set from the texts; -1 when one is malformed or the total is over
 * TARGETS_MAX (reason logged). */
int targets_build(struct target_set *ts, const char *const *texts, size_t n);
void targets_free(struct target_set *ts);
/* Address of an ordinal (< count), and the ordinal of an address (-1: none). */
uint32_t targets_addr(const struct target_set *ts, uint32_t ordinal);
int64_t targets_ordinal(const struct target_set *ts, uint32_t ip);

/* One of the daemon's IPv4 links. */
struct link {
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint32_t ip, mask; /* host byte order */
	uint8_t mac[6];
	bool arp; /* Ethernet-like, up, ARP on: addresses on it are swept by ARP */
};

struct links {
	struct link *l;
	size_t n;
};

/* The machine's IPv4 addresses and the links they sit on; -1 on failure. */
int links_load(struct links *ls);
void links_free(struct links *ls);
/* The ARP-capable link whose subnet holds ip, or -1. */
int links_onlink(const struct links *ls, uint32_t ip);
/* True when ip is one of our own addresses (or in 127/8). */
bool links_is_own(const struct links *ls, uint32_t ip);

/* "10.0.0.1" from a host-order address; buf holds at least 16 bytes. */
const char *ip_text(uint32_t ip, char *buf);

#endif
