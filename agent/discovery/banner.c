#define _GNU_SOURCE /* memmem */
#include "banner.h"

#include "text.h"

#include <ctype.h>
#include <string.h>

static const char *const names[PROTO_COUNT] = {
    [PROTO_UNKNOWN] = "",
    [PROTO_SSH] = "ssh",
    [PROTO_SMTP] = "smtp",
    [PROTO_FTP] = "ftp",
    [PROTO_POP3] = "pop3",
    [PROTO_IMAP] = "imap",
    [PROTO_TELNET] = "telnet",
    [PROTO_MYSQL] = "mysql",
    [PROTO_HTTP] = "http",
    [PROTO_TLS] = "tls",
    [PROTO_REDIS] = "redis",
    [PROTO_MEMCACHED] = "memcached",
    [PROTO_POSTGRES] = "postgresql",
    [PROTO_MQTT] = "mqtt",
    [PROTO_LDAP] = "ldap",
    [PROTO_SMB] = "smb",
    [PROTO_RDP] = "rdp",
    [PROTO_RTSP] = "rtsp",
    [PROTO_SIP] = "sip",
    [PROTO_DNS] = "dns",
    [PROTO_VNC] = "vnc",
    [PROTO_NTP] = "ntp",
    [PROTO_SNMP] = "snmp",
    [PROTO_DHCP] = "dhcp",
    [PROTO_NETBIOS] = "netbios",
    [PROTO_SSDP] = "ssdp",
    [PROTO_MDNS] = "mdns",
};

const char *proto_name(enum proto p)
{
	return (unsigned)p < PROTO_COUNT && names[p] ? names[p] : "";
}

static bool starts(const uint8_t *b, size_t len, const char *s)
{
	size_t n = strlen(s);
	return len >= n && memcmp(b, s, n) == 0;
}

static uint32_t le24(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

int mysql_parse_greeting(const uint8_t *b, size_t len, struct mysql_greeting *o)
{
	memset(o, 0, sizeof *o);
	if (len < 5)
		return -1;
	uint32_t plen = le24(b);
	if (b[3] != 0 || plen < 2 || plen > 1024)
		return -1;
	const uint8_t *p = b + 4;
	size_t avail = len - 4 < plen ? len - 4 : plen;
	if (p[0] == 0xff) { /* ERR packet: 0xff, code (2), [#SQLSTATE], message */
		if (avail < 3)
			return -1;
		o->error_code = (uint16_t)(p[1] | p[2] << 8);
		size_t m = 3;
		if (avail > m && p[m] == '#')
			m += 6;
		if (m < avail)
			text_clean(p + m, avail - m, o->error, sizeof o->error, 1);
		return o->error_code >= 1000 && o->error_code < 5000 ? 0 : -1;
	}
	if (p[0] != 10 && p[0] != 9)
		return -1;
	o->protocol = p[0];
	const uint8_t *nul = memchr(p + 1, 0, avail - 1);
	if (!nul || nul == p + 1)
		return -1;
	size_t vlen = (size_t)(nul - (p + 1));
	for (size_t i = 0; i < vlen; i++)
		if (p[1 + i] < 0x20 || p[1 + i] >= 0x7f)
			return -1;
	text_clean(p + 1, vlen, o->version, sizeof o->version, 0);
	size_t off = (size_t)(nul - p) + 1;
	if (off + 4 <= avail)
		o->thread_id = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 |
		               (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
	return 0;
}

int ssh_parse_ident(const uint8_t *b, size_t len, struct ssh_ident *o)
{
	memset(o, 0, sizeof *o);
	/* Servers may send other lines before the identification (RFC 4253 4.2). */
	size_t p = 0;
	while (p < len && !starts(b + p, len - p, "SSH-")) {
		const uint8_t *nl = memchr(b + p, '\n', len - p);
		if (!nl)
			return -1;
		p = (size_t)(nl - b) + 1;
	}
	if (p >= len)
		return -1;
	const uint8_t *line = b + p;
	size_t n = len - p;
	const uint8_t *nl = memchr(line, '\n', n);
	if (nl)
		n = (size_t)(nl - line);
	if (n && line[n - 1] == '\r')
		n--;
	if (n > 255)
		n = 255;
	const uint8_t *d1 = memchr(line + 4, '-', n - 4);
	if (!d1)
		return -1;
	text_clean(line + 4, (size_t)(d1 - line - 4), o->proto, sizeof o->proto, 0);
	const uint8_t *sw = d1 + 1, *end = line + n;
	const uint8_t *sp = memchr(sw, ' ', (size_t)(end - sw));
	text_clean(sw, (size_t)((sp ? sp : end) - sw), o->software, sizeof o->software,
	           0);
	if (sp)
		text_clean(sp + 1, (size_t)(end - sp - 1), o->comment, sizeof o->comment,
		           1);
	return o->software[0] ? 0 : -1;
}

/* The last line of a possibly multi-line "NNN-...\r\nNNN ...\r\n" reply is
 * complete. */
static bool numeric_reply_complete(const uint8_t *b, size_t len)
{
	size_t p = 0;
	while (p < len) {
		const uint8_t *nl = memchr(b + p, '\n', len - p);
		if (!nl)
			return false;
		size_t l = (size_t)(nl - (b + p));
		if (l >= 4 && isdigit(b[p]) && isdigit(b[p + 1]) && isdigit(b[p + 2]) &&
		    b[p + 3] == ' ')
			return true;
		if (l == 3 && isdigit(b[p]) && isdigit(b[p + 1]) && isdigit(b[p + 2]))
			return true;
		p = (size_t)(nl - b) + 1;
	}
	return false;
}

enum proto banner_classify_greeting(const uint8_t *b, size_t len, uint16_t port)
{
	struct mysql_greeting mg;
	if (len == 0)
		return PROTO_UNKNOWN;
	if (ssh_parse_ident(b, len, &(struct ssh_ident){0}) == 0)
		return PROTO_SSH;
	if (b[0] == 0xff && len >= 2 && b[1] >= 0xfb) /* IAC WILL/WONT/DO/DONT */
		return PROTO_TELNET;
	if (starts(b, len, "RFB "))
		return PROTO_VNC;
	if (starts(b, len, "+OK"))
		return PROTO_POP3;
	if (starts(b, len, "* OK") || starts(b, len, "* PREAUTH") ||
	    starts(b, len, "* BYE"))
		return PROTO_IMAP;
	if (starts(b, len, "HTTP/1."))
		return PROTO_HTTP;
	if (starts(b, len, "-DENIED") || starts(b, len, "-NOAUTH") ||
	    starts(b, len, "-ERR"))
		return PROTO_REDIS;
	if (len >= 4 && isdigit(b[0]) && isdigit(b[1]) && isdigit(b[2]) &&
	    (b[3] == ' ' || b[3] == '-')) {
		size_t scan = len < 512 ? len : 512;
		bool ftp = mem_casefind(b, scan, "FTP") != NULL;
		bool smtp = mem_casefind(b, scan, "SMTP") != NULL ||
		            mem_casefind(b, scan, " mail") != NULL;
		if (b[0] == '2' && b[1] == '2' && b[2] == '0') {
			if (smtp && !ftp)
				return PROTO_SMTP;
			if (ftp && !smtp)
				return PROTO_FTP;
			if (port == 21 || port == 2121)
				return PROTO_FTP;
			if (port == 25 || port == 465 || port == 587 || port == 2525)
				return PROTO_SMTP;
			return smtp ? PROTO_SMTP : PROTO_FTP;
		}
		if (b[0] == '4' || b[0] == '5' || b[0] == '1')
			return port == 21             ? PROTO_FTP
			       : (smtp || port == 25) ? PROTO_SMTP
			                              : PROTO_UNKNOWN;
	}
	if (mysql_parse_greeting(b, len, &mg) == 0)
		return PROTO_MYSQL;
	return PROTO_UNKNOWN;
}

bool banner_greeting_complete(enum proto p, const uint8_t *b, size_t len)
{
	switch (p) {
	case PROTO_SSH:
		for (size_t i = 0; i + 4 <= len; i++)
			if (memcmp(b + i, "SSH-", 4) == 0 && (i == 0 || b[i - 1] == '\n'))
				return memchr(b + i, '\n', len - i) != NULL;
		return false;
	case PROTO_SMTP:
	case PROTO_FTP:
		return numeric_reply_complete(b, len);
	case PROTO_POP3:
	case PROTO_IMAP:
	case PROTO_REDIS:
		return memchr(b, '\n', len) != NULL;
	case PROTO_MYSQL:
		return len >= 4 && len - 4 >= le24(b);
	case PROTO_VNC:
		return len >= 12;
	default:
		return false;
	}
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool banner_reply_matches(enum proto p, const uint8_t *b, size_t len)
{
	if (len == 0)
		return false;
	switch (p) {
	case PROTO_REDIS:
		return (b[0] == '$' || b[0] == '+' || b[0] == '-' || b[0] == '*' ||
		        b[0] == ':') &&
		       memchr(b, '\n', len) != NULL;
	case PROTO_MEMCACHED:
		return starts(b, len, "VERSION ") || starts(b, len, "ERROR") ||
		       starts(b, len, "STAT ");
	case PROTO_POSTGRES:
		/* 'R' authentication request or 'E' error, each Int32-length framed;
		 * 'N'/'S' answer an SSLRequest. */
		if ((b[0] == 'R' || b[0] == 'E') && len >= 5) {
			uint32_t l = be32(b + 1);
			return l >= 4 && l < 65536;
		}
		return len == 1 && (b[0] == 'N' || b[0] == 'S');
	case PROTO_MQTT:
		return len >= 4 && b[0] == 0x20 && b[1] == 0x02;
	case PROTO_LDAP:
		/* SEQUENCE { INTEGER id, [APPLICATION 4|5] ... } */
		if (b[0] != 0x30 || len < 7)
			return false;
		{
			size_t o = 2;
			if (b[1] & 0x80)
				o = 2 + (b[1] & 0x7f);
			if (o + 3 > len || b[o] != 0x02 || b[o + 1] == 0 || b[o + 1] > 4)
				return false;
			o += 2 + b[o + 1];
			return o < len && (b[o] == 0x64 || b[o] == 0x65 || b[o] == 0x78);
		}
	case PROTO_SMB:
		return len >= 8 && b[0] == 0x00 &&
		       (memcmp(b + 4, "\xfeSMB", 4) == 0 ||
		        memcmp(b + 4, "\xffSMB", 4) == 0);
	case PROTO_RDP:
		return len >= 11 && b[0] == 0x03 && b[1] == 0x00 && be16(b + 2) >= 11 &&
		       (b[5] & 0xf0) == 0xd0;
	case PROTO_RTSP:
		return starts(b, len, "RTSP/1.");
	case PROTO_SIP:
		return starts(b, len, "SIP/2.0");
	case PROTO_HTTP:
		return starts(b, len, "HTTP/1.") || starts(b, len, "HTTP/0.9");
	case PROTO_DNS: /* over TCP: length, then a response */
		return len >= 14 && be16(b) >= 12 && (b[4] & 0x80);
	case PROTO_SSH:
		return starts(b, len, "SSH-") || (len >= 6 && be32(b) < 65536);
	case PROTO_SMTP:
	case PROTO_FTP:
		return len >= 4 && isdigit(b[0]) && isdigit(b[1]) && isdigit(b[2]);
	case PROTO_POP3:
		return starts(b, len, "+OK") || starts(b, len, "-ERR");
	case PROTO_IMAP:
		return b[0] == '*' || starts(b, len, "a1 ");
	default:
		return true;
	}
}

bool banner_reply_complete(enum proto p, const uint8_t *b, size_t len)
{
	switch (p) {
	case PROTO_REDIS:
		if (len && b[0] == '$') { /* bulk string: $<n>\r\n<n bytes>\r\n */
			size_t n = 0, i = 1;
			while (i < len && isdigit(b[i]) && n < 10000000)
				n = n * 10 + (size_t)(b[i++] - '0');
			return i + 2 + n + 2 <= len;
		}
		return memchr(b, '\n', len) != NULL;
	case PROTO_MEMCACHED:
		return memchr(b, '\n', len) != NULL;
	case PROTO_POSTGRES:
		if (len >= 5 && (b[0] == 'R' || b[0] == 'E'))
			return len >= 1 + (size_t)be32(b + 1);
		return len == 1;
	case PROTO_MQTT:
		return len >= 4;
	case PROTO_LDAP: {
		/* Complete once a searchResDone (0x65) message has fully arrived. */
		size_t o = 0;
		while (o + 2 <= len && b[o] == 0x30) {
			size_t hl = 2, ml = b[o + 1];
			if (ml & 0x80) {
				size_t nb = ml & 0x7f;
				if (nb == 0 || nb > 3 || o + 2 + nb > len)
					return false;
				ml = 0;
				for (size_t k = 0; k < nb; k++)
					ml = ml << 8 | b[o + 2 + k];
				hl += nb;
			}
			if (o + hl + ml > len)
				return false;
			size_t q = o + hl; /* INTEGER message id, then the operation */
			if (q + 2 <= len && b[q] == 0x02 && q + 2 + b[q + 1] < len &&
			    b[q + 2 + b[q + 1]] == 0x65)
				return true;
			o += hl + ml;
		}
		return false;
	}
	case PROTO_SMB:
	case PROTO_RDP:
		if (len >= 4) {
			uint32_t l = p == PROTO_SMB
			                 ? (uint32_t)(b[1] << 16 | b[2] << 8 | b[3]) + 4
			                 : be16(b + 2);
			return len >= l;
		}
		return false;
	case PROTO_DNS:
		return len >= 2 && len >= 2 + (size_t)be16(b);
	case PROTO_RTSP:
	case PROTO_SIP:
		return len >= 4 &&
		       (memmem(b, len, "\r\n\r\n", 4) || memmem(b, len, "\n\n", 2));
	case PROTO_SMTP:
	case PROTO_FTP:
		return numeric_reply_complete(b, len);
	case PROTO_POP3:
		return len >= 3 &&
		       (memmem(b, len, "\r\n.\r\n", 5) || starts(b, len, "-ERR"));
	case PROTO_IMAP:
		return memmem(b, len, "a1 OK", 5) || memmem(b, len, "a1 NO", 5) ||
		       memmem(b, len, "a1 BAD", 6);
	default:
		return false;
	}
}

size_t telnet_refuse_options(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	size_t w = 0;
	for (size_t i = 0; i + 2 < len; i++) {
		if (in[i] != 0xff)
			continue;
		uint8_t cmd = in[i + 1], opt = in[i + 2];
		uint8_t ans = 0;
		if (cmd == 0xfd) /* DO -> WONT */
			ans = 0xfc;
		else if (cmd == 0xfb) /* WILL -> DONT */
			ans = 0xfe;
		if (ans && w + 3 <= cap) {
			out[w++] = 0xff;
			out[w++] = ans;
			out[w++] = opt;
		}
		if (cmd >= 0xfb)
			i += 2;
	}
	return w;
}
