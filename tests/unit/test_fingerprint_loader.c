/* Definition files: a bad one is refused with its file, line and reason, the
 * whole set or nothing loads, a reload keeps the last good set, a user's
 * directory overrides built-in ids, and the version follows the content. */
#include "fp.h"
#include "reload.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static const char cats[] = "format: 1\ncategories: [Database, Unknown]\nprobes:\n"
                           "  - {id: ping, protocol: tcp, payload: \"PING\\r\\n\"}\n";

static const char good[] = "definitions:\n"
                           "  - id: thing\n"
                           "    name: Thing\n"
                           "    category: Database\n"
                           "    ports: [7000]\n"
                           "    match:\n"
                           "      banner: '^THING (?<version>[\\d.]+)'\n"
                           "      probe: ping\n";

/* Loads cats + one file; returns the errors (caller frees) or NULL. */
static char *load_one(const char *text, struct fp_set **out)
{
	const char *names[] = {"cats.yaml", "under-test.yaml"};
	const char *texts[] = {cats, text};
	size_t lens[] = {strlen(cats), strlen(text)};
	struct fp_set *s = NULL;
	char *errors = NULL;
	int rc = fp_set_load_buffers(names, texts, lens, 2, NULL, &s, &errors);
	if (out)
		*out = s;
	else if (s)
		fp_set_unref(s);
	assert_true((rc == 0) == (errors == NULL));
	return errors;
}

static void expect_error(const char *text, const char *where, const char *reason)
{
	char *e = load_one(text, NULL);
	if (!e)
		fail_msg("loaded, expected an error at %s: %s", where, reason);
	if (!strstr(e, where) || !strstr(e, reason))
		fail_msg("expected '%s' ... '%s' in:\n%s", where, reason, e);
	free(e);
}

static void a_good_file_loads(void **state)
{
	(void)state;
	struct fp_set *s;
	assert_null(load_one(good, &s));
	assert_int_equal(fp_set_size(s), 1);
	assert_memory_equal(fp_set_version(s), "sha256:", 7);
	fp_set_unref(s);
}

static void bad_files_name_file_line_and_reason(void **state)
{
	(void)state;
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    colour: blue\n    match: {port: 1}\n",
	             "under-test.yaml:5:", "unknown key 'colour'");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match:\n      banner: '^(unclosed'\n",
	             "under-test.yaml:6:", "bad pattern at offset");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match: {port: 70000}\n",
	             "under-test.yaml:5:", "not a port");
	expect_error(
	    "definitions:\n  - name: X\n    category: Database\n    match: {port: 1}\n",
	    "under-test.yaml:2:", "has no id");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Nope\n"
	             "    match: {port: 1}\n",
	             "under-test.yaml:2:", "unknown category 'Nope'");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match: {banner: 'x', probe: nope}\n",
	             "under-test.yaml:5:", "no probe named 'nope'");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match: {banner: 'x', port: 1}\n",
	             "under-test.yaml:5:", "need an all or any");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    scope: host\n    match: {port: 1}\n",
	             "under-test.yaml:6:", "host-scope definition has no port");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match: {mac_vendor: 'Acme'}\n",
	             "under-test.yaml:5:", "needs evidence at its port");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match: {http: {path: /api, status: 200}}\n",
	             "under-test.yaml:5:", "needs ports");
	expect_error(
	    "definitions:\n  - id: x\n    name: X\n    category: Database\n"
	    "    match: {port: 1}\n  - id: x\n    name: Y\n    category: Database\n"
	    "    match: {port: 2}\n",
	    "under-test.yaml:6:", "duplicate definition id 'x'");
	expect_error(
	    "definitions:\n  - id: x\n    name: X\n    category: Database\n"
	    "    match: {port: 1, confidence: 101}\n",
	    "under-test.yaml:5:", "confidence must be a whole number from 1 to 100");
	expect_error("definitions: [\n  {id: x,\n", "under-test.yaml:", "YAML syntax");
	expect_error("a: &x [1, 2]\nb: *x\n", "under-test.yaml",
	             "aliases are not supported");
	expect_error("format: 2\n", "under-test.yaml:1:", "newer than this service");
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match: {port: 1}\n    fixture: {banner: {data: x}}\n",
	             "under-test.yaml:6:", "needs a port");
	expect_error("definitions:\n  - id: Bad Id\n    name: X\n    category: Database\n"
	             "    match: {port: 1}\n",
	             "under-test.yaml:2:", "must be 1-64 of a-z");
}

/* Hostile files: deep nesting, alias bombs, NUL bytes, binary junk. */
static void hostile_files_are_refused_not_crashed_on(void **state)
{
	(void)state;
	char deep[4096];
	size_t w = (size_t)snprintf(deep, sizeof deep, "definitions: ");
	for (int i = 0; i < 500; i++)
		deep[w++] = '[';
	deep[w] = '\0';
	char *e = load_one(deep, NULL);
	assert_non_null(e);
	free(e);
	const char bomb[] =
	    "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c]\n";
	e = load_one(bomb, NULL);
	assert_non_null(strstr(e, "aliases are not supported"));
	free(e);
	e = load_one("definitions:\n  - id: \"a\\0b\"\n", NULL);
	assert_non_null(strstr(e, "NUL"));
	free(e);
	e = load_one("\x01\x02garbage: [\x7f", NULL);
	assert_non_null(e);
	free(e);
	/* An empty key beside a rule's kind (found by fuzz_definitions: the
	 * modifier lookup never ended). */
	expect_error("definitions:\n  - id: x\n    name: X\n    category: Database\n"
	             "    match: {banner: 'x', \"\": 1}\n",
	             "under-test.yaml:5:", "'' does not apply to a banner rule");
}

static char dir[64], userdir[96];

static void write_file(const char *d, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", d, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void a_reload_keeps_the_last_good_set(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/fp-reload-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(userdir, sizeof userdir, "%s/user", dir);
	assert_int_equal(mkdir(userdir, 0700), 0);
	write_file(dir, "00-cats.yaml", cats);
	write_file(dir, "thing.yaml", good);
	const char *dirs[] = {dir, userdir};
	struct fp_load_opts o = {dirs, 2, NULL};
	struct fp_set *s;
	assert_int_equal(fp_set_load(&o, &s, NULL), 0);
	struct fp_holder h;
	fp_holder_init(&h, s);
	char v1[40];
	snprintf(v1, sizeof v1, "%s", fp_set_version(s));

	/* Same content: same version. */
	char *reply = NULL;
	assert_int_equal(fp_reload_now(&h, &o, &reply), 0);
	assert_non_null(strstr(reply, v1));
	free(reply);

	/* A broken user file: refused, the set in use stays. */
	write_file(userdir, "mine.yaml",
	           "definitions:\n  - id: mine\n    name: Mine\n"
	           "    category: Database\n    match: {port: nope}\n");
	assert_int_equal(fp_reload_now(&h, &o, &reply), -1);
	assert_non_null(strstr(reply, "\"ok\":false"));
	assert_non_null(strstr(reply, "mine.yaml:5:"));
	free(reply);
	struct fp_set *cur = fp_holder_get(&h);
	assert_string_equal(fp_set_version(cur), v1);
	fp_set_unref(cur);

	/* Fixed, and overriding the built-in "thing": a new version, the
	 * user's rule in force. */
	write_file(userdir, "mine.yaml",
	           "definitions:\n  - id: thing\n    name: My thing\n"
	           "    category: Database\n    match: {port: 7001}\n");
	assert_int_equal(fp_reload_now(&h, &o, NULL), 0);
	cur = fp_holder_get(&h);
	assert_string_not_equal(fp_set_version(cur), v1);
	assert_int_equal(fp_set_size(cur), 1);
	fp_set_unref(cur);
	fp_holder_destroy(&h);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_good_file_loads),
	    cmocka_unit_test(bad_files_name_file_line_and_reason),
	    cmocka_unit_test(hostile_files_are_refused_not_crashed_on),
	    cmocka_unit_test(a_reload_keeps_the_last_good_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
