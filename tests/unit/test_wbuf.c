/* The topology's deferred writes: array literals PostgreSQL reads back as
 * the values written (quotes, backslashes, commas, braces and NULLs
 * included), empty ones as {}, and client-made uuids of version 7 (time-ordered). */
#include "wbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static void empty_array(void **state)
{
	struct pgarr a = {0};
	assert_string_equal(pgarr_text(&a), "{}");
	pgarr_free(&a);
}

static void elements_quoted_and_escaped(void **state)
{
	struct pgarr a = {0};
	pgarr_add(&a, "10.0.0.1");
	pgarr_add(&a, NULL);
	pgarr_add(&a, "a \"quoted\" {x,y} \\ name");
	pgarr_add(&a, "");
	assert_int_equal(a.count, 4);
	assert_string_equal(
	    pgarr_text(&a),
	    "{\"10.0.0.1\",NULL,\"a \\\"quoted\\\" {x,y} \\\\ name\",\"\"}");
	pgarr_free(&a);
}

static void reset_starts_over(void **state)
{
	struct pgarr a = {0};
	pgarr_add(&a, "x");
	pgarr_text(&a);
	pgarr_reset(&a);
	assert_string_equal(pgarr_text(&a), "{}");
	pgarr_add(&a, "y");
	assert_string_equal(pgarr_text(&a), "{\"y\"}");
	pgarr_free(&a);
}

static void grows_past_its_first_block(void **state)
{
	struct pgarr a = {0};
	char v[16];
	for (int i = 0; i < 5000; i++) {
		snprintf(v, sizeof v, "%d", i);
		pgarr_add(&a, v);
	}
	const char *t = pgarr_text(&a);
	assert_non_null(t);
	assert_int_equal(a.count, 5000);
	assert_true(!strncmp(t, "{\"0\",\"1\",", 9));
	assert_non_null(strstr(t, ",\"4999\"}"));
	pgarr_free(&a);
}

static void uuids_are_version_7_and_increase(void **state)
{
	char a[37], b[37];
	assert_int_equal(wb_uuid(a), 0);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[8], '-');
	assert_int_equal(a[14], '7');
	assert_non_null(strchr("89ab", a[19]));
	/* Within one ms and across: each after the one before. */
	for (int i = 0; i < 10000; i++) {
		assert_int_equal(wb_uuid(b), 0);
		assert_true(strcmp(a, b) < 0);
		memcpy(a, b, sizeof a);
	}
	/* The time part is now, in ms. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long ms = (unsigned long long)ts.tv_sec * 1000 +
	                        (unsigned long long)ts.tv_nsec / 1000000;
	char hex[13];
	memcpy(hex, a, 8);
	memcpy(hex + 8, a + 9, 4);
	hex[12] = '\0';
	unsigned long long got = strtoull(hex, NULL, 16);
	assert_true(got <= ms + 5 && got + 1000 >= ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_array),
	    cmocka_unit_test(elements_quoted_and_escaped),
	    cmocka_unit_test(reset_starts_over),
	    cmocka_unit_test(grows_past_its_first_block),
	    cmocka_unit_test(uuids_are_version_7_and_increase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
