/* What we know about a port before anything answers: which probe to lead
 * with (wait for a greeting, HTTP, TLS, a protocol payload), and which ports
 * must never receive a payload (raw-print ports print it). */
#ifndef DISC_PORTINFO_H
#define DISC_PORTINFO_H

#include "banner.h"

#include <stdbool.h>
#include <stdint.h>

enum port_kind {
	PK_UNKNOWN,   /* short wait for a greeting, then HTTP, then TLS */
	PK_GREET,     /* the service speaks first (SSH, SMTP, FTP, MySQL...) */
	PK_HTTP,      /* plain HTTP, GET at once */
	PK_TLS_HTTP,  /* TLS, then HTTP inside */
	PK_TLS_GREET, /* TLS, then the service speaks first inside (IMAPS...) */
	PK_TLS,       /* TLS only (certificate), nothing inside */
	PK_PAYLOAD,   /* a protocol payload at once (Redis, PostgreSQL...) */
	PK_PRINTER,   /* JetDirect raw print: listen only */
};

struct port_hint {
	enum port_kind kind;
	enum proto proto; /* PK_PAYLOAD/PK_GREET: the protocol expected */
};

struct port_hint port_hint(uint16_t port);
static inline bool port_is_printer(uint16_t port)
{
	return port >= 9100 && port <= 9107;
}

/* The UDP probe for a port, PROTO_UNKNOWN when we have none (then the port is
 * not probed: an empty datagram tells nothing and looks like an attack). */
enum proto udp_probe_for(uint16_t port);

#endif
