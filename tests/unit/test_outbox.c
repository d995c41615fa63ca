/* The daemon's outbox: batches survive until delivered, go out in sequence
 * order, come back after a restart, and the spool stays within its bound. */
#include "outbox.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct transport {
	int accept; /* 1: SEND_OK, 0: SEND_RETRY */
	uint64_t seen[64];
	size_t nseen;
	int reject_seq; /* this sequence is refused for good */
};

static enum send_result fake_send(void *ctx, uint64_t seq, const uint8_t *b, size_t len)
{
	struct transport *t = ctx;
	(void)b;
	(void)len;
	if (!t->accept)
		return SEND_RETRY;
	if ((int)seq == t->reject_seq)
		return SEND_REJECTED;
	if (t->nseen < 64)
		t->seen[t->nseen++] = seq;
	return SEND_OK;
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/outbox-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static void delivers_in_sequence_order(void **state)
{
	(void)state;
	struct transport t = {.accept = 1, .reject_seq = -1};
	/* Stored out of order while nothing sends (an outbox without a sender
	 * thread), so no send can race the puts. */
	struct outbox *o = outbox_open(dir, 1 << 20, NULL, NULL);
	assert_non_null(o);
	const uint8_t batch[] = {1, 2, 3};
	for (uint64_t seq = 12; seq >= 9; seq--)
		assert_int_equal(outbox_put(o, seq, batch, sizeof batch), 0);
	assert_int_equal(outbox_pending(o), 4);
	outbox_close(o);
	o = outbox_open(dir, 1 << 20, fake_send, &t);
	assert_non_null(o);
	assert_int_equal(outbox_drain(o, 5000), 0);
	outbox_close(o);
	assert_int_equal(t.nseen, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(t.seen[i], 9 + i);
}

static void survives_a_restart(void **state)
{
	(void)state;
	struct transport t = {.accept = 0, .reject_seq = -1};
	struct outbox *o = outbox_open(dir, 1 << 20, fake_send, &t);
	const uint8_t batch[] = {7};
	assert_int_equal(outbox_put(o, 1, batch, 1), 0);
	assert_int_equal(outbox_put(o, 2, batch, 1), 0);
	outbox_close(o); /* the daemon stops with the server away */

	t.accept = 1;
	o = outbox_open(dir, 1 << 20, fake_send, &t);
	assert_int_equal(outbox_drain(o, 5000), 0);
	outbox_close(o);
	assert_int_equal(t.nseen, 2);
}

static void rejected_batches_are_set_aside(void **state)
{
	(void)state;
	struct transport t = {.accept = 1, .reject_seq = 5};
	struct outbox *o = outbox_open(dir, 1 << 20, fake_send, &t);
	const uint8_t batch[] = {7};
	for (uint64_t seq = 4; seq <= 6; seq++)
		outbox_put(o, seq, batch, 1);
	assert_int_equal(outbox_drain(o, 5000), 0);
	outbox_close(o);
	assert_int_equal(t.nseen, 2); /* 4 and 6; 5 is kept aside, not retried forever */
	char path[128];
	snprintf(path, sizeof path, "%s/spool/rejected/%020d.pb", dir, 5);
	assert_int_equal(access(path, F_OK), 0);
}

static void the_spool_is_bounded(void **state)
{
	(void)state;
	struct transport t = {.accept = 0, .reject_seq = -1};
	struct outbox *o = outbox_open(dir, 2500, fake_send, &t);
	uint8_t batch[1000];
	memset(batch, 0xab, sizeof batch);
	for (uint64_t seq = 1; seq <= 5; seq++)
		assert_int_equal(outbox_put(o, seq, batch, sizeof batch), 0);
	t.accept = 1;
	assert_int_equal(outbox_drain(o, 5000), 0);
	outbox_close(o);
	/* Only what fits in 2500 bytes is kept: the newest two. */
	assert_int_equal(t.nseen, 2);
	assert_int_equal(t.seen[0], 4);
	assert_int_equal(t.seen[1], 5);
}

struct pulled {
	uint64_t seq[16];
	size_t n;
};

static int collect(void *ctx, uint64_t seq, const uint8_t *b, size_t len)
{
	struct pulled *p = ctx;
	(void)b;
	(void)len;
	p->seq[p->n++] = seq;
	return 0;
}

/* ServerPoll: no sender; the server reads the oldest batches and they leave
 * the spool only when acknowledged, so a lost pull loses nothing. */
static void pulled_batches_stay_until_acknowledged(void **state)
{
	(void)state;
	struct outbox *o = outbox_open(dir, 1 << 20, NULL, NULL);
	assert_non_null(o);
	const uint8_t batch[] = {1, 2, 3};
	for (uint64_t seq = 1; seq <= 5; seq++)
		assert_int_equal(outbox_put(o, seq, batch, sizeof batch), 0);
	struct pulled p = {0};
	assert_int_equal(outbox_peek(o, 3, 1 << 20, collect, &p), 3);
	assert_int_equal(p.seq[0], 1);
	assert_int_equal(p.seq[2], 3);
	memset(&p, 0, sizeof p);
	assert_int_equal(outbox_peek(o, 3, 1 << 20, collect, &p), 3);
	assert_int_equal(p.seq[0], 1); /* not acknowledged: the same again */
	outbox_ack(o, 3);
	assert_int_equal(outbox_pending(o), 2);
	memset(&p, 0, sizeof p);
	assert_int_equal(outbox_peek(o, 16, 1, collect, &p), 1); /* byte bound: one */
	assert_int_equal(p.seq[0], 4);
	outbox_ack(o, 99);
	assert_int_equal(outbox_pending(o), 0);
	assert_int_equal(outbox_peek(o, 16, 1 << 20, collect, &p), 0);
	outbox_close(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(delivers_in_sequence_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(survives_a_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(rejected_batches_are_set_aside, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(the_spool_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(pulled_batches_stay_until_acknowledged, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
