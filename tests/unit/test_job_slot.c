/* The ServerPoll daemon's job slot: one job at a time, a retried offer is not
 * a second job, cancel stops a running job or drops a queued one, and the
 * outcome stays readable. */
#include "job_slot.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint8_t *packed(const char *session, size_t *len)
{
	Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
	job.session_id = (char *)session;
	job.type = SCANOPY__V1__JOB_TYPE__JOB_NETWORK;
	job.has_type = 1;
	*len = scanopy__v1__job__get_packed_size(&job);
	uint8_t *b = malloc(*len);
	scanopy__v1__job__pack(&job, b);
	return b;
}

static const char *state_of(struct job_slot *s)
{
	static char st[16];
	json_t *j = slot_json(s, NULL);
	snprintf(st, sizeof st, "%s",
	         j ? json_string_value(json_object_get(j, "state")) : "");
	json_decref(j);
	return st;
}

static void one_job_at_a_time(void **state)
{
	(void)state;
	volatile int cancel = 0;
	struct job_slot *s = slot_new(&cancel);
	size_t la, lb;
	uint8_t *a = packed("aaaa", &la), *b = packed("bbbb", &lb);
	assert_null(slot_json(s, NULL));
	assert_int_equal(slot_offer(s, a, la), SLOT_ACCEPTED);
	assert_int_equal(slot_offer(s, a, la), SLOT_DUPLICATE);
	assert_int_equal(slot_offer(s, b, lb), SLOT_BUSY);
	assert_int_equal(slot_offer(s, (const uint8_t *)"\xff\xff", 2), SLOT_INVALID);
	Scanopy__V1__Job *j = slot_take(s);
	assert_non_null(j);
	assert_string_equal(j->session_id, "aaaa");
	assert_null(slot_take(s));
	assert_string_equal(state_of(s), "running");
	slot_progress(s, "tcp", 40, 2, 5);
	json_t *p = slot_json(s, "aaaa");
	assert_int_equal(json_integer_value(json_object_get(p, "progress")), 40);
	json_decref(p);
	assert_null(slot_json(s, "bbbb"));
	assert_int_equal(slot_offer(s, b, lb), SLOT_BUSY);
	slot_finish(s, "completed", NULL, "2 hosts", 2, 5);
	assert_string_equal(state_of(s), "completed");
	assert_int_equal(slot_offer(s, b, lb), SLOT_ACCEPTED);
	scanopy__v1__job__free_unpacked(j, NULL);
	free(a);
	free(b);
	slot_free(s);
}

static void cancel_running_or_queued(void **state)
{
	(void)state;
	volatile int cancel = 0;
	struct job_slot *s = slot_new(&cancel);
	size_t la, lb;
	uint8_t *a = packed("aaaa", &la), *b = packed("bbbb", &lb);
	assert_int_equal(slot_offer(s, a, la), SLOT_ACCEPTED);
	assert_int_equal(slot_cancel(s, "zzzz"), -1);
	assert_int_equal(slot_cancel(s, "aaaa"), 0);
	assert_string_equal(state_of(s), "cancelled"); /* queued: dropped */
	assert_null(slot_take(s));
	assert_int_equal(cancel, 0);
	assert_int_equal(slot_offer(s, b, lb), SLOT_ACCEPTED);
	Scanopy__V1__Job *j = slot_take(s);
	assert_non_null(j);
	assert_int_equal(slot_cancel(s, "bbbb"), 0);
	assert_int_equal(cancel, 1); /* running: told to stop */
	scanopy__v1__job__free_unpacked(j, NULL);
	free(a);
	free(b);
	slot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_job_at_a_time),
	    cmocka_unit_test(cancel_running_or_queued),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
