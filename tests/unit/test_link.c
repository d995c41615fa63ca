/* The daemon's server link as `scanopy-daemon status` reports it: never
 * connected until an answer, unreachable from the first failure (and since
 * then, however many follow), connected again on the next answer; a refusal
 * is an answer with an error; and a real call to a closed port counts as a
 * failure with curl's reason. */
#include "client.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static json_t *as_json(struct link *l)
{
	char members[1024], text[1100];
	link_json(l, members, sizeof members);
	snprintf(text, sizeof text, "{%s}", members);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

static long long num(json_t *j, const char *k)
{
	return (long long)json_integer_value(json_object_get(j, k));
}

static void states(void **state)
{
	(void)state;
	struct link l;
	link_init(&l);
	assert_string_equal(link_state(&l), "never_connected");
	json_t *j = as_json(&l);
	assert_string_equal(json_string_value(json_object_get(j, "server")),
	                    "never_connected");
	assert_int_equal(num(j, "last_contact_ms"), 0);
	json_decref(j);

	link_fail(&l, 1000, "Connection refused");
	assert_string_equal(link_state(&l), "never_connected");
	link_ok(&l, 2000);
	assert_string_equal(link_state(&l), "connected");
	link_fail(&l, 3000, "Connection refused");
	link_fail(&l, 4000, "timed out \"x\"\n");
	j = as_json(&l);
	assert_string_equal(json_string_value(json_object_get(j, "server")),
	                    "unreachable");
	assert_int_equal(num(j, "unreachable_since_ms"), 3000); /* the first failure */
	assert_int_equal(num(j, "last_contact_ms"), 2000);
	assert_int_equal(num(j, "last_error_ms"), 4000);
	assert_string_equal(json_string_value(json_object_get(j, "last_error")),
	                    "timed out \"x\"\n");
	json_decref(j);

	link_refused(&l, 5000, "HTTP 401: bad key");
	j = as_json(&l);
	assert_string_equal(json_string_value(json_object_get(j, "server")), "connected");
	assert_int_equal(num(j, "unreachable_since_ms"), 0);
	assert_int_equal(num(j, "last_contact_ms"), 5000);
	assert_string_equal(json_string_value(json_object_get(j, "last_error")),
	                    "HTTP 401: bad key");
	json_decref(j);
	link_destroy(&l);
}

/* Never_connected stays until the first answer even after failures: the
 * status says which (unreachable needs a contact to lose). */
static void never_then_down(void **state)
{
	(void)state;
	struct link l;
	link_init(&l);
	link_fail(&l, 10, "x");
	json_t *j = as_json(&l);
	assert_string_equal(json_string_value(json_object_get(j, "last_error")), "x");
	json_decref(j);
	link_destroy(&l);
}

static void real_call_to_a_closed_port(void **state)
{
	(void)state;
	struct link l;
	link_init(&l);
	client_global_init();
	struct client c = {
	    .server_url = "http://127.0.0.1:1", .api_key = "k", .link = &l};
	snprintf(c.daemon_id, sizeof c.daemon_id, "d");
	json_t *answer = NULL;
	assert_int_equal(client_heartbeat(&c, &answer), -1);
	json_t *j = as_json(&l);
	assert_string_equal(json_string_value(json_object_get(j, "server")),
	                    "never_connected");
	assert_true(num(j, "last_error_ms") > 0);
	assert_non_null(
	    strstr(json_string_value(json_object_get(j, "last_error")), "onnect"));
	json_decref(j);
	client_global_cleanup();
	link_destroy(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(states),
	    cmocka_unit_test(never_then_down),
	    cmocka_unit_test(real_call_to_a_closed_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
