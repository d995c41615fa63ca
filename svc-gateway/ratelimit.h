/* Token-bucket rate limits per client: a user, an API key, or an address.
 * A fixed table (no allocation per request); a client idle long enough to
 * have a full bucket again is forgotten first when room is needed. */
#ifndef GATEWAY_RATELIMIT_H
#define GATEWAY_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

/* rate tokens per second, up to burst. */
struct ratelimit *ratelimit_new(double rate, double burst);
void ratelimit_free(struct ratelimit *rl);

/* Takes one token for key at now_ms: true, or false with the seconds until
 * one is there in *retry_after. */
bool ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms,
                    unsigned *retry_after);

#endif
