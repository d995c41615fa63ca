/* Docker discovery: containers (GET /containers/json, then GET
 * /containers/{id}/json each) and networks (GET /networks) of one Docker
 * Engine API, emitted as DockerContainer / DockerNetwork; then, for running
 * containers that expose TCP ports but publish none of them, an HTTP probe
 * from inside the container (POST /containers/{id}/exec, POST
 * /exec/{id}/start, GET /exec/{id}/json), concurrently and within a time
 * budget, emitted as HttpResponse for the container's address. Nothing else
 * of the API is used. Without EXEC/POST permission the containers are still
 * reported and the skipped probes are named in stats.error. */
#ifndef DOCKER_COLLECT_H
#define DOCKER_COLLECT_H

#include <stdbool.h>
#include <stdint.h>

struct sink;

struct docker_request {
	const char *proxy; /* NULL: unix:///var/run/docker.sock */
	const char *ssl_cert, *ssl_key, *ssl_chain;
	bool exec_probes;
	unsigned budget_ms;   /* for all exec probes; 0: 15000 */
	unsigned concurrency; /* probes at once; 0: 8 */
};

struct docker_stats {
	unsigned containers, networks, probes, probes_ok, probes_skipped;
	int64_t wall_ms;
	char error[1024]; /* why it failed, or notes on what was skipped */
};

/* 0 when the container list was read (notes may be in st->error), -1 with
 * the reason in st->error otherwise. */
int docker_collect_run(const struct docker_request *req, struct sink *s,
                       struct docker_stats *st);

#endif
