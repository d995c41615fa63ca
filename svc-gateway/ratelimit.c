#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8192 /* clients tracked at once */
#define PROBE 16   /* slots looked at per key */

struct bucket {
	char key[64];
	double tokens;
	int64_t last_ms;
};

struct ratelimit {
	pthread_mutex_t mu;
	double rate, burst;
	struct bucket b[SLOTS];
};

struct ratelimit *ratelimit_new(double rate, double burst)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	pthread_mutex_init(&rl->mu, NULL);
	rl->rate = rate;
	rl->burst = burst < 1 ? 1 : burst;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The key's bucket, or the slot to give it: an empty one, else the one
 * idle longest among those probed. */
static struct bucket *find(struct ratelimit *rl, const char *key)
{
	uint32_t h = hash(key);
	struct bucket *victim = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		struct bucket *b = &rl->b[(h + i) % SLOTS];
		if (!b->key[0] || !strcmp(b->key, key))
			return b;
		if (!victim || b->last_ms < victim->last_ms)
			victim = b;
	}
	victim->key[0] = '\0';
	return victim;
}

bool ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms,
                    unsigned *retry_after)
{
	pthread_mutex_lock(&rl->mu);
	struct bucket *b = find(rl, key);
	if (!b->key[0]) {
		size_t n =
		    strlen(key) < sizeof b->key - 1 ? strlen(key) : sizeof b->key - 1;
		memcpy(b->key, key, n);
		b->key[n] = '\0';
		b->tokens = rl->burst;
		b->last_ms = now_ms;
	}
	double elapsed = (double)(now_ms - b->last_ms) / 1000.0;
	if (elapsed > 0) {
		b->tokens = fmin(rl->burst, b->tokens + elapsed * rl->rate);
		b->last_ms = now_ms;
	}
	bool ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	else
		*retry_after = (unsigned)ceil((1 - b->tokens) / rl->rate);
	pthread_mutex_unlock(&rl->mu);
	return ok;
}
