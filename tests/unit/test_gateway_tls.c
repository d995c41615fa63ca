/* The gateway's HTTPS settings (svc-gateway/tls.c): neither file is plain
 * HTTP, both load, one without the other, a missing file or one without a
 * PEM block is refused, and a key file others can read still loads. */
#include "sc_log.h"
#include "tls.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/gwtls.XXXXXX", cert[64], key[64], junk[64];

static void put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(junk, sizeof junk, "%s/junk", dir);
	put(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 0644);
	put(key, "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", 0600);
	put(junk, "not a certificate\n", 0644);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(cert);
	unlink(key);
	unlink(junk);
	rmdir(dir);
	return 0;
}

static void test_neither_is_plain_http(void **state)
{
	(void)state;
	struct gateway_tls t;
	assert_int_equal(gateway_tls_load(NULL, NULL, &t), 0);
	assert_false(gateway_tls_on(&t));
	assert_int_equal(gateway_tls_load("", "", &t), 0);
	assert_false(gateway_tls_on(&t));
}

static void test_both_load(void **state)
{
	(void)state;
	struct gateway_tls t;
	assert_int_equal(gateway_tls_load(cert, key, &t), 0);
	assert_true(gateway_tls_on(&t));
	assert_non_null(strstr(t.cert_pem, "BEGIN CERTIFICATE"));
	assert_non_null(strstr(t.key_pem, "BEGIN PRIVATE KEY"));
	gateway_tls_free(&t);
	assert_false(gateway_tls_on(&t));
	assert_null(t.key_pem);
}

static void test_refusals(void **state)
{
	(void)state;
	struct gateway_tls t;
	assert_int_equal(gateway_tls_load(cert, NULL, &t), -1);
	assert_int_equal(gateway_tls_load(NULL, key, &t), -1);
	assert_int_equal(gateway_tls_load(cert, "/nonexistent/key.pem", &t), -1);
	assert_int_equal(gateway_tls_load(junk, key, &t), -1);
	assert_int_equal(gateway_tls_load(cert, junk, &t), -1);
	assert_false(gateway_tls_on(&t));
	assert_null(t.key_pem);
}

static void test_readable_key_loads_with_a_warning(void **state)
{
	(void)state;
	chmod(key, 0644);
	struct gateway_tls t;
	assert_int_equal(gateway_tls_load(cert, key, &t), 0);
	gateway_tls_free(&t);
	chmod(key, 0600);
}

int main(void)
{
	sc_log_init("test_gateway_tls");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_neither_is_plain_http),
	    cmocka_unit_test(test_both_load),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_readable_key_loads_with_a_warning),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
