/* Decoding batches from the bus: valid ones pass, hostile ones are refused
 * with a reason, and a batch from a newer daemon still decodes. */
#include "sc_batch.h"
#include "sc_nats.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static size_t pack_batch(uint8_t *buf, const char *org, const char *daemon, uint64_t seq,
                         int with_header)
{
	Scanopy__V1__BatchHeader h = SCANOPY__V1__BATCH_HEADER__INIT;
	h.org_id = (char *)org;
	h.network_id = "net-1";
	h.daemon_id = (char *)daemon;
	h.sequence = seq;
	h.has_sequence = seq != 0;
	Scanopy__V1__HostSeen host = SCANOPY__V1__HOST_SEEN__INIT;
	host.ip = "10.0.0.1";
	Scanopy__V1__Observation o = SCANOPY__V1__OBSERVATION__INIT;
	o.kind_case = SCANOPY__V1__OBSERVATION__KIND_HOST;
	o.host = &host;
	Scanopy__V1__Observation *obs[] = {&o};
	Scanopy__V1__ObservationBatch b = SCANOPY__V1__OBSERVATION_BATCH__INIT;
	b.header = with_header ? &h : NULL;
	b.observations = obs;
	b.n_observations = 1;
	return scanopy__v1__observation_batch__pack(&b, buf);
}

static void valid_batch_decodes(void **state)
{
	(void)state;
	uint8_t buf[256];
	char why[128];
	size_t len = pack_batch(buf, "org-1", "d-1", 7, 1);
	Scanopy__V1__ObservationBatch *b = sc_batch_decode(buf, len, why, sizeof why);
	assert_non_null(b);
	assert_int_equal(b->header->sequence, 7);
	assert_int_equal(b->n_observations, 1);
	char id[64];
	assert_int_equal(sc_batch_id(b->header, id, sizeof id), 0);
	assert_string_equal(id, "d-1:7");
	scanopy__v1__observation_batch__free_unpacked(b, NULL);
}

static void garbage_is_refused_with_a_reason(void **state)
{
	(void)state;
	char why[128] = "";
	const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x01};
	assert_null(sc_batch_decode(junk, sizeof junk, why, sizeof why));
	assert_non_null(strstr(why, "not a valid ObservationBatch"));
	/* A truncated valid batch is garbage too. */
	uint8_t buf[256];
	size_t len = pack_batch(buf, "org-1", "d-1", 7, 1);
	assert_null(sc_batch_decode(buf, len - 3, why, sizeof why));
}

static void headers_must_identify_the_batch(void **state)
{
	(void)state;
	uint8_t buf[256];
	char why[128];
	size_t len = pack_batch(buf, "org-1", "d-1", 7, 0);
	assert_null(sc_batch_decode(buf, len, why, sizeof why));
	assert_non_null(strstr(why, "no header"));

	len = pack_batch(buf, "org.*", "d-1", 7, 1); /* would widen a subject */
	assert_null(sc_batch_decode(buf, len, why, sizeof why));
	assert_non_null(strstr(why, "org, network or daemon id"));

	len = pack_batch(buf, "org-1", "d-1", 0, 1);
	assert_null(sc_batch_decode(buf, len, why, sizeof why));
	assert_non_null(strstr(why, "sequence"));
}

/* The compatibility rule: an observation kind this build does not know (field
 * 99, from a newer daemon) decodes as an observation with no kind. */
static void unknown_kinds_from_newer_daemons_decode(void **state)
{
	(void)state;
	uint8_t buf[300];
	size_t len = pack_batch(buf, "org-1", "d-1", 9, 1);
	/* Observation { observed_at_ms = 1; <field 99, varint> = 5 } */
	const uint8_t obs[] = {0x08, 0x01, 0x98, 0x06, 0x05};
	buf[len++] = 0x12; /* ObservationBatch.observations, length-delimited */
	buf[len++] = sizeof obs;
	memcpy(buf + len, obs, sizeof obs);
	len += sizeof obs;
	char why[128];
	Scanopy__V1__ObservationBatch *b = sc_batch_decode(buf, len, why, sizeof why);
	assert_non_null(b);
	assert_int_equal(b->n_observations, 2);
	assert_int_equal(b->observations[1]->kind_case,
	                 SCANOPY__V1__OBSERVATION__KIND__NOT_SET);
	scanopy__v1__observation_batch__free_unpacked(b, NULL);
}

static void classified_batches_are_checked_too(void **state)
{
	(void)state;
	uint8_t inner[256], buf[512];
	char why[128];
	size_t len = pack_batch(inner, "org-1", "d-1", 3, 1);
	Scanopy__V1__ObservationBatch *b = sc_batch_decode(inner, len, why, sizeof why);
	assert_non_null(b);
	Scanopy__V1__ClassifiedBatch cb = SCANOPY__V1__CLASSIFIED_BATCH__INIT;
	cb.batch = b;
	size_t clen = scanopy__v1__classified_batch__pack(&cb, buf);
	Scanopy__V1__ClassifiedBatch *c =
	    sc_classified_decode(buf, clen, why, sizeof why);
	assert_non_null(c);
	assert_int_equal(c->batch->header->sequence, 3);
	scanopy__v1__classified_batch__free_unpacked(c, NULL);
	scanopy__v1__observation_batch__free_unpacked(b, NULL);

	Scanopy__V1__ClassifiedBatch empty = SCANOPY__V1__CLASSIFIED_BATCH__INIT;
	clen = scanopy__v1__classified_batch__pack(&empty, buf);
	assert_null(sc_classified_decode(buf, clen, why, sizeof why));
	assert_non_null(strstr(why, "no observation batch"));
}

static void subject_tokens(void **state)
{
	(void)state;
	assert_true(sc_subject_token_ok("5dc97f6a-4b78-43b0-ab54-551c63a7ea43"));
	assert_false(sc_subject_token_ok(""));
	assert_false(sc_subject_token_ok(NULL));
	assert_false(sc_subject_token_ok("a.b"));
	assert_false(sc_subject_token_ok(">"));
	assert_false(sc_subject_token_ok("a b"));
	assert_false(sc_subject_token_ok("a\x7f"));
	char s[64];
	assert_int_equal(sc_subject(s, sizeof s, "scanopy.obs.raw", "o", "n"), 0);
	assert_string_equal(s, "scanopy.obs.raw.o.n");
	assert_int_equal(sc_subject(s, sizeof s, "scanopy.obs.raw", "o", "*"), -1);
	assert_int_equal(sc_subject(s, 10, "scanopy.obs.raw", "o", "n"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_batch_decodes),
	    cmocka_unit_test(garbage_is_refused_with_a_reason),
	    cmocka_unit_test(headers_must_identify_the_batch),
	    cmocka_unit_test(unknown_kinds_from_newer_daemons_decode),
	    cmocka_unit_test(classified_batches_are_checked_too),
	    cmocka_unit_test(subject_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
