#include "tls_cert.h"

#include "text.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static void name_text(X509_NAME *n, char *out, size_t cap)
{
	out[0] = '\0';
	if (!n)
		return;
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	/* RFC 2253 with UTF-8 kept as UTF-8 (not escaped), as the contract says. */
	unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	if (X509_NAME_print_ex(b, n, 0, flags) >= 0) {
		char *data;
		long len = BIO_get_mem_data(b, &data);
		if (len > 0)
			text_clean((const uint8_t *)data, (size_t)len, out, cap, 0);
	}
	BIO_free(b);
}

static int64_t asn1_time_ms(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm) * 1000;
}

static void add_san(struct tls_cert *c, const char *kind, const uint8_t *v, size_t n)
{
	if (c->nsans >= TLS_MAX_SANS)
		return;
	char clean[240];
	text_clean(v, n, clean, sizeof clean, 0);
	snprintf(c->sans[c->nsans++], sizeof c->sans[0], "%s:%s", kind, clean);
}

static void sans(X509 *x, struct tls_cert *c)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (!gens)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		switch (g->type) {
		case GEN_DNS:
			s = g->d.dNSName;
			add_san(c, "DNS", ASN1_STRING_get0_data(s),
			        (size_t)ASN1_STRING_length(s));
			break;
		case GEN_EMAIL:
			s = g->d.rfc822Name;
			add_san(c, "email", ASN1_STRING_get0_data(s),
			        (size_t)ASN1_STRING_length(s));
			break;
		case GEN_URI:
			s = g->d.uniformResourceIdentifier;
			add_san(c, "URI", ASN1_STRING_get0_data(s),
			        (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD: {
			s = g->d.iPAddress;
			const unsigned char *a = ASN1_STRING_get0_data(s);
			int len = ASN1_STRING_length(s);
			char text[64];
			if (len == 4)
				snprintf(text, sizeof text, "%u.%u.%u.%u", a[0], a[1],
				         a[2], a[3]);
			else if (len == 16)
				snprintf(text, sizeof text, "%x:%x:%x:%x:%x:%x:%x:%x",
				         a[0] << 8 | a[1], a[2] << 8 | a[3],
				         a[4] << 8 | a[5], a[6] << 8 | a[7],
				         a[8] << 8 | a[9], a[10] << 8 | a[11],
				         a[12] << 8 | a[13], a[14] << 8 | a[15]);
			else
				break;
			add_san(c, "IP", (const uint8_t *)text, strlen(text));
			break;
		}
		default:
			break;
		}
	}
	GENERAL_NAMES_free(gens);
}

int tls_cert_fields(X509 *x, struct tls_cert *c)
{
	memset(c, 0, sizeof *c);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!X509_digest(x, EVP_sha256(), md, &mdlen))
		return -1;
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(c->sha256 + 2 * i, 3, "%02x", md[i]);
	name_text(X509_get_subject_name(x), c->subject, sizeof c->subject);
	name_text(X509_get_issuer_name(x), c->issuer, sizeof c->issuer);
	X509_NAME *sn = X509_get_subject_name(x);
	int idx = sn ? X509_NAME_get_index_by_NID(sn, NID_commonName, -1) : -1;
	if (idx >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(sn, idx));
		unsigned char *utf8 = NULL;
		int n = d ? ASN1_STRING_to_UTF8(&utf8, d) : -1;
		if (n > 0)
			text_clean(utf8, (size_t)n, c->cn, sizeof c->cn, 0);
		OPENSSL_free(utf8);
	}
	sans(x, c);
	c->not_before_ms = asn1_time_ms(X509_get0_notBefore(x));
	c->not_after_ms = asn1_time_ms(X509_get0_notAfter(x));
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	if (bn) {
		char *hex = BN_bn2hex(bn);
		if (hex) {
			snprintf(c->serial, sizeof c->serial, "%s", hex);
			OPENSSL_free(hex);
		}
		BN_free(bn);
	}
	/* Self-signed: issued by itself and its own key verifies the signature. */
	EVP_PKEY *pk = X509_get0_pubkey(x);
	c->self_signed =
	    X509_check_issued(x, x) == X509_V_OK && pk && X509_verify(x, pk) == 1;
	ERR_clear_error(); /* a failed check leaves reasons we do not want */
	return 0;
}

int tls_cert_from_der(const uint8_t *der, size_t len, struct tls_cert *out)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x)
		return -1;
	int rc = tls_cert_fields(x, out);
	X509_free(x);
	return rc;
}
