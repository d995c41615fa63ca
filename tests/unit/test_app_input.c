/* The application write bodies (svc-gateway/app_input.c): what each accepts,
 * what it refuses and which field the refusal names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app_input.h"

#include <string.h>

#define A "0b5e2d4c-1f3a-4c6e-9a8b-7d6c5b4a3f21"
#define B "1c6f3e5d-2a4b-4d7f-8b9c-8e7d6c5b4a32"
#define C "2d7a4f6e-3b5c-4e8a-9cad-9f8e7d6c5b43"

static json_t *obj(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	assert_non_null(j);
	return j;
}

/* call (parsing text as in_ into e_) fails naming the field `want`. */
#define REFUSED(call, text, want)                                                        \
	do {                                                                             \
		json_t *in_ = obj(text);                                                 \
		struct input_error e_ = {0};                                             \
		assert_int_equal(call, -1);                                              \
		assert_non_null(e_.message);                                             \
		assert_string_equal(e_.field, want);                                     \
		json_decref(in_);                                                        \
	} while (0)

static void fields_create(void **state)
{
	(void)state;
	struct app_fields f;
	struct input_error e;
	json_t *in = obj("{\"network_id\":\"" A
	                 "\",\"name\":\"Billing\",\"tags\":[\"prod\",\"a\\\"b\"]}");
	assert_int_equal(app_fields_parse(in, true, &f, &e), 0);
	assert_string_equal(f.network_id, A);
	assert_string_equal(f.name, "Billing");
	assert_true(f.has_tags);
	assert_string_equal(f.tags, "{\"prod\",\"a\\\"b\"}");
	assert_false(f.has_description);
	json_decref(in);
	REFUSED(app_fields_parse(in_, true, &f, &e_), "{\"name\":\"x\"}", "network_id");
	REFUSED(app_fields_parse(in_, true, &f, &e_), "{\"network_id\":\"" A "\"}",
	        "name");
	REFUSED(app_fields_parse(in_, true, &f, &e_),
	        "{\"network_id\":\"" A "\",\"name\":\"   \"}", "name");
	REFUSED(app_fields_parse(in_, true, &f, &e_),
	        "{\"network_id\":\"" A "\",\"name\":null}", "name");
	REFUSED(app_fields_parse(in_, true, &f, &e_),
	        "{\"network_id\":\"" A "\",\"name\":\"x\",\"tags\":[\"\"]}", "tags");
	REFUSED(app_fields_parse(in_, true, &f, &e_),
	        "{\"network_id\":\"" A "\",\"name\":\"x\",\"owner\":\"me\"}", "owner");
	REFUSED(app_fields_parse(in_, true, &f, &e_),
	        "{\"network_id\":\"" A "\",\"name\":\"x\",\"description\":7}",
	        "description");
}

static void fields_edit(void **state)
{
	(void)state;
	struct app_fields f;
	struct input_error e;
	/* null clears a name (an inferred application's discovered one shows). */
	json_t *in = obj("{\"name\":null,\"description\":\"runs payroll\"}");
	assert_int_equal(app_fields_parse(in, false, &f, &e), 0);
	assert_true(f.has_name);
	assert_null(f.name);
	assert_true(f.has_description);
	assert_string_equal(f.description, "runs payroll");
	assert_false(f.has_tags);
	json_decref(in);
	in = obj("{}");
	assert_int_equal(app_fields_parse(in, false, &f, &e), 0);
	assert_false(f.has_name || f.has_description || f.has_tags);
	json_decref(in);
	/* An edit never moves an application to another network. */
	REFUSED(app_fields_parse(in_, false, &f, &e_), "{\"network_id\":\"" A "\"}",
	        "network_id");
	char big[300];
	memset(big, 'x', sizeof big);
	memcpy(big, "{\"name\":\"", 9);
	memcpy(big + sizeof big - 3, "\"}", 3);
	REFUSED(app_fields_parse(in_, false, &f, &e_), big, "name");
}

static void members(void **state)
{
	(void)state;
	struct app_member m;
	struct input_error e;
	json_t *in = obj("{\"workload_id\":\"" A "\",\"role\":\"db\"}");
	assert_int_equal(app_member_parse(in, &m, &e), 0);
	assert_string_equal(m.kind, "workload");
	assert_string_equal(m.workload_id, A);
	assert_null(m.host_id);
	assert_string_equal(m.role, "db");
	assert_string_equal(m.port, "");
	json_decref(in);
	in = obj("{\"host_id\":\"" B "\"}");
	assert_int_equal(app_member_parse(in, &m, &e), 0);
	assert_string_equal(m.kind, "host");
	assert_null(m.protocol);
	json_decref(in);
	in = obj("{\"host_id\":\"" B "\",\"protocol\":\"tcp\",\"port\":5432}");
	assert_int_equal(app_member_parse(in, &m, &e), 0);
	assert_string_equal(m.kind, "service");
	assert_string_equal(m.protocol, "tcp");
	assert_string_equal(m.port, "5432");
	json_decref(in);
	REFUSED(app_member_parse(in_, &m, &e_), "{}", "workload_id");
	REFUSED(app_member_parse(in_, &m, &e_),
	        "{\"workload_id\":\"" A "\",\"host_id\":\"" B "\"}", "host_id");
	REFUSED(app_member_parse(in_, &m, &e_), "{\"workload_id\":\"nope\"}",
	        "workload_id");
	REFUSED(app_member_parse(in_, &m, &e_), "{\"workload_id\":\"" A "\",\"port\":80}",
	        "port");
	REFUSED(app_member_parse(in_, &m, &e_), "{\"host_id\":\"" B "\",\"port\":80}",
	        "protocol");
	REFUSED(app_member_parse(in_, &m, &e_),
	        "{\"host_id\":\"" B "\",\"protocol\":\"sctp\",\"port\":80}", "protocol");
	REFUSED(app_member_parse(in_, &m, &e_),
	        "{\"host_id\":\"" B "\",\"protocol\":\"tcp\",\"port\":65536}", "port");
	REFUSED(app_member_parse(in_, &m, &e_),
	        "{\"host_id\":\"" B "\",\"protocol\":\"tcp\",\"port\":\"80\"}", "port");
	REFUSED(app_member_parse(in_, &m, &e_), "{\"host_id\":\"" B "\",\"role\":\"\"}",
	        "role");
	REFUSED(app_member_parse(in_, &m, &e_), "{\"host_id\":\"" B "\",\"x\":1}", "x");
}

static void dependencies(void **state)
{
	(void)state;
	struct app_dependency d;
	struct input_error e;
	json_t *in = obj("{\"target_application_id\":\"" B "\"}");
	assert_int_equal(app_dependency_parse(in, A, &d, &e), 0);
	assert_string_equal(d.target_app, B);
	assert_string_equal(d.kind, "depends");
	assert_null(d.source_member);
	assert_null(d.target_member);
	json_decref(in);
	/* Within one application: only between two different members. */
	in = obj("{\"target_application_id\":\"" A "\",\"source_member_id\":\"" B
	         "\",\"target_member_id\":\"" C "\",\"kind\":\"reads_from\"}");
	assert_int_equal(app_dependency_parse(in, A, &d, &e), 0);
	assert_string_equal(d.kind, "reads_from");
	json_decref(in);
	REFUSED(app_dependency_parse(in_, A, &d, &e_),
	        "{\"target_application_id\":\"" A "\"}", "target_application_id");
	REFUSED(app_dependency_parse(in_, A, &d, &e_),
	        "{\"target_application_id\":\"" A "\",\"source_member_id\":\"" B
	        "\",\"target_member_id\":\"" B "\"}",
	        "target_application_id");
	REFUSED(app_dependency_parse(in_, A, &d, &e_), "{}", "target_application_id");
	REFUSED(app_dependency_parse(in_, A, &d, &e_),
	        "{\"target_application_id\":\"" B "\",\"kind\":\"Depends On\"}", "kind");
	REFUSED(app_dependency_parse(in_, A, &d, &e_),
	        "{\"target_application_id\":\"" B "\",\"source_member_id\":\"x\"}",
	        "source_member_id");
	REFUSED(app_dependency_parse(in_, A, &d, &e_),
	        "{\"target_application_id\":\"" B "\",\"weight\":3}", "weight");
}

static void tags_literal(void **state)
{
	(void)state;
	char out[64];
	json_t *t = obj("[\"a\",\"b\\\\c\"]");
	assert_int_equal(tags_json_literal(t, out, sizeof out), 0);
	assert_string_equal(out, "{\"a\",\"b\\\\c\"}");
	json_decref(t);
	t = obj("[]");
	assert_int_equal(tags_json_literal(t, out, sizeof out), 0);
	assert_string_equal(out, "{}");
	json_decref(t);
	t = obj("[1]");
	assert_int_equal(tags_json_literal(t, out, sizeof out), -1);
	json_decref(t);
	/* Too long for out: refused, never cut. */
	t = obj("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]");
	assert_int_equal(tags_json_literal(t, out, sizeof out), -1);
	json_decref(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fields_create), cmocka_unit_test(fields_edit),
	    cmocka_unit_test(members),       cmocka_unit_test(dependencies),
	    cmocka_unit_test(tags_literal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
