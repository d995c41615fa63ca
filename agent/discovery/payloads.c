#include "payloads.h"

#include "dns_message.h"

#include <stdio.h>
#include <string.h>

int payload_http_get(char *buf, size_t cap, const char *ip, uint16_t port, bool tls,
                     const char *path)
{
	if (!path || path[0] != '/')
		return -1;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return -1;
	char host[64];
	if ((tls && port == 443) || (!tls && port == 80))
		snprintf(host, sizeof host, "%s", ip);
	else
		snprintf(host, sizeof host, "%s:%u", ip, port);
	int n = snprintf(buf, cap,
	                 "GET %s HTTP/1.1\r\n"
	                 "Host: %s\r\n"
	                 "User-Agent: Mozilla/5.0 (compatible; scanopy/" SCANOPY_VERSION
	                 ")\r\n"
	                 "Accept: */*\r\n"
	                 "Connection: close\r\n\r\n",
	                 path, host);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static size_t copy(uint8_t *buf, size_t cap, const void *src, size_t n)
{
	if (n > cap)
		return 0;
	memcpy(buf, src, n);
	return n;
}

/* A BER TLV around already-encoded content (lengths up to 65535). */
static size_t ber_wrap(uint8_t *out, size_t cap, uint8_t tag, const uint8_t *v, size_t n)
{
	size_t h = n < 128 ? 2 : n < 256 ? 3 : 4;
	if (h + n > cap)
		return 0;
	out[0] = tag;
	if (n < 128) {
		out[1] = (uint8_t)n;
	} else if (n < 256) {
		out[1] = 0x81;
		out[2] = (uint8_t)n;
	} else {
		out[1] = 0x82;
		out[2] = (uint8_t)(n >> 8);
		out[3] = (uint8_t)n;
	}
	memmove(out + h, v, n);
	return h + n;
}

static size_t ldap_rootdse(uint8_t *buf, size_t cap)
{
	static const char *const attrs[] = {
	    "namingContexts",    "defaultNamingContext", "supportedLDAPVersion",
	    "vendorName",        "vendorVersion",        "supportedSASLMechanisms",
	    "dnsHostName",       "serverName",           "supportedExtension",
	    "subschemaSubentry",
	};
	uint8_t list[512], req[700], msg[800];
	size_t nl = 0;
	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
		nl += ber_wrap(list + nl, sizeof list - nl, 0x04,
		               (const uint8_t *)attrs[i], strlen(attrs[i]));
	static const uint8_t head[] = {
	    0x04, 0x00,       /* baseObject "" */
	    0x0a, 0x01, 0x00, /* scope: base */
	    0x0a, 0x01, 0x00, /* derefAliases: never */
	    0x02, 0x01, 0x00, /* sizeLimit */
	    0x02, 0x01, 0x05, /* timeLimit 5 s */
	    0x01, 0x01, 0x00, /* typesOnly FALSE */
	    0x87, 0x0b, 'o',  'b', 'j', 'e', 'c',
	    't',  'C',  'l',  'a', 's', 's', /* present */
	};
	size_t nr = copy(req, sizeof req, head, sizeof head);
	nr += ber_wrap(req + nr, sizeof req - nr, 0x30, list, nl);
	uint8_t body[720];
	size_t nb = copy(body, sizeof body, "\x02\x01\x01", 3); /* message id 1 */
	nb += ber_wrap(body + nb, sizeof body - nb, 0x63, req, nr);
	size_t nm = ber_wrap(msg, sizeof msg, 0x30, body, nb);
	return copy(buf, cap, msg, nm);
}

static size_t smb2_negotiate(uint8_t *buf, size_t cap)
{
	uint8_t p[112];
	memset(p, 0, sizeof p);
	p[3] = 108; /* NetBIOS session message length */
	uint8_t *h = p + 4;
	memcpy(h, "\xfeSMB", 4);
	h[4] = 64; /* StructureSize */
	h[14] = 1; /* CreditRequest */
	uint8_t *n = h + 64;
	n[0] = 36;                              /* StructureSize */
	n[2] = 4;                               /* DialectCount */
	n[4] = 1;                               /* SecurityMode: signing enabled */
	memcpy(n + 12, "scanopy-discover", 16); /* ClientGuid */
	static const uint8_t dialects[] = {0x02, 0x02, 0x10, 0x02,
	                                   0x00, 0x03, 0x02, 0x03};
	memcpy(n + 36, dialects, sizeof dialects);
	return copy(buf, cap, p, sizeof p);
}

/* An address as URIs and Via headers name a host: IPv6 in brackets. */
static const char *uri_host(const char *ip, char *buf, size_t cap)
{
	if (!ip || !strchr(ip, ':'))
		return ip;
	snprintf(buf, cap, "[%s]", ip);
	return buf;
}

size_t payload_for(enum proto p, uint8_t *buf, size_t cap, const struct payload_ctx *in)
{
	char ipb[48], localb[48];
	struct payload_ctx uc = *in;
	const struct payload_ctx *c = &uc;
	uc.ip = uri_host(in->ip, ipb, sizeof ipb);
	uc.local_ip = uri_host(in->local_ip, localb, sizeof localb);
	char text[1024];
	int n;
	switch (p) {
	case PROTO_REDIS:
		return copy(buf, cap, "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n", 26);
	case PROTO_MEMCACHED:
		return copy(buf, cap, "version\r\n", 9);
	case PROTO_POSTGRES: {
		/* StartupMessage, protocol 3.0: the server answers with its
		 * authentication request (or an error), before any password. */
		static const char params[] = "user\0scanopy\0database\0scanopy\0"
		                             "application_name\0scanopy-discovery\0";
		uint8_t m[128];
		size_t len = 8 + sizeof params; /* sizeof counts the final NUL */
		memset(m, 0, 8);
		m[3] = (uint8_t)len;
		m[5] = 3; /* 196608 = 3.0 */
		memcpy(m + 8, params, sizeof params);
		return copy(buf, cap, m, len);
	}
	case PROTO_MQTT: {
		char id[13];
		snprintf(id, sizeof id, "scanopy%05u", c->nonce % 100000);
		uint8_t m[40] = {0x10, 24, 0,    4, 'M', 'Q', 'T',
		                 'T',  4,  0x02, 0, 60,  0,   12};
		memcpy(m + 14, id, 12);
		return copy(buf, cap, m, 26);
	}
	case PROTO_LDAP:
		return ldap_rootdse(buf, cap);
	case PROTO_SMB:
		return smb2_negotiate(buf, cap);
	case PROTO_RDP:
		return copy(
		    buf, cap,
		    "\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03"
		    "\x00\x00\x00",
		    19);
	case PROTO_RTSP:
		n = snprintf(text, sizeof text,
		             "OPTIONS rtsp://%s:%u/ RTSP/1.0\r\nCSeq: 1\r\n"
		             "User-Agent: scanopy\r\n\r\n",
		             c->ip, c->port);
		return n > 0 && (size_t)n < sizeof text ? copy(buf, cap, text, (size_t)n)
		                                        : 0;
	case PROTO_SIP:
		n = snprintf(text, sizeof text,
		             "OPTIONS sip:%s:%u SIP/2.0\r\n"
		             "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%08x;rport\r\n"
		             "Max-Forwards: 70\r\n"
		             "To: <sip:%s:%u>\r\n"
		             "From: <sip:scanopy@%s>;tag=%08x\r\n"
		             "Call-ID: %08x@%s\r\n"
		             "CSeq: 1 OPTIONS\r\n"
		             "Contact: <sip:scanopy@%s:%u>\r\n"
		             "Accept: application/sdp\r\n"
		             "User-Agent: scanopy\r\n"
		             "Content-Length: 0\r\n\r\n",
		             c->ip, c->port, c->udp ? "UDP" : "TCP", c->local_ip,
		             c->local_port, c->nonce, c->ip, c->port, c->local_ip,
		             c->nonce ^ 0x5a5a5a5a, c->nonce, c->local_ip, c->local_ip,
		             c->local_port);
		return n > 0 && (size_t)n < sizeof text ? copy(buf, cap, text, (size_t)n)
		                                        : 0;
	case PROTO_DNS: { /* version.bind CH TXT over TCP: length-prefixed */
		uint8_t q[64];
		int l = dns_build_query(q + 2, sizeof q - 2, (uint16_t)c->nonce,
		                        "version.bind", 16, 3, false);
		if (l < 0)
			return 0;
		q[0] = (uint8_t)(l >> 8);
		q[1] = (uint8_t)l;
		return copy(buf, cap, q, (size_t)l + 2);
	}
	case PROTO_SSH: /* our identification: the server answers with KEXINIT */
		return copy(buf, cap, "SSH-2.0-scanopy\r\n", 17);
	case PROTO_SMTP:
		return copy(buf, cap, "EHLO scanopy.invalid\r\n", 22);
	case PROTO_IMAP:
		return copy(buf, cap, "a1 CAPABILITY\r\n", 15);
	case PROTO_POP3:
		return copy(buf, cap, "CAPA\r\n", 6);
	case PROTO_FTP:
		return copy(buf, cap, "FEAT\r\n", 6);
	default:
		return 0;
	}
}

size_t payload_quit(enum proto p, uint8_t *buf, size_t cap)
{
	switch (p) {
	case PROTO_SMTP:
	case PROTO_FTP:
	case PROTO_POP3:
		return copy(buf, cap, "QUIT\r\n", 6);
	case PROTO_IMAP:
		return copy(buf, cap, "a2 LOGOUT\r\n", 11);
	case PROTO_MQTT:
		return copy(buf, cap, "\xe0\x00", 2);
	case PROTO_LDAP:
		return copy(buf, cap, "\x30\x05\x02\x01\x02\x42\x00", 7);
	case PROTO_REDIS:
		return copy(buf, cap, "*1\r\n$4\r\nQUIT\r\n", 14);
	case PROTO_MEMCACHED:
		return copy(buf, cap, "quit\r\n", 6);
	default:
		return 0;
	}
}

const char *payload_name(enum proto p)
{
	switch (p) {
	case PROTO_REDIS:
		return "redis-info";
	case PROTO_MEMCACHED:
		return "memcached-version";
	case PROTO_POSTGRES:
		return "postgresql-startup";
	case PROTO_MQTT:
		return "mqtt-connect";
	case PROTO_LDAP:
		return "ldap-rootdse";
	case PROTO_SMB:
		return "smb2-negotiate";
	case PROTO_RDP:
		return "rdp-negotiate";
	case PROTO_RTSP:
		return "rtsp-options";
	case PROTO_SIP:
		return "sip-options";
	case PROTO_DNS:
		return "dns-version-bind";
	case PROTO_SSH:
		return "ssh-kexinit";
	case PROTO_SMTP:
		return "smtp-ehlo";
	case PROTO_IMAP:
		return "imap-capability";
	case PROTO_POP3:
		return "pop3-capa";
	case PROTO_FTP:
		return "ftp-feat";
	case PROTO_HTTP:
		return "http-get";
	default:
		return proto_name(p);
	}
}
