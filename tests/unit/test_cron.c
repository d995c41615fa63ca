/* The cron parser and next-fire computation, including daylight-saving edges
 * in two zones (Europe/Berlin, America/New_York) and dates past the zone
 * files' transition tables (their POSIX footer rule). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sc_cron.h"
#include "sc_tz.h"

#include <stdio.h>
#include <string.h>

static int64_t utc(int y, unsigned mo, unsigned d, int h, int mi)
{
	return sc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static struct sc_tz *zone(const char *name)
{
	char err[200];
	struct sc_tz *tz = sc_tz_load(name, err, sizeof err);
	if (!tz)
		fail_msg("%s", err);
	return tz;
}

static void parse_ok(const char *expr, struct sc_cron *c)
{
	char err[200] = "";
	if (sc_cron_parse(expr, c, err, sizeof err))
		fail_msg("'%s' refused: %s", expr, err);
}

static void test_civil(void **state)
{
	(void)state;
	assert_int_equal(utc(2024, 3, 31, 1, 0), 1711846800); /* from Python zoneinfo */
	assert_int_equal(utc(2060, 7, 1, 0, 0), 2855865600);
	int64_t y;
	unsigned m, d;
	sc_civil_from_days(sc_days_from_civil(2024, 2, 29), &y, &m, &d);
	assert_true(y == 2024 && m == 2 && d == 29);
}

static void test_parse_fields(void **state)
{
	(void)state;
	struct sc_cron c;
	parse_ok("*/15 9-17 * * mon-fri", &c);
	assert_true(c.minute == (1ULL << 0 | 1ULL << 15 | 1ULL << 30 | 1ULL << 45));
	assert_int_equal(c.hour, 0x3fe00);
	assert_int_equal(c.dow, 0x3e);
	assert_true(c.dom_any && !c.dow_any);
	parse_ok("5,10-12,50/5 0 1,15 JAN,jul-Aug 7", &c);
	assert_true(c.minute == (1ULL << 5 | 1ULL << 10 | 1ULL << 11 | 1ULL << 12 |
	                         1ULL << 50 | 1ULL << 55));
	assert_int_equal(c.dom, 1u << 1 | 1u << 15);
	assert_int_equal(c.month, 1u << 1 | 1u << 7 | 1u << 8);
	assert_int_equal(c.dow, 1); /* 7 is Sunday */
	parse_ok("0-30/10 * * * *", &c);
	assert_true(c.minute == (1ULL << 0 | 1ULL << 10 | 1ULL << 20 | 1ULL << 30));
	parse_ok("@daily", &c);
	assert_true(c.minute == 1 && c.hour == 1 && c.dom_any && c.dow_any);
	parse_ok("@weekly", &c);
	assert_int_equal(c.dow, 1);
	parse_ok("  @HOURLY ", &c);
	assert_int_equal(c.hour, 0xffffff);
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "60 * * * *",  "* 24 * * *", "* * 0 * *",   "* * * 13 *",
	    "* * * * 8",   "* * * *",    "* * * * * *", "*/0 * * * *",
	    "5-1 * * * *", "@often",     "* * * foo *", "1,,2 * * * *",
	    "a * * * *",   "",           "*/x * * * *",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sc_cron c;
		char err[200] = "";
		if (sc_cron_parse(bad[i], &c, err, sizeof err) == 0)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(strlen(err) > 5);
	}
	struct sc_cron c;
	char err[200];
	sc_cron_parse("61 * * * *", &c, err, sizeof err);
	assert_non_null(strstr(err, "minute"));
}

static void test_next_utc(void **state)
{
	(void)state;
	struct sc_tz *tz = zone("UTC");
	struct sc_cron c;
	parse_ok("*/15 9-17 * * mon-fri", &c);
	/* Friday 2024-05-17 17:50 -> Monday 09:00 */
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 5, 17, 17, 50)),
	                 utc(2024, 5, 20, 9, 0));
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 5, 20, 9, 0)),
	                 utc(2024, 5, 20, 9, 15));
	/* strictly after, even mid-minute */
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 5, 20, 9, 14) + 59),
	                 utc(2024, 5, 20, 9, 15));
	parse_ok("0 0 29 2 *", &c);
	assert_int_equal(sc_cron_next(&c, tz, utc(2025, 1, 1, 0, 0)),
	                 utc(2028, 2, 29, 0, 0));
	parse_ok("0 0 30 2 *", &c);
	assert_int_equal(sc_cron_next(&c, tz, utc(2025, 1, 1, 0, 0)), -1);
	/* both day fields restricted: the 13th or any Friday */
	parse_ok("0 12 13 * fri", &c);
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 9, 10, 0, 0)),
	                 utc(2024, 9, 13, 12, 0)); /* a Friday the 13th */
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 9, 13, 12, 0)),
	                 utc(2024, 9, 20, 12, 0));
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 10, 11, 12, 0)),
	                 utc(2024, 10, 13, 12, 0)); /* a Sunday the 13th */
	sc_tz_free(tz);
}

/* Fires of c in (from, to], counted. */
static int fires(const struct sc_cron *c, const struct sc_tz *tz, int64_t from,
                 int64_t to, int64_t *first)
{
	int n = 0;
	for (int64_t t = sc_cron_next(c, tz, from); t > 0 && t <= to;
	     t = sc_cron_next(c, tz, t)) {
		if (n++ == 0 && first)
			*first = t;
	}
	return n;
}

static void test_berlin_dst(void **state)
{
	(void)state;
	struct sc_tz *tz = zone("Europe/Berlin");
	assert_int_equal(sc_tz_offset(tz, utc(2024, 1, 15, 0, 0)), 3600);
	assert_int_equal(sc_tz_offset(tz, utc(2024, 7, 15, 0, 0)), 7200);
	struct sc_cron c;
	parse_ok("30 2 * * *", &c);
	/* Spring forward, 2024-03-31: 02:30 does not exist; it fires once, when
	 * the clock jumps (01:00 UTC = 03:00 CEST). */
	int64_t t = sc_cron_next(&c, tz, utc(2024, 3, 30, 12, 0));
	assert_int_equal(t, utc(2024, 3, 31, 1, 0));
	assert_int_equal(sc_cron_next(&c, tz, t), utc(2024, 4, 1, 0, 30));
	int64_t first = 0;
	assert_int_equal(
	    fires(&c, tz, utc(2024, 3, 30, 22, 0), utc(2024, 3, 31, 22, 0), &first), 1);
	/* Fall back, 2024-10-27: 02:30 happens twice; it fires at the first. */
	t = sc_cron_next(&c, tz, utc(2024, 10, 26, 12, 0));
	assert_int_equal(t, utc(2024, 10, 27, 0, 30));
	assert_int_equal(sc_cron_next(&c, tz, t), utc(2024, 10, 28, 1, 30));
	assert_int_equal(
	    fires(&c, tz, utc(2024, 10, 26, 22, 0), utc(2024, 10, 27, 23, 0), NULL), 1);
	/* A daily job fires exactly once per day for a whole year. */
	int64_t prev = sc_cron_next(&c, tz, utc(2024, 1, 1, 0, 0));
	for (int i = 0; i < 366; i++) {
		int64_t n = sc_cron_next(&c, tz, prev);
		assert_true(n - prev >= 22 * 3600 && n - prev <= 26 * 3600);
		prev = n;
	}
	/* Every 15 minutes across the gap: 02:00-02:45 collapse into one fire. */
	parse_ok("*/15 * * * *", &c);
	assert_int_equal(
	    fires(&c, tz, utc(2024, 3, 31, 0, 0), utc(2024, 3, 31, 1, 30), NULL),
	    1 + 2 + 1 + 2); /* 01:15 01:30 01:45 CET, 03:00, 03:15 03:30 */
	/* Hourly across the overlap: the repeated 02:00 fires once. */
	parse_ok("0 * * * *", &c);
	t = sc_cron_next(&c, tz, utc(2024, 10, 26, 23, 30));
	assert_int_equal(t, utc(2024, 10, 27, 0, 0)); /* 02:00 CEST */
	assert_int_equal(sc_cron_next(&c, tz, t),
	                 utc(2024, 10, 27, 2, 0)); /* 03:00 CET */
	/* Past the table (the footer rule): 2060 and 2099. */
	assert_int_equal(sc_tz_offset(tz, utc(2060, 7, 1, 0, 0)), 7200);
	assert_int_equal(sc_tz_offset(tz, utc(2060, 1, 1, 0, 0)), 3600);
	assert_int_equal(sc_tz_offset(tz, 2847661200 - 1), 3600);
	assert_int_equal(sc_tz_offset(tz, 2847661200), 7200);
	parse_ok("30 2 * * *", &c);
	assert_int_equal(sc_cron_next(&c, tz, utc(2099, 3, 28, 12, 0)), 4078429200);
	sc_tz_free(tz);
}

static void test_new_york_dst(void **state)
{
	(void)state;
	struct sc_tz *tz = zone("America/New_York");
	struct sc_cron c;
	parse_ok("30 2 * * *", &c);
	/* 2024-03-10: 02:00 EST jumps to 03:00 EDT at 07:00 UTC. */
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 3, 9, 12, 0)), 1710054000);
	parse_ok("30 1 * * *", &c);
	/* 2024-11-03: 01:30 happens in EDT (05:30 UTC) and EST (06:30 UTC). */
	int64_t t = sc_cron_next(&c, tz, utc(2024, 11, 2, 12, 0));
	assert_int_equal(t, 1730611800);
	assert_int_equal(sc_cron_next(&c, tz, t), 1730701800);
	/* Created between the two 01:30s: the first has passed, so tomorrow. */
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 11, 3, 6, 0)), 1730701800);
	parse_ok("0 9 * * mon", &c);
	assert_int_equal(sc_cron_next(&c, tz, utc(2024, 11, 3, 12, 0)),
	                 utc(2024, 11, 4, 14, 0));
	sc_tz_free(tz);
}

static void test_zone_names(void **state)
{
	(void)state;
	char err[200];
	static const char *const bad[] = {"Mars/Olympus",
	                                  "../etc/passwd",
	                                  "/etc/passwd",
	                                  "Europe/../../etc/shadow",
	                                  "",
	                                  "Europe",
	                                  "Europe/Berlin; DROP",
	                                  ".hidden"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (sc_tz_load(bad[i], err, sizeof err))
			fail_msg("'%s' loaded", bad[i]);
		assert_true(strlen(err) > 5);
	}
	struct sc_tz *tz = zone("Australia/Sydney"); /* southern hemisphere */
	assert_int_equal(sc_tz_offset(tz, utc(2030, 1, 15, 0, 0)), 11 * 3600);
	assert_int_equal(sc_tz_offset(tz, utc(2030, 7, 15, 0, 0)), 10 * 3600);
	sc_tz_free(tz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_civil),        cmocka_unit_test(test_parse_fields),
	    cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_next_utc),
	    cmocka_unit_test(test_berlin_dst),   cmocka_unit_test(test_new_york_dst),
	    cmocka_unit_test(test_zone_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
