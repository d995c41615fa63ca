/* A TLS server's certificate chain and key (PEM files named by options such
 * as tls_cert and tls_key), held in memory for libmicrohttpd (whose TLS is
 * GnuTLS) while the server runs. Serves the gateway's HTTPS and the daemon's
 * server_poll listener. */
#ifndef SC_TLS_PEM_H
#define SC_TLS_PEM_H

#include <stdbool.h>
#include <stddef.h>

struct sc_tls_pem {
	char *cert_pem, *key_pem; /* NULL: plain HTTP */
};

/* Reads both files when both are set; neither set is plain HTTP (0 with
 * nothing loaded). One without the other, or a file that cannot be read or
 * holds no PEM block, is an error (logged, -1). opt is the options' prefix
 * in messages: "tls" names tls_cert and tls_key. */
int sc_tls_pem_load(const char *opt, const char *cert_path, const char *key_path,
                    struct sc_tls_pem *t);
void sc_tls_pem_free(struct sc_tls_pem *t);

static inline bool sc_tls_pem_on(const struct sc_tls_pem *t)
{
	return t->cert_pem != 0;
}

/* The first certificate's public key pin, as curl's CURLOPT_PINNEDPUBLICKEY
 * takes it: "sha256//" and the base64 SHA-256 of its SubjectPublicKeyInfo.
 * 0, or -1 when the PEM holds no certificate OpenSSL can read. */
#define SC_TLS_PIN_LEN 52 /* "sha256//" + 44 base64 characters */
int sc_tls_pem_pin(const char *cert_pem, char out[SC_TLS_PIN_LEN + 1]);

#endif
