#include "sc_tls_pem.h"

#include "sc_log.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
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

int sc_tls_pem_load(const char *opt, const char *cert_path, const char *key_path,
                    struct sc_tls_pem *t)
{
	char cert_opt[64], key_opt[64];
	t->cert_pem = t->key_pem = NULL;
	if (!given(cert_path) && !given(key_path))
		return 0;
	snprintf(cert_opt, sizeof cert_opt, "%s_cert", opt);
	snprintf(key_opt, sizeof key_opt, "%s_key", opt);
	if (given(cert_path) != given(key_path)) {
		sc_error("HTTPS needs both %s and %s", cert_opt, key_opt);
		return -1;
	}
	struct stat sb;
	if (stat(key_path, &sb) == 0 && (sb.st_mode & S_IROTH))
		sc_warn("%s %s is readable by every user; chmod 600 it", key_opt,
		        key_path);
	t->cert_pem = read_pem(cert_opt, cert_path);
	t->key_pem = t->cert_pem ? read_pem(key_opt, key_path) : NULL;
	if (!t->key_pem) {
		sc_tls_pem_free(t);
		return -1;
	}
	return 0;
}

int sc_tls_pem_pin(const char *cert_pem, char out[SC_TLS_PIN_LEN + 1])
{
	BIO *in = BIO_new_mem_buf(cert_pem, -1);
	X509 *x = in ? PEM_read_bio_X509(in, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, sum[SHA256_DIGEST_LENGTH];
	int len = x ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : -1;
	int rc = -1;
	if (len > 0) {
		SHA256(der, (size_t)len, sum);
		memcpy(out, "sha256//", 8);
		EVP_EncodeBlock((unsigned char *)out + 8, sum, sizeof sum);
		rc = 0;
	}
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(in);
	return rc;
}

void sc_tls_pem_free(struct sc_tls_pem *t)
{
	if (t->key_pem) /* a private key: leave no copy in freed memory */
		explicit_bzero(t->key_pem, strlen(t->key_pem));
	free(t->cert_pem);
	free(t->key_pem);
	t->cert_pem = t->key_pem = NULL;
}
