#include "tls.h"

#include "sc_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PEM_MAX (1 << 20)

/* The whole file as a NUL-terminated string, or NULL (logged). */
static char *read_pem(const char *what, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sc_error("%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > PEM_MAX) {
		sc_error("%s %s: %s", what, path,
		         buf ? "larger than 1 MiB" : "out of memory");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (!strstr(buf, "-----BEGIN ")) {
		sc_error("%s %s: no PEM block in it", what, path);
		free(buf);
		return NULL;
	}
	return buf;
}

static bool given(const char *s)
{
	return s && *s;
}

int gateway_tls_load(const char *cert_path, const char *key_path, struct gateway_tls *t)
{
	t->cert_pem = t->key_pem = NULL;
	if (!given(cert_path) && !given(key_path))
		return 0;
	if (given(cert_path) != given(key_path)) {
		sc_error("HTTPS needs both tls_cert and tls_key");
		return -1;
	}
	struct stat sb;
	if (stat(key_path, &sb) == 0 && (sb.st_mode & S_IROTH))
		sc_warn("tls_key %s is readable by every user; chmod 600 it", key_path);
	t->cert_pem = read_pem("tls_cert", cert_path);
	t->key_pem = t->cert_pem ? read_pem("tls_key", key_path) : NULL;
	if (!t->key_pem) {
		gateway_tls_free(t);
		return -1;
	}
	return 0;
}

void gateway_tls_free(struct gateway_tls *t)
{
	if (t->key_pem) /* a private key: leave no copy in freed memory */
		explicit_bzero(t->key_pem, strlen(t->key_pem));
	free(t->cert_pem);
	free(t->key_pem);
	t->cert_pem = t->key_pem = NULL;
}
