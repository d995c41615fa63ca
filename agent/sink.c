#include "sink.h"

#include "outbox.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "state.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A batch is cut at whichever comes first. Not by age: the fingerprint
 * service classifies a batch at a time, so a host's port, banner and HTTP
 * answer must travel together (cutting every 2 s cost the lab e2e two
 * service identifications). */
#define BATCH_MAX_OBS 512
#define BATCH_MAX_BYTES (256 * 1024)

struct sink {
	struct outbox *out;
	struct agent_state *st;
	struct sink_ids ids;
	pthread_mutex_t lock;
	uint8_t *buf; /* packed `observations` fields, tag and length included */
	size_t len, cap, nobs;
	int64_t started_ms;
	uint64_t total;
	sink_tap_fn tap;
	void *tap_arg;
	sink_progress_fn on_progress;
	void *progress_arg;
};

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

static int reserve(struct sink *s, size_t more)
{
	if (s->len + more <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 4096;
	while (cap < s->len + more)
		cap *= 2;
	uint8_t *grown = realloc(s->buf, cap);
	if (!grown)
		return -1;
	s->buf = grown;
	s->cap = cap;
	return 0;
}

struct sink *sink_open(struct outbox *out, struct agent_state *st,
                       const struct sink_ids *ids)
{
	struct sink *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->out = out;
	s->st = st;
	s->ids = *ids;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

/* Builds header + buffered observations into one ObservationBatch and stores
 * it in the outbox. Called with the lock held. */
static int flush_locked(struct sink *s)
{
	if (s->nobs == 0)
		return 0;
	Scanopy__V1__BatchHeader h = SCANOPY__V1__BATCH_HEADER__INIT;
	uint64_t seq;
	if (state_next_sequence(s->st, &seq))
		return -1;
	h.org_id = (char *)s->ids.org_id;
	h.network_id = (char *)s->ids.network_id;
	h.daemon_id = (char *)s->ids.daemon_id;
	h.session_id = (char *)s->ids.session_id;
	h.sequence = seq;
	h.has_sequence = 1;
	h.started_at_ms = s->started_ms;
	h.has_started_at_ms = 1;
	h.sent_at_ms = sc_now_ms();
	h.has_sent_at_ms = 1;
	h.daemon_version = (char *)SCANOPY_VERSION;
	h.contract_version = 1;
	h.has_contract_version = 1;

	size_t hlen = scanopy__v1__batch_header__get_packed_size(&h);
	uint8_t *batch = malloc(1 + 10 + hlen + s->len);
	if (!batch)
		return -1;
	size_t n = 0;
	batch[n++] = 0x0a; /* field 1 (header), length-delimited */
	n += put_varint(batch + n, hlen);
	n += scanopy__v1__batch_header__pack(&h, batch + n);
	memcpy(batch + n, s->buf, s->len); /* field 2 entries, already framed */
	n += s->len;
	int rc = outbox_put(s->out, seq, batch, n);
	free(batch);
	if (rc == 0) {
		s->len = 0;
		s->nobs = 0;
	}
	return rc;
}

int sink_emit(struct sink *s, const Scanopy__V1__Observation *o)
{
	size_t olen = scanopy__v1__observation__get_packed_size(o);
	pthread_mutex_lock(&s->lock);
	if (s->tap)
		s->tap(s->tap_arg, o);
	int rc = 0;
	if (s->nobs > 0 && (s->nobs >= BATCH_MAX_OBS || s->len + olen > BATCH_MAX_BYTES))
		rc = flush_locked(s);
	if (rc == 0 && reserve(s, 1 + 10 + olen) == 0) {
		if (s->nobs == 0)
			s->started_ms = sc_now_ms();
		s->buf[s->len++] = 0x12; /* field 2 (observations), length-delimited */
		s->len += put_varint(s->buf + s->len, olen);
		s->len += scanopy__v1__observation__pack(o, s->buf + s->len);
		s->nobs++;
		s->total++;
	} else {
		rc = -1;
	}
	pthread_mutex_unlock(&s->lock);
	if (o->kind_case == SCANOPY__V1__OBSERVATION__KIND_PROGRESS && s->on_progress)
		s->on_progress(s->progress_arg, o->progress);
	return rc;
}

void sink_on_progress(struct sink *s, sink_progress_fn fn, void *arg)
{
	s->on_progress = fn;
	s->progress_arg = arg;
}

int sink_flush(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	int rc = flush_locked(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int sink_close(struct sink *s)
{
	if (!s)
		return 0;
	int rc = sink_flush(s);
	if (rc)
		sc_error("sink: %zu observation(s) could not be stored", s->nobs);
	pthread_mutex_destroy(&s->lock);
	free(s->buf);
	free(s);
	return rc;
}

uint64_t sink_count(const struct sink *s)
{
	return s->total;
}

void sink_set_tap(struct sink *s, sink_tap_fn fn, void *arg)
{
	pthread_mutex_lock(&s->lock);
	s->tap = fn;
	s->tap_arg = arg;
	pthread_mutex_unlock(&s->lock);
}
