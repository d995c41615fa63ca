#include "ratelimit.h"

void rate_init(struct ratelimit *r, unsigned pps, int64_t now_us)
{
	if (pps == 0)
		pps = 1;
	r->rate = pps / 1e6;
	r->burst = pps / 100.0; /* 10 ms of traffic */
	if (r->burst < 1)
		r->burst = 1;
	r->tokens = 1; /* start nearly empty: no burst at t=0 */
	r->last_us = now_us;
	r->taken = 0;
}

static void refill(struct ratelimit *r, int64_t now_us)
{
	if (now_us > r->last_us) {
		r->tokens += (double)(now_us - r->last_us) * r->rate;
		if (r->tokens > r->burst)
			r->tokens = r->burst;
		r->last_us = now_us;
	}
}

bool rate_take(struct ratelimit *r, int64_t now_us)
{
	refill(r, now_us);
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	r->taken++;
	return true;
}

int64_t rate_wait_us(struct ratelimit *r, int64_t now_us)
{
	refill(r, now_us);
	if (r->tokens >= 1)
		return 0;
	return (int64_t)((1 - r->tokens) / r->rate) + 1;
}

void rate_charge(struct ratelimit *r, int64_t now_us)
{
	refill(r, now_us);
	r->tokens -= 1;
	r->taken++;
}
