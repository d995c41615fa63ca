/* Discovery: classification of what TCP services say, the probe payloads we
 * send, port hints (printer ports), and TLS certificate fields. */
#include "banner.h"
#include "payloads.h"
#include "portinfo.h"
#include "scan.h"
#include "tls_cert.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define B(s) (const uint8_t *)(s), sizeof(s) - 1

static void greetings(void **state)
{
	(void)state;
	assert_int_equal(
	    banner_classify_greeting(B("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), 2222),
	    PROTO_SSH);
	assert_int_equal(banner_classify_greeting(B("220 mail ESMTP Postfix\r\n"), 25),
	                 PROTO_SMTP);
	assert_int_equal(banner_classify_greeting(B("220 (vsFTPd 3.0.3)\r\n"), 21),
	                 PROTO_FTP);
	assert_int_equal(banner_classify_greeting(B("220 ready\r\n"), 21), PROTO_FTP);
	assert_int_equal(banner_classify_greeting(B("220 ready\r\n"), 587), PROTO_SMTP);
	assert_int_equal(banner_classify_greeting(B("+OK Dovecot ready.\r\n"), 110),
	                 PROTO_POP3);
	assert_int_equal(
	    banner_classify_greeting(B("* OK [CAPABILITY IMAP4rev1] ready\r\n"), 143),
	    PROTO_IMAP);
	assert_int_equal(banner_classify_greeting(B("\xff\xfd\x18\xff\xfd\x20"), 23),
	                 PROTO_TELNET);
	assert_int_equal(banner_classify_greeting(B("RFB 003.008\n"), 5900), PROTO_VNC);
	assert_int_equal(
	    banner_classify_greeting(B("-DENIED Redis is running in protected mode"), 1),
	    PROTO_REDIS);
	/* MariaDB's "host not allowed" error packet, from the lab. */
	const uint8_t maria[] =
	    "\x45\x00\x00\x00\xff\x6a\x04Host '10.77.1.10' is not allowed to "
	    "connect to this MariaDB server";
	assert_int_equal(banner_classify_greeting(maria, sizeof maria - 1, 3306),
	                 PROTO_MYSQL);
	struct mysql_greeting mg;
	assert_int_equal(mysql_parse_greeting(maria, sizeof maria - 1, &mg), 0);
	assert_int_equal(mg.error_code, 1130);
	/* A protocol-10 handshake. */
	uint8_t hs[64] = {0};
	const char *ver = "10.11.6-MariaDB-0+deb12u1";
	size_t vl = strlen(ver);
	hs[4] = 10;
	memcpy(hs + 5, ver, vl + 1);
	hs[5 + vl + 1] = 7; /* thread id */
	hs[0] = (uint8_t)(1 + vl + 1 + 4 + 8);
	assert_int_equal(mysql_parse_greeting(hs, 4 + hs[0], &mg), 0);
	assert_string_equal(mg.version, ver);
	assert_int_equal(mg.thread_id, 7);
	assert_true(banner_greeting_complete(PROTO_MYSQL, hs, 4 + hs[0]));
	assert_false(banner_greeting_complete(PROTO_MYSQL, hs, 10));
	assert_int_equal(banner_classify_greeting(B("hello"), 1234), PROTO_UNKNOWN);
	assert_int_equal(banner_classify_greeting(NULL, 0, 1), PROTO_UNKNOWN);
	uint8_t junk[300];
	srand(3);
	for (int i = 0; i < 5000; i++) {
		for (size_t k = 0; k < sizeof junk; k++)
			junk[k] = (uint8_t)rand();
		size_t n = (size_t)(rand() % 300);
		enum proto p = banner_classify_greeting(junk, n, (uint16_t)rand());
		banner_greeting_complete(p, junk, n);
		banner_reply_complete((enum proto)(rand() % PROTO_COUNT), junk, n);
		banner_reply_matches((enum proto)(rand() % PROTO_COUNT), junk, n);
		mysql_parse_greeting(junk, n, &mg);
	}
}

static void ssh_identification(void **state)
{
	(void)state;
	struct ssh_ident id;
	assert_int_equal(
	    ssh_parse_ident(B("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"), &id), 0);
	assert_string_equal(id.proto, "2.0");
	assert_string_equal(id.software, "OpenSSH_9.2p1");
	assert_string_equal(id.comment, "Debian-2+deb12u10");
	assert_int_equal(ssh_parse_ident(B("Welcome\r\nSSH-1.99-Cisco-1.25\n"), &id), 0);
	assert_string_equal(id.software, "Cisco-1.25");
	assert_int_equal(ssh_parse_ident(B("SSH-2.0\r\n"), &id), -1);
	assert_int_equal(ssh_parse_ident(B("SSH-"), &id), -1);
	assert_int_equal(ssh_parse_ident(B("no ssh here"), &id), -1);
	assert_true(banner_greeting_complete(PROTO_SSH, B("SSH-2.0-x\r\n")));
	assert_false(banner_greeting_complete(PROTO_SSH, B("SSH-2.0-x")));
}

static void replies(void **state)
{
	(void)state;
	assert_true(banner_reply_matches(PROTO_REDIS, B("$629\r\n# Server\r\n")));
	assert_false(banner_reply_complete(PROTO_REDIS, B("$629\r\n# Server\r\n")));
	assert_true(banner_reply_complete(PROTO_REDIS, B("$2\r\nab\r\n")));
	assert_true(banner_reply_matches(PROTO_MEMCACHED, B("VERSION 1.6.18\r\n")));
	assert_true(banner_reply_matches(
	    PROTO_POSTGRES, B("R\x00\x00\x00\x17\x00\x00\x00\nSCRAM-SHA-256\x00\x00")));
	assert_true(banner_reply_complete(
	    PROTO_POSTGRES, B("R\x00\x00\x00\x17\x00\x00\x00\nSCRAM-SHA-256\x00\x00")));
	assert_false(banner_reply_matches(PROTO_POSTGRES, B("R\xff\xff\xff\xff")));
	assert_true(banner_reply_matches(PROTO_MQTT, B(" \x02\x00\x00")));
	assert_true(banner_reply_matches(PROTO_RTSP, B("RTSP/1.0 200 OK\r\n")));
	assert_true(
	    banner_reply_complete(PROTO_SIP, B("SIP/2.0 200 OK\r\nCSeq: 1\r\n\r\n")));
	assert_true(banner_reply_matches(PROTO_RDP,
	                                 B("\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00"
	                                   "\x02\x00\x08\x00\x02\x00\x00\x00")));
	assert_true(banner_reply_matches(PROTO_SMB, B("\x00\x00\x00\x80\xfeSMB@\x00")));
	/* slapd's rootDSE answer ends with searchResDone. */
	const uint8_t ldap[] = "\x30\x0c\x02\x01\x01\x65\x07\x0a\x01\x00\x04\x00\x04\x00";
	assert_true(banner_reply_matches(PROTO_LDAP, ldap, sizeof ldap - 1));
	assert_true(banner_reply_complete(PROTO_LDAP, ldap, sizeof ldap - 1));
	assert_false(banner_reply_complete(PROTO_LDAP, ldap, sizeof ldap - 2));
	assert_true(banner_reply_complete(PROTO_SMTP, B("250-a\r\n250-b\r\n250 c\r\n")));
	assert_false(banner_reply_complete(PROTO_SMTP, B("250-a\r\n250-b\r\n")));
	uint8_t out[64];
	size_t n = telnet_refuse_options(B("\xff\xfd\x18\xff\xfb\x01\xff\xf1hello\xff"),
	                                 out, sizeof out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\xff\xfc\x18\xff\xfe\x01", 6);
	assert_int_equal(telnet_refuse_options(B("\xff\xfd"), out, sizeof out), 0);
}

static void payload_bytes(void **state)
{
	(void)state;
	char req[512];
	int n = payload_http_get(req, sizeof req, "10.0.0.1", 8080, false, "/status?x=1");
	assert_true(n > 0);
	assert_non_null(
	    strstr(req, "GET /status?x=1 HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n"));
	assert_non_null(strstr(req, "Connection: close\r\n\r\n"));
	n = payload_http_get(req, sizeof req, "10.0.0.1", 443, true, "/");
	assert_non_null(strstr(req, "Host: 10.0.0.1\r\n"));
	assert_int_equal(payload_http_get(req, sizeof req, "1.1.1.1", 80, 0, "x"), -1);
	assert_int_equal(payload_http_get(req, sizeof req, "1.1.1.1", 80, 0, "/a b"), -1);
	assert_int_equal(
	    payload_http_get(req, sizeof req, "1.1.1.1", 80, 0, "/a\r\nX: y"), -1);
	assert_int_equal(payload_http_get(req, 20, "1.1.1.1", 80, 0, "/"), -1);
	struct payload_ctx pc = {.ip = "10.0.0.9",
	                         .port = 5060,
	                         .local_ip = "10.0.0.1",
	                         .local_port = 40000,
	                         .nonce = 1,
	                         .udp = true};
	uint8_t buf[1500];
	size_t l = payload_for(PROTO_LDAP, buf, sizeof buf, &pc);
	/* SEQUENCE whose long-form length covers exactly the rest */
	assert_true(l > 100);
	assert_int_equal(buf[0], 0x30);
	size_t hdr = 2, inner = buf[1];
	if (buf[1] & 0x80) {
		inner = 0;
		for (size_t k = 0; k < (size_t)(buf[1] & 0x7f); k++, hdr++)
			inner = inner << 8 | buf[2 + k];
	}
	assert_int_equal(hdr + inner, l);
	l = payload_for(PROTO_MQTT, buf, sizeof buf, &pc);
	assert_int_equal(l, 26);
	assert_int_equal(buf[1], l - 2); /* remaining length */
	l = payload_for(PROTO_POSTGRES, buf, sizeof buf, &pc);
	assert_int_equal(buf[3], l); /* Int32 length covers the message */
	assert_int_equal(buf[l - 1], 0);
	l = payload_for(PROTO_SMB, buf, sizeof buf, &pc);
	assert_int_equal(l, 112);
	assert_memory_equal(buf + 4, "\xfeSMB", 4);
	l = payload_for(PROTO_SIP, buf, sizeof buf, &pc);
	buf[l] = 0;
	assert_non_null(
	    strstr((char *)buf, "Via: SIP/2.0/UDP 10.0.0.1:40000;branch=z9hG4bK"));
	struct payload_ctx pc6 = pc;
	pc6.ip = "fd00::2";
	pc6.local_ip = "fd00::1";
	l = payload_for(PROTO_SIP, buf, sizeof buf, &pc6);
	buf[l] = 0;
	assert_true(l > 0);
	assert_memory_equal(buf, "OPTIONS sip:[fd00::2]:", 22);
	assert_non_null(strstr((char *)buf, "Via: SIP/2.0/UDP [fd00::1]:40000;"));
	assert_non_null(strstr((char *)buf, "Contact: <sip:scanopy@[fd00::1]:40000>"));
	l = payload_for(PROTO_RTSP, buf, sizeof buf, &pc6);
	buf[l] = 0;
	assert_memory_equal(buf, "OPTIONS rtsp://[fd00::2]:", 25);
	l = payload_for(PROTO_DNS, buf, sizeof buf, &pc);
	assert_int_equal(l - 2, (size_t)(buf[0] << 8 | buf[1])); /* TCP length prefix */
	assert_int_equal(payload_for(PROTO_REDIS, buf, 4, &pc), 0); /* does not fit */
	assert_int_equal(payload_for(PROTO_UNKNOWN, buf, sizeof buf, &pc), 0);
	assert_int_equal(payload_quit(PROTO_SMTP, buf, sizeof buf), 6);
	assert_string_equal(payload_name(PROTO_REDIS), "redis-info");
	assert_string_equal(proto_name(PROTO_POSTGRES), "postgresql");
	assert_string_equal(proto_name((enum proto)999), "");
}

static void port_hints(void **state)
{
	(void)state;
	for (uint16_t p = 9100; p <= 9107; p++) {
		assert_true(port_is_printer(p));
		assert_int_equal(port_hint(p).kind, PK_PRINTER);
	}
	assert_false(port_is_printer(9108));
	assert_int_equal(port_hint(443).kind, PK_TLS_HTTP);
	assert_int_equal(port_hint(6379).proto, PROTO_REDIS);
	assert_int_equal(port_hint(22).kind, PK_GREET);
	assert_int_equal(port_hint(4242).kind, PK_UNKNOWN);
	assert_int_equal(udp_probe_for(161), PROTO_SNMP);
	assert_int_equal(udp_probe_for(9999), PROTO_UNKNOWN);
	for (size_t i = 0; i < scan_default_nudp; i++)
		assert_int_not_equal(udp_probe_for((uint16_t)scan_default_udp[i]),
		                     PROTO_UNKNOWN);
	size_t n;
	const uint32_t a[] = {22, 80, 0, 70000, 22}, b[] = {80, 443};
	uint32_t *m = scan_merge_ports(a, 5, b, 2, &n);
	assert_int_equal(n, 3);
	assert_int_equal(m[0], 22);
	assert_int_equal(m[1], 80);
	assert_int_equal(m[2], 443);
	free(m);
	assert_true(scan_default_ntcp >= 90);
	const uint32_t must[] = {22,    80,   443,  53,  25,   3306, 5432, 6379,
	                         11211, 1883, 5672, 389, 8080, 8443, 9100};
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
		bool found = false;
		for (size_t k = 0; k < scan_default_ntcp; k++)
			found |= scan_default_tcp[k] == must[i];
		assert_true(found);
	}
}

/* A self-signed certificate with SANs, made here. */
static X509 *make_cert(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(key);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
	ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);
	ASN1_TIME_set(X509_getm_notAfter(x), 1800000000);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	                           (const unsigned char *)"Scanopy Lab", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	                           (const unsigned char *)"w\xc3\xa9"
	                                                  "b1.lab.example",
	                           -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext =
	    X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
	                        "DNS:web1.lab.example,IP:10.77.1.12,IP:fd00::1");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	EVP_PKEY_free(key);
	return x;
}

static void tls_certificate_fields(void **state)
{
	(void)state;
	X509 *x = make_cert();
	struct tls_cert *c = malloc(sizeof *c);
	assert_int_equal(tls_cert_fields(x, c), 0);
	assert_string_equal(c->subject, "CN=w\xc3\xa9"
	                                "b1.lab.example,O=Scanopy Lab");
	assert_string_equal(c->issuer, c->subject);
	assert_string_equal(c->cn, "w\xc3\xa9"
	                           "b1.lab.example");
	assert_int_equal(c->nsans, 3);
	assert_string_equal(c->sans[0], "DNS:web1.lab.example");
	assert_string_equal(c->sans[1], "IP:10.77.1.12");
	assert_string_equal(c->sans[2], "IP:fd00:0:0:0:0:0:0:1");
	assert_true(c->not_before_ms == 1700000000000ll);
	assert_true(c->not_after_ms == 1800000000000ll);
	assert_string_equal(c->serial, "1234");
	assert_int_equal(strlen(c->sha256), 64);
	assert_true(c->self_signed);
	/* The DER path gives the same, and junk DER is refused. */
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct tls_cert *d = malloc(sizeof *d);
	assert_int_equal(tls_cert_from_der(der, (size_t)len, d), 0);
	assert_string_equal(d->sha256, c->sha256);
	for (int cut = 0; cut < len; cut += 7)
		tls_cert_from_der(der, (size_t)cut, d);
	assert_int_equal(tls_cert_from_der((const uint8_t *)"\x30\x03\x02\x01\x01", 5, d),
	                 -1);
	OPENSSL_free(der);
	free(c);
	free(d);
	X509_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(greetings),  cmocka_unit_test(ssh_identification),
	    cmocka_unit_test(replies),    cmocka_unit_test(payload_bytes),
	    cmocka_unit_test(port_hints), cmocka_unit_test(tls_certificate_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
