/* The probe plan as the engine runs it: parsed from the JSON the gateway
 * serves (GET /api/v1/probe-plan, derived by scanopy-fingerprint from its
 * definitions), so that a new definition's ports, HTTP paths and protocol
 * probes reach every daemon without a release of the daemon. The text comes
 * from the network: anything malformed is refused whole, with a reason. */
#ifndef DISC_SCAN_PLAN_H
#define DISC_SCAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCAN_PLAN_MAX_PAYLOAD 1024 /* bytes of one probe request */

/* A set of ports: every open TCP port, or the listed ones. */
struct scan_ports {
	bool all;
	uint16_t *v;
	size_t n;
};

struct scan_plan_path {
	char *path;
	struct scan_ports ports;
};

struct scan_plan_probe {
	char *id; /* the Banner/UdpReply probe name definitions match on */
	bool udp;
	uint8_t *payload;
	size_t len;
	unsigned read_ms; /* 0: the engine's default */
	struct scan_ports ports;
};

struct scan_plan {
	char version[80];
	uint32_t *tcp, *udp; /* ports to scan */
	size_t ntcp, nudp;
	struct scan_plan_path *paths; /* "/" first */
	size_t npaths;
	const char **path_strings; /* paths[i].path, for scan_request.http_paths */
	struct scan_plan_probe *probes;
	size_t nprobes;
};

/* Parses the plan's JSON text (len bytes). 0, or -1 with the reason in why
 * (and *plan left empty). */
int scan_plan_parse(const char *text, size_t len, struct scan_plan *plan, char *why,
                    size_t whylen);
void scan_plan_free(struct scan_plan *plan);

bool scan_ports_has(const struct scan_ports *ports, uint16_t port);

#endif
