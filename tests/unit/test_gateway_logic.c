/* The gateway's pure logic: list-query SQL assembly, ETags and
 * If-None-Match, and the SVG rendering of a view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "etag.h"
#include "listq.h"
#include "views_render.h"

#include <stdlib.h>
#include <string.h>

static void where_numbers_placeholders(void **state)
{
	(void)state;
	char out[256];
	const char *conds[] = {"a = $?::uuid", "strpos(x, $?) > 0 OR strpos(y, $?) > 0"};
	assert_int_equal(listq_where(out, sizeof out, "SELECT 1 FROM t", conds, 2, 3), 0);
	assert_string_equal(out,
	                    "SELECT 1 FROM t WHERE (a = $3::uuid) AND (strpos(x, $4) > "
	                    "0 OR strpos(y, $4) > 0)");
	assert_int_equal(listq_where(out, sizeof out, "SELECT 1 FROM t", conds, 0, 1), 0);
	assert_string_equal(out, "SELECT 1 FROM t");
	/* A "$" not followed by "?" is left alone. */
	const char *dollar[] = {"x = '$1'"};
	assert_int_equal(listq_where(out, sizeof out, "S", dollar, 1, 1), 0);
	assert_string_equal(out, "S WHERE (x = '$1')");
}

static void where_refuses_overflow(void **state)
{
	(void)state;
	char out[24];
	const char *conds[] = {"a_long_condition = $?"};
	assert_int_equal(listq_where(out, sizeof out, "SELECT 1 FROM t", conds, 1, 1),
	                 -1);
	assert_int_equal(listq_where(out, 4, "SELECT", NULL, 0, 1), -1);
}

static void etag_is_weak_hash_of_body(void **state)
{
	(void)state;
	char a[48], b[48], c[48];
	assert_int_equal(etag_of("[1,2]", 5, a, sizeof a), 0);
	assert_int_equal(etag_of("[1,2]", 5, b, sizeof b), 0);
	assert_int_equal(etag_of("[1,3]", 5, c, sizeof c), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 2 + 1 + 32 + 1);
	assert_memory_equal(a, "W/\"", 3);
	assert_int_equal(etag_of("x", 1, a, 20), -1);
}

static void if_none_match(void **state)
{
	(void)state;
	const char *t = "W/\"abc\"";
	assert_true(etag_matches("W/\"abc\"", t));
	assert_true(etag_matches("\"abc\"", t)); /* weak comparison */
	assert_true(etag_matches("\"x\", W/\"abc\"", t));
	assert_true(etag_matches(" \"x\" ,W/\"abc\" ", t));
	assert_true(etag_matches("*", t));
	assert_false(etag_matches("\"abcd\"", t));
	assert_false(etag_matches("\"ab\"", t));
	assert_false(etag_matches("", t));
	assert_true(etag_matches("\"v1\"", "\"v1\""));
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void svg_escapes_and_draws_every_node(void **state)
{
	(void)state;
	json_t *g = json_loads(
	    "{\"nodes\": [{\"id\": \"a\", \"kind\": \"switch\", \"label\": "
	    "\"sw<1>&\\\"\"},"
	    "{\"id\": \"b\", \"kind\": \"host\", \"label\": \"web\", \"ip\": "
	    "\"10.0.0.2\"},"
	    "{\"id\": \"c\", \"kind\": \"container\", \"label\": \"app\", \"parent\": "
	    "\"b\"},"
	    "{\"id\": \"d\", \"kind\": \"host\", \"label\": "
	    "\"abcdefghijklmnopqrstuvw\\u00e9\"}],"
	    "\"edges\": [{\"source\": \"a\", \"target\": \"b\", \"kind\": \"link\", "
	    "\"label\": \"ge-0/0/1 <-> eth0\"}, {\"source\": \"a\", \"target\": \"zz\", "
	    "\"kind\": \"link\"}]}",
	    0, NULL);
	assert_non_null(g);
	char *svg = view_render_svg(g);
	assert_non_null(svg);
	assert_int_equal(count(svg, "class=\"node\""), 4);
	assert_int_equal(count(svg, "class=\"edge\""),
	                 1); /* the dangling one is left out */
	assert_non_null(strstr(svg, "sw&lt;1&gt;&amp;&quot;"));
	assert_null(strstr(svg, "sw<1>"));
	assert_non_null(strstr(svg, "ge-0/0/1 &lt;-&gt; eth0"));
	/* The long label is cut before the two-byte character, not inside it. */
	assert_non_null(strstr(svg, ">abcdefghijklmnopqrstuvw</text>"));
	assert_int_equal(strncmp(svg, "<?xml", 5), 0);
	assert_non_null(strstr(svg, "</svg>\n"));
	free(svg);
	json_decref(g);
}

static void svg_of_an_empty_graph(void **state)
{
	(void)state;
	json_t *g = json_loads("{\"nodes\": [], \"edges\": []}", 0, NULL);
	char *svg = view_render_svg(g);
	assert_non_null(svg);
	assert_int_equal(count(svg, "class=\"node\""), 0);
	free(svg);
	json_decref(g);
}

/* A gone host (missed by scans), a stale one and a present one: every export
 * says which are no longer there, and draws them apart. */
static void exports_mark_absent_hosts(void **state)
{
	(void)state;
	json_t *g = json_loads(
	    "{\"nodes\": [{\"id\": \"h:1\", \"kind\": \"host\", \"label\": \"old\", "
	    "\"stale\": true, \"data\": {\"gone_at\": \"2026-12-01T00:00:00Z\", "
	    "\"gone_reason\": \"missed_by_scan\"}},"
	    "{\"id\": \"h:2\", \"kind\": \"host\", \"label\": \"quiet\", \"stale\": "
	    "true, \"data\": {}},"
	    "{\"id\": \"h:3\", \"kind\": \"host\", \"label\": \"here\", \"stale\": "
	    "false, \"data\": {}}], \"edges\": []}",
	    0, NULL);
	assert_non_null(g);
	char *dot = view_render_dot(g), *mm = view_render_mermaid(g),
	     *svg = view_render_svg(g);
	assert_non_null(dot);
	assert_non_null(mm);
	assert_non_null(svg);
	assert_non_null(
	    strstr(dot, "old\\n(gone, missed by scan)\", shape=box, style=dashed"));
	assert_non_null(strstr(dot, "quiet\\n(stale)\", shape=box, style=dashed"));
	assert_non_null(strstr(dot, "here\", shape=box];"));
	assert_int_equal(count(dot, "style=dashed"), 2);
	assert_non_null(strstr(mm, "classDef absent "));
	assert_non_null(
	    strstr(mm, "n0[\"old<br/>(gone, missed by scan)\"]\n  class n0 absent\n"));
	assert_non_null(strstr(mm, "class n1 absent\n"));
	assert_null(strstr(mm, "class n2 "));
	assert_int_equal(count(svg, "data-absent="), 2);
	assert_non_null(strstr(svg, "data-absent=\"gone, missed by scan\""));
	assert_non_null(strstr(svg, "<title>here</title>"));
	free(dot);
	free(mm);
	free(svg);
	json_decref(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(where_numbers_placeholders),
	    cmocka_unit_test(where_refuses_overflow),
	    cmocka_unit_test(etag_is_weak_hash_of_body),
	    cmocka_unit_test(if_none_match),
	    cmocka_unit_test(svg_escapes_and_draws_every_node),
	    cmocka_unit_test(svg_of_an_empty_graph),
	    cmocka_unit_test(exports_mark_absent_hosts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
