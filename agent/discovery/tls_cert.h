/* The identity fields of a TLS server's leaf certificate: subject, issuer,
 * SANs, validity, serial, SHA-256 fingerprint, self-signed. */
#ifndef DISC_TLS_CERT_H
#define DISC_TLS_CERT_H

#include <openssl/x509.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_MAX_SANS 32

struct tls_cert {
	char subject[512], issuer[512]; /* RFC 2253 */
	char cn[256];                   /* subject commonName */
	char sans[TLS_MAX_SANS][256];   /* "DNS:x", "IP:1.2.3.4", "email:..", "URI:.." */
	size_t nsans;
	int64_t not_before_ms, not_after_ms;
	char serial[128]; /* hex */
	char sha256[65];  /* of the DER, lower-case hex */
	bool self_signed;
};

/* Fills out from x; -1 when x cannot be encoded. */
int tls_cert_fields(X509 *x, struct tls_cert *out);
/* Convenience for tests and fuzzing: parses DER first. */
int tls_cert_from_der(const uint8_t *der, size_t len, struct tls_cert *out);

#endif
