/* The bytes of our TCP and UDP protocol probes: an HTTP GET, and for each
 * protocol the smallest request that makes a server of that protocol answer
 * with something identifying (and nothing that changes state). */
#ifndef DISC_PAYLOADS_H
#define DISC_PAYLOADS_H

#include "banner.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct payload_ctx {
	const char *ip; /* the target */
	uint16_t port;
	const char *local_ip; /* our address toward it (SIP wants it) */
	uint16_t local_port;
	uint32_t nonce; /* varies ids, tags and call ids */
	bool udp;       /* SIP over UDP */
};

/* "GET path HTTP/1.1" with Host, a plain User-Agent, Connection: close.
 * Returns the length, -1 if it does not fit or the path is unsafe (not
 * starting with '/', or holding controls or spaces). */
int payload_http_get(char *buf, size_t cap, const char *ip, uint16_t port, bool tls,
                     const char *path);

/* The probe request for protocol p, or 0 when p has none (it speaks first or
 * is not a TCP protocol we probe). */
size_t payload_for(enum proto p, uint8_t *buf, size_t cap, const struct payload_ctx *c);

/* What to send before closing, to leave politely (QUIT, LOGOUT, DISCONNECT,
 * unbind); 0 when nothing. */
size_t payload_quit(enum proto p, uint8_t *buf, size_t cap);

/* The Banner.probe name for a request of p ("redis-info", "ldap-rootdse"). */
const char *payload_name(enum proto p);

#endif
