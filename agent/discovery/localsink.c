#include "localsink.h"

#include "obs_json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sink {
	FILE *out;
	bool record;
	pthread_mutex_t lock;
	struct packed {
		uint8_t *data;
		size_t len;
	} * obs;
	size_t n, cap;
	uint64_t total;
	sink_tap_fn tap;
	void *tap_arg;
};

struct sink *localsink_open(FILE *print_to, bool record)
{
	struct sink *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->out = print_to;
	s->record = record;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

int sink_emit(struct sink *s, const Scanopy__V1__Observation *o)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	if (s->tap)
		s->tap(s->tap_arg, o);
	s->total++;
	if (s->out) {
		obs_json_print(s->out, &o->base);
		fputc('\n', s->out);
	}
	if (s->record) {
		size_t len = scanopy__v1__observation__get_packed_size(o);
		uint8_t *buf = malloc(len ? len : 1);
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct packed *grown = realloc(s->obs, cap * sizeof *grown);
			if (grown) {
				s->obs = grown;
				s->cap = cap;
			}
		}
		if (buf && s->n < s->cap) {
			scanopy__v1__observation__pack(o, buf);
			s->obs[s->n++] = (struct packed){buf, len};
		} else {
			free(buf);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int sink_flush(struct sink *s)
{
	if (s->out)
		fflush(s->out);
	return 0;
}

int sink_close(struct sink *s)
{
	if (!s)
		return 0;
	sink_flush(s);
	for (size_t i = 0; i < s->n; i++)
		free(s->obs[i].data);
	free(s->obs);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return 0;
}

uint64_t sink_count(const struct sink *s)
{
	return s->total;
}

size_t localsink_count(struct sink *s)
{
	return s->n;
}

Scanopy__V1__Observation *localsink_get(struct sink *s, size_t i)
{
	if (i >= s->n)
		return NULL;
	return scanopy__v1__observation__unpack(NULL, s->obs[i].len, s->obs[i].data);
}

void sink_set_tap(struct sink *s, sink_tap_fn fn, void *arg)
{
	pthread_mutex_lock(&s->lock);
	s->tap = fn;
	s->tap_arg = arg;
	pthread_mutex_unlock(&s->lock);
}
