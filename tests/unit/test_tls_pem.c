/* HTTPS settings (common/sc_tls_pem.c), as the gateway and the daemon's
 * server_poll listener load them: neither file is plain HTTP, both load, one
 * without the other, a missing file or one without a PEM block is refused, a
 * key file others can read still loads; and a certificate's public key pin
 * is the one curl and `openssl` compute. */
#include "sc_log.h"
#include "sc_tls_pem.h"

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
	struct sc_tls_pem t;
	assert_int_equal(sc_tls_pem_load("tls", NULL, NULL, &t), 0);
	assert_false(sc_tls_pem_on(&t));
	assert_int_equal(sc_tls_pem_load("tls", "", "", &t), 0);
	assert_false(sc_tls_pem_on(&t));
}

static void test_both_load(void **state)
{
	(void)state;
	struct sc_tls_pem t;
	assert_int_equal(sc_tls_pem_load("tls", cert, key, &t), 0);
	assert_true(sc_tls_pem_on(&t));
	assert_non_null(strstr(t.cert_pem, "BEGIN CERTIFICATE"));
	assert_non_null(strstr(t.key_pem, "BEGIN PRIVATE KEY"));
	sc_tls_pem_free(&t);
	assert_false(sc_tls_pem_on(&t));
	assert_null(t.key_pem);
}

static void test_refusals(void **state)
{
	(void)state;
	struct sc_tls_pem t;
	assert_int_equal(sc_tls_pem_load("tls", cert, NULL, &t), -1);
	assert_int_equal(sc_tls_pem_load("tls", NULL, key, &t), -1);
	assert_int_equal(sc_tls_pem_load("tls", cert, "/nonexistent/key.pem", &t), -1);
	assert_int_equal(sc_tls_pem_load("tls", junk, key, &t), -1);
	assert_int_equal(sc_tls_pem_load("tls", cert, junk, &t), -1);
	assert_false(sc_tls_pem_on(&t));
	assert_null(t.key_pem);
}

static void test_readable_key_loads_with_a_warning(void **state)
{
	(void)state;
	chmod(key, 0644);
	struct sc_tls_pem t;
	assert_int_equal(sc_tls_pem_load("tls", cert, key, &t), 0);
	sc_tls_pem_free(&t);
	chmod(key, 0600);
}

/* A P-256 certificate and its pin, as computed by
 *   openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
 *   openssl dgst -sha256 -binary | base64 */
static const char vector_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBgTCCASegAwIBAgIUI9dKQwPG12cjeECvcSf/OTGaPd8wCgYIKoZIzj0EAwIw\n"
    "FTETMBEGA1UEAwwKcGluLXZlY3RvcjAgFw0yNjEyMDYwMjEyNTdaGA8yMTI2MTEx\n"
    "MjAyMTI1N1owFTETMBEGA1UEAwwKcGluLXZlY3RvcjBZMBMGByqGSM49AgEGCCqG\n"
    "SM49AwEHA0IABGzwHYhVwF0vvMjb1uSS80ljKXEyWQEQDJqYOZCpBnRPzvsO7ljX\n"
    "6R24JSAhQ55wlibuTM8B7yk5sqQmwu+cQd+jUzBRMB0GA1UdDgQWBBROAagC/ByR\n"
    "3w9Q7o5dJwj1Nb6qhTAfBgNVHSMEGDAWgBROAagC/ByR3w9Q7o5dJwj1Nb6qhTAP\n"
    "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCICncFPpKyvV571WSOvr9\n"
    "FGUsCSl2efzLv6g62bditTWJAiEAhOe1lvCrs4DO5RuDOVheY/uyMfsLVYDPD3tl\n"
    "9sph0so=\n"
    "-----END CERTIFICATE-----\n";

static void test_pin(void **state)
{
	(void)state;
	char pin[SC_TLS_PIN_LEN + 1];
	assert_int_equal(sc_tls_pem_pin(vector_cert, pin), 0);
	assert_string_equal(pin, "sha256//ff/rym0b+Z2sUzAvqEraLemaAhPWtOUwM00KtjyCejQ=");
	assert_int_equal(strlen(pin), SC_TLS_PIN_LEN);
	/* a PEM block that is no certificate has no pin */
	assert_int_equal(
	    sc_tls_pem_pin(
	        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", pin),
	    -1);
	assert_int_equal(sc_tls_pem_pin("", pin), -1);
}

int main(void)
{
	sc_log_init("test_tls_pem");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_neither_is_plain_http),
	    cmocka_unit_test(test_both_load),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_readable_key_loads_with_a_warning),
	    cmocka_unit_test(test_pin),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
