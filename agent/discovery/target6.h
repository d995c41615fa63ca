/* IPv6 targets: an address, or a prefix of /120 or longer (at most 256
 * addresses). Shorter prefixes are refused, not swept: a /64 holds 2^64
 * addresses. IPv6 hosts on the links an IPv4 target covers are found by
 * neighbour discovery instead (ndp.c). */
#ifndef DISC_TARGET6_H
#define DISC_TARGET6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARGET6_MIN_PREFIX 120
#define TARGET6_MAX 4096 /* IPv6 addresses per scan */

struct target6 {
	uint8_t base[16]; /* first address */
	uint32_t count;   /* addresses from base on */
};

/* True when text names an IPv6 target (it holds a ':'). */
bool target6_is(const char *text);
/* Parses "addr" or "addr/len"; -1 with the reason in why. A prefix skips its
 * first address (the subnet-router anycast) unless it is a /127 or /128. */
int target6_parse(const char *text, struct target6 *out, char *why, size_t whylen);
/* The i-th address (< count) of t. */
void target6_addr(const struct target6 *t, uint32_t i, uint8_t out[16]);
bool target6_contains(const struct target6 *t, const uint8_t a[16]);

#endif
