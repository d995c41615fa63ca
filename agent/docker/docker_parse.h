/* Docker Engine API JSON to observations, tolerant of Docker-compatible
 * engines (podman: NetworkID holding the network's name, no
 * HostConfig.NetworkMode in the list, Ports[] without IP when bound to all
 * addresses, Networks null for host networking), and the multiplexed stream
 * of an exec (8-byte frame headers) or a raw one (TTY). Pure: no I/O. */
#ifndef DOCKER_PARSE_H
#define DOCKER_PARSE_H

#include "observation.pb-c.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOCKER_MAX_PROBE_PORTS 8

/* A container; strings point into the JSON it was parsed from. */
struct dk_container {
	Scanopy__V1__DockerContainer c;
	char name[256], network_mode[64];
	/* TCP ports the container exposes but publishes on no host port: the
	 * candidates for an in-container HTTP probe */
	uint32_t probe_ports[DOCKER_MAX_PROBE_PORTS];
	size_t nprobe;
};

/* item: an element of GET /containers/json; inspect: GET
 * /containers/{id}/json or NULL. -1 when item is not a container object
 * (no Id) or memory runs out. */
int docker_parse_container(const json_t *item, const json_t *inspect, const char *host_ip,
                           struct dk_container *out);
void docker_container_free(struct dk_container *c);

/* An element of GET /networks. */
struct dk_network {
	Scanopy__V1__DockerNetwork n;
};
int docker_parse_network(const json_t *item, const char *host_ip, struct dk_network *out);
void docker_network_free(struct dk_network *n);

/* Demultiplexes an exec's output into out (stdout and stderr frames in
 * order, NUL-terminated, truncated to cap-1). A body that does not start
 * with a valid frame header is taken as raw TTY output. Returns the length. */
size_t docker_demux(const uint8_t *in, size_t n, char *out, size_t cap);

/* From the text an in-container probe printed (busybox/GNU wget -S or
 * curl -si: status line, headers, body): the HTTP status (0: none), the
 * Server header (or ""), and the body's start. */
struct dk_http {
	unsigned status;
	char server[128], title[128];
	const char *body;
};
void docker_parse_probe(const char *text, struct dk_http *h);

#endif
