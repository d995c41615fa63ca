/* The scan's global packets-per-second budget: a token bucket. Every packet
 * the engine originates (ARP request, ICMP echo, TCP connect = one SYN, UDP
 * probe datagram, probe payload) takes one token; the bucket holds at most
 * 10 ms worth of tokens, so bursts stay short and the long-run rate is
 * never above the budget. */
#ifndef DISC_RATELIMIT_H
#define DISC_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	double rate;  /* tokens per microsecond */
	double burst; /* bucket size */
	double tokens;
	int64_t last_us; /* last refill */
	uint64_t taken;  /* tokens handed out in total */
};

void rate_init(struct ratelimit *r, unsigned pps, int64_t now_us);
/* Takes one token if there is one. */
bool rate_take(struct ratelimit *r, int64_t now_us);
/* Takes one token even when there is none (the balance goes negative and
 * later packets wait): for payloads on connections already open. */
void rate_charge(struct ratelimit *r, int64_t now_us);
/* Microseconds until a token is available (0 when one is). */
int64_t rate_wait_us(struct ratelimit *r, int64_t now_us);

#endif
