/* HTTPS for the gateway: the certificate chain and key (PEM files named by
 * the tls_cert and tls_key options), held in memory for libmicrohttpd (whose
 * TLS is GnuTLS) while the server runs. */
#ifndef GATEWAY_TLS_H
#define GATEWAY_TLS_H

#include <stdbool.h>

struct gateway_tls {
	char *cert_pem, *key_pem; /* NULL: plain HTTP */
};

/* Reads both files when both are set; neither set is plain HTTP (0 with
 * nothing loaded). One without the other, or a file that cannot be read or
 * holds no PEM block, is an error (logged, -1). */
int gateway_tls_load(const char *cert_path, const char *key_path, struct gateway_tls *t);
void gateway_tls_free(struct gateway_tls *t);

static inline bool gateway_tls_on(const struct gateway_tls *t)
{
	return t->cert_pem != 0;
}

#endif
