#define _GNU_SOURCE /* memmem */
/* The gateway's secrets at rest (svc-gateway/secretbox.c): round trip,
 * tampering, another key or another network refused, and the key file made
 * with mode 600 and refused when others can read it. */
#include "secretbox.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static void test_roundtrip(void **state)
{
	(void)state;
	char dir[] = "/tmp/secretbox.XXXXXX", path[64], why[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/key", dir);
	uint8_t k1[32], k2[32], sealed[128], plain[128];
	size_t sl, pl;
	assert_int_equal(secretbox_load_key(path, k1, why, sizeof why), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(secretbox_load_key(path, k2, why, sizeof why), 0);
	assert_memory_equal(k1, k2, 32);

	const char *msg = "{\"community\":\"s3cret\"}";
	assert_int_equal(
	    secretbox_seal(k1, "net-a", (const uint8_t *)msg, strlen(msg), sealed, &sl),
	    0);
	assert_int_equal(sl, strlen(msg) + SECRETBOX_OVERHEAD);
	assert_null(memmem(sealed, sl, "s3cret", 6));
	assert_int_equal(secretbox_open(k1, "net-a", sealed, sl, plain, &pl), 0);
	assert_int_equal(pl, strlen(msg));
	assert_memory_equal(plain, msg, pl);
	assert_int_equal(secretbox_open(k1, "net-b", sealed, sl, plain, &pl), -1);
	sealed[20] ^= 1;
	assert_int_equal(secretbox_open(k1, "net-a", sealed, sl, plain, &pl), -1);
	sealed[20] ^= 1;
	k2[0] ^= 1;
	assert_int_equal(secretbox_open(k2, "net-a", sealed, sl, plain, &pl), -1);
	assert_int_equal(secretbox_open(k1, "net-a", sealed, 10, plain, &pl), -1);

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(secretbox_load_key(path, k2, why, sizeof why), -1);
	assert_non_null(strstr(why, "chmod 600"));
	/* A Kubernetes Secret volume: group-readable for the pod's fsGroup. */
	assert_int_equal(chmod(path, 0440), 0);
	assert_int_equal(secretbox_load_key(path, k2, why, sizeof why), 0);
	unlink(path);

	/* 64 hex digits and a newline hold the same key as the 32 bytes. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < SECRETBOX_KEY; i++)
		fprintf(f, "%02x", k1[i]);
	fputc('\n', f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	uint8_t k3[SECRETBOX_KEY];
	assert_int_equal(secretbox_load_key(path, k3, why, sizeof why), 0);
	assert_memory_equal(k3, k1, SECRETBOX_KEY);
	f = fopen(path, "w");
	fputs("not a key at all, nor 64 hex digits of one\n", f);
	fclose(f);
	assert_int_equal(secretbox_load_key(path, k3, why, sizeof why), -1);
	assert_non_null(strstr(why, "hex digits"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_roundtrip)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
