/* What a TCP service said: classification of greetings and of replies to our
 * protocol probes, and the small parsers that validate them. The names here
 * are protocol evidence for the fingerprint service (and for scanopy-scan's
 * output); products and versions are the fingerprint definitions' business. */
#ifndef DISC_BANNER_H
#define DISC_BANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum proto {
	PROTO_UNKNOWN,
	PROTO_SSH,
	PROTO_SMTP,
	PROTO_FTP,
	PROTO_POP3,
	PROTO_IMAP,
	PROTO_TELNET,
	PROTO_MYSQL,
	PROTO_HTTP,
	PROTO_TLS,
	PROTO_REDIS,
	PROTO_MEMCACHED,
	PROTO_POSTGRES,
	PROTO_MQTT,
	PROTO_LDAP,
	PROTO_SMB,
	PROTO_RDP,
	PROTO_RTSP,
	PROTO_SIP,
	PROTO_DNS,
	PROTO_VNC,
	PROTO_NTP,
	PROTO_SNMP,
	PROTO_DHCP,
	PROTO_NETBIOS,
	PROTO_SSDP,
	PROTO_MDNS,
	PROTO_COUNT
};

/* "ssh", "smtp", ...; "" for PROTO_UNKNOWN. */
const char *proto_name(enum proto p);

/* A service that spoke first: what is it? port breaks the "220" tie between
 * SMTP and FTP. */
enum proto banner_classify_greeting(const uint8_t *b, size_t len, uint16_t port);

/* Whether the greeting of `p` is complete (a full SSH line, the last line of
 * a multi-line SMTP/FTP reply, a whole MySQL packet...). Unknown: false. */
bool banner_greeting_complete(enum proto p, const uint8_t *b, size_t len);

/* Whether `b` is a reply of protocol `p` to our probe of it. */
bool banner_reply_matches(enum proto p, const uint8_t *b, size_t len);
/* Whether the reply to our probe of `p` is complete (no need to wait). */
bool banner_reply_complete(enum proto p, const uint8_t *b, size_t len);

/* "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" -> proto "2.0", software, comment. */
struct ssh_ident {
	char proto[16], software[128], comment[128];
};
int ssh_parse_ident(const uint8_t *b, size_t len, struct ssh_ident *out);

/* MySQL/MariaDB initial handshake (protocol 10), or an error packet. */
struct mysql_greeting {
	int protocol;     /* 10; 0 for an error packet */
	char version[64]; /* server version string */
	uint32_t thread_id;
	uint16_t error_code; /* error packet */
	char error[128];
};
int mysql_parse_greeting(const uint8_t *b, size_t len, struct mysql_greeting *out);

/* Telnet: answers every DO with WONT and every WILL with DONT, so a server
 * waiting for negotiation goes on to its prompt. Returns the reply length. */
size_t telnet_refuse_options(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif
