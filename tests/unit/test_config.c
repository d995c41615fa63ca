/* Layered configuration: each layer overrides the one before, and bad values
 * are reported with the layer and the option they came from. */
#include "sc_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct cfg {
	char *url;
	long port;
	bool verbose;
};

static struct cfg c;
static struct sc_option opts[] = {
    {"nats_url", SC_OPT_STR, "nats://default", "url", &c.url, 0, 0},
    {"http_port", SC_OPT_INT, "100", "port", &c.port, 1, 65535},
    {"verbose", SC_OPT_BOOL, "false", "chatty", &c.verbose, 0, 0},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static char file_path[64];

static int setup(void **state)
{
	(void)state;
	unsetenv("SCANOPY_NATS_URL");
	unsetenv("SCANOPY_HTTP_PORT");
	unsetenv("SCANOPY_VERBOSE");
	unsetenv("SCANOPY_CONFIG");
	snprintf(file_path, sizeof file_path, "/tmp/sc-config-test.%d.json", getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sc_config_free(opts, NOPTS);
	unlink(file_path);
	return 0;
}

static void write_file(const char *text)
{
	FILE *f = fopen(file_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int load(int argc, char **argv, char *err, int *npos)
{
	const char *files[] = {file_path, NULL};
	return sc_config_load(opts, NOPTS, files, argc, argv, npos, err, 256);
}

static void defaults_apply(void **state)
{
	(void)state;
	char err[256], *argv[] = {"prog", NULL};
	int npos;
	assert_int_equal(load(1, argv, err, &npos), 0);
	assert_string_equal(c.url, "nats://default");
	assert_int_equal(c.port, 100);
	assert_false(c.verbose);
	assert_int_equal(npos, 0);
}

static void each_layer_overrides_the_last(void **state)
{
	(void)state;
	char err[256];
	int npos;
	write_file(
	    "{\"nats_url\": \"nats://file\", \"http_port\": 200, \"verbose\": true}");
	char *argv1[] = {"prog", NULL};
	assert_int_equal(load(1, argv1, err, &npos), 0);
	assert_string_equal(c.url, "nats://file");
	assert_int_equal(c.port, 200);
	assert_true(c.verbose);

	setenv("SCANOPY_NATS_URL", "nats://env", 1);
	setenv("SCANOPY_HTTP_PORT", "300", 1);
	assert_int_equal(load(1, argv1, err, &npos), 0);
	assert_string_equal(c.url, "nats://env");
	assert_int_equal(c.port, 300);

	char *argv2[] = {"prog",   "--nats-url",      "nats://flag", "--http-port=400",
	                 "status", "--verbose=false", NULL};
	assert_int_equal(load(6, argv2, err, &npos), 0);
	assert_string_equal(c.url, "nats://flag");
	assert_int_equal(c.port, 400);
	assert_false(c.verbose);
	assert_int_equal(npos, 1);
	assert_string_equal(argv2[1], "status");
}

static void bad_values_name_their_source(void **state)
{
	(void)state;
	char err[256];
	int npos;
	char *argv[] = {"prog", "--http-port", "eighty", NULL};
	assert_int_equal(load(3, argv, err, &npos), -1);
	assert_non_null(strstr(err, "--http-port"));
	assert_non_null(strstr(err, "eighty"));

	char *argv2[] = {"prog", NULL};
	setenv("SCANOPY_HTTP_PORT", "70000", 1);
	assert_int_equal(load(1, argv2, err, &npos), -1);
	assert_non_null(strstr(err, "SCANOPY_HTTP_PORT"));
	assert_non_null(strstr(err, "outside"));
	unsetenv("SCANOPY_HTTP_PORT");

	setenv("SCANOPY_VERBOSE", "maybe", 1);
	assert_int_equal(load(1, argv2, err, &npos), -1);
	assert_non_null(strstr(err, "true or false"));
}

static void unknown_settings_are_errors(void **state)
{
	(void)state;
	char err[256];
	int npos;
	char *argv[] = {"prog", "--nats-ur", "x", NULL};
	assert_int_equal(load(3, argv, err, &npos), -1);
	assert_non_null(strstr(err, "unknown option --nats-ur"));

	write_file("{\"nats_ulr\": \"typo\"}");
	char *argv2[] = {"prog", NULL};
	assert_int_equal(load(1, argv2, err, &npos), -1);
	assert_non_null(strstr(err, "unknown setting 'nats_ulr'"));

	write_file("{\"nats_url\": ");
	assert_int_equal(load(1, argv2, err, &npos), -1);
	assert_non_null(strstr(err, file_path));

	write_file("{}");
	char *argv3[] = {"prog", "--http-port", NULL};
	assert_int_equal(load(2, argv3, err, &npos), -1);
	assert_non_null(strstr(err, "needs a value"));
}

static void explicit_config_file_must_exist(void **state)
{
	(void)state;
	char err[256];
	int npos;
	char *argv[] = {"prog", "--config", "/nonexistent/scanopy.json", NULL};
	assert_int_equal(load(3, argv, err, &npos), -1);
	assert_non_null(strstr(err, "/nonexistent/scanopy.json"));

	write_file("{\"http_port\": 555}");
	char *argv2[] = {"prog", NULL};
	setenv("SCANOPY_CONFIG", file_path, 1);
	assert_int_equal(load(1, argv2, err, &npos), 0);
	assert_int_equal(c.port, 555);
	unsetenv("SCANOPY_CONFIG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(defaults_apply, setup, teardown),
	    cmocka_unit_test_setup_teardown(each_layer_overrides_the_last, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(bad_values_name_their_source, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(unknown_settings_are_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(explicit_config_file_must_exist, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
