#include "sc_batch.h"

#include "sc_nats.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int sc_batch_header_check(const Scanopy__V1__BatchHeader *h, char *why, size_t whylen)
{
	if (!h) {
		snprintf(why, whylen, "batch has no header");
		return -1;
	}
	if (!sc_subject_token_ok(h->org_id) || !sc_subject_token_ok(h->network_id) ||
	    !sc_subject_token_ok(h->daemon_id)) {
		snprintf(why, whylen, "header lacks a valid org, network or daemon id");
		return -1;
	}
	if (!h->has_sequence || h->sequence == 0) {
		snprintf(why, whylen, "header lacks a batch sequence number");
		return -1;
	}
	return 0;
}

Scanopy__V1__ObservationBatch *sc_batch_decode(const uint8_t *data, size_t len, char *why,
                                               size_t whylen)
{
	Scanopy__V1__ObservationBatch *b =
	    scanopy__v1__observation_batch__unpack(NULL, len, data);
	if (!b) {
		snprintf(why, whylen, "not a valid ObservationBatch protobuf (%zu bytes)",
		         len);
		return NULL;
	}
	if (sc_batch_header_check(b->header, why, whylen)) {
		scanopy__v1__observation_batch__free_unpacked(b, NULL);
		return NULL;
	}
	return b;
}

Scanopy__V1__ClassifiedBatch *sc_classified_decode(const uint8_t *data, size_t len,
                                                   char *why, size_t whylen)
{
	Scanopy__V1__ClassifiedBatch *c =
	    scanopy__v1__classified_batch__unpack(NULL, len, data);
	if (!c) {
		snprintf(why, whylen, "not a valid ClassifiedBatch protobuf (%zu bytes)",
		         len);
		return NULL;
	}
	if (!c->batch) {
		snprintf(why, whylen, "classified batch has no observation batch");
	} else if (sc_batch_header_check(c->batch->header, why, whylen) == 0) {
		return c;
	}
	scanopy__v1__classified_batch__free_unpacked(c, NULL);
	return NULL;
}

int sc_batch_id(const Scanopy__V1__BatchHeader *h, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s:%" PRIu64, h->daemon_id, h->sequence);
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

int64_t sc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sc_batch_stamp(const uint8_t *in, size_t len, const char *org, const char *network,
                   const char *daemon, uint8_t **out, size_t *outlen, char *id,
                   size_t idlen, char *why, size_t whylen)
{
	Scanopy__V1__ObservationBatch *b =
	    scanopy__v1__observation_batch__unpack(NULL, len, in);
	*out = NULL;
	if (!b || !b->header || !b->header->has_sequence || !b->header->sequence) {
		snprintf(why, whylen, "not an ObservationBatch with a sequence number");
		if (b)
			scanopy__v1__observation_batch__free_unpacked(b, NULL);
		return -1;
	}
	Scanopy__V1__BatchHeader *h = b->header;
	char *claimed[] = {h->org_id, h->network_id, h->daemon_id};
	h->org_id = (char *)org;
	h->network_id = (char *)network;
	h->daemon_id = (char *)daemon;
	int rc = sc_batch_header_check(h, why, whylen);
	if (rc == 0)
		rc = sc_batch_id(h, id, idlen);
	*outlen = scanopy__v1__observation_batch__get_packed_size(b);
	if (rc == 0 && !(*out = malloc(*outlen ? *outlen : 1))) {
		snprintf(why, whylen, "out of memory");
		rc = -1;
	}
	if (rc == 0)
		scanopy__v1__observation_batch__pack(b, *out);
	/* Restore what unpack allocated so free_unpacked frees its own. */
	h->org_id = claimed[0];
	h->network_id = claimed[1];
	h->daemon_id = claimed[2];
	scanopy__v1__observation_batch__free_unpacked(b, NULL);
	return rc;
}
