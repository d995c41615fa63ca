/* What a finished sweep covered: the job's IPv4 targets whose every address
 * was asked by a liveness probe that would have had an answer from a live
 * host (ARP on the daemon's links, ICMP echo to routed addresses), as CIDRs,
 * for the ScanCoverage observation. No I/O: the engine says which addresses
 * were swept. */
#ifndef DISC_COVER_H
#define DISC_COVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COVER_CIDR_LEN 19 /* "255.255.255.255/32" */

struct cover {
	char (*cidr)[COVER_CIDR_LEN];
	size_t n, cap;
};

/* Appends to out the CIDRs of every target (texts as in scan_request: CIDR,
 * address or a.b.c.d-e.f.g.h range; IPv6 ones are left out) whose addresses
 * swept(arg, ip) all accepts. A CIDR target stands for its whole block
 * (network and broadcast addresses are nobody's); a range is split into the
 * fewest CIDRs. 0, or -1 when a target is malformed or memory runs out. */
int cover_targets(const char *const *texts, size_t n,
                  bool (*swept)(void *arg, uint32_t ip), void *arg, struct cover *out);
/* The fewest CIDRs spanning [lo, hi] exactly, appended to out. */
int cover_range(uint32_t lo, uint32_t hi, struct cover *out);
void cover_free(struct cover *c);

#endif
