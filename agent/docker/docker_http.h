/* The Docker Engine API over HTTP with libcurl: the local socket
 * (unix:///var/run/docker.sock by default), or a socket proxy at
 * tcp://host:port, http://host:port or https://host:port (client certificate,
 * key and CA chain files for HTTPS, OpenSSL through libcurl). Errors say what
 * to fix: connection refused, which endpoint a proxy denied (and the
 * proxy's permission to grant), which TLS file or check failed. */
#ifndef DOCKER_HTTP_H
#define DOCKER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct docker_api {
	char base[512];        /* http(s)://host:port or http://localhost for a socket */
	char socket_path[256]; /* unix socket, or "" */
	char host_ip[64];      /* the Docker host as the daemon reaches it ("" local) */
	const char *ssl_cert, *ssl_key, *ssl_chain;
};

struct docker_reply {
	long status;
	uint8_t *body;
	size_t len;
};

/* Parses the URL (NULL or "": the local socket). -1 with why when it is not
 * unix://, tcp://, http:// or https://, or https lacks a file. */
int docker_api_init(struct docker_api *a, const char *url, const char *cert,
                    const char *key, const char *chain, char *why, size_t whylen);

/* One request; body NULL for GET. Returns 0 with the reply (any status; free
 * its body), or -1 with the reason in why (transport or TLS failure). */
int docker_request(const struct docker_api *a, const char *method, const char *path,
                   const char *body, long timeout_ms, struct docker_reply *r, char *why,
                   size_t whylen);

/* The reason for a non-2xx status, naming the proxy permission behind the
 * path for a 403 (CONTAINERS, NETWORKS, EXEC, POST). */
void docker_status_reason(const char *method, const char *path, long status, char *why,
                          size_t whylen);

#endif
