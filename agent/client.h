/* The daemon's HTTP client for the gateway (DaemonPoll mode): registration,
 * the heartbeat, and batch upload, with errors a user can act on. */
#ifndef AGENT_CLIENT_H
#define AGENT_CLIENT_H

#include "link.h"
#include "outbox.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client {
	const char *server_url;
	const char *api_key; /* sent only in the Authorization header, never logged */
	const char
	    *ca_file;    /* CA to verify an https:// server with; NULL: the system's */
	const char *pin; /* optional public key pin (curl's sha256//... form) */
	char daemon_id[40];
	char org_id[40];
	char network_id[40];
	int64_t clock_skew_ms; /* server minus local, from the last answer */
	struct link *link;     /* told of every call's outcome; may be NULL */
};

struct registration {
	const char *name, *version, *mode, *hostname;
	bool docker_socket;
	const char *const *subnets;
	size_t nsubnets;
};

/* Checks the transport settings before the first call: a readable CA file,
 * CA or pin only with https://, and a warning for plain HTTP off this host. */
int client_check_transport(const char *server_url, const char *ca_file, const char *pin);

void client_global_init(void);
void client_global_cleanup(void);

/* Registers (idempotent on client->daemon_id, which it fills in). Returns 0,
 * -1 for a failure worth retrying (server unreachable or busy), or -2 for one
 * that needs the user (bad key, incompatible version), already explained. */
int client_register(struct client *c, const struct registration *reg);
/* The heartbeat; on success *answer holds the server's JSON answer (with its
 * "jobs"), to be json_decref'd by the caller. */
int client_heartbeat(struct client *c, json_t **answer);
/* Reports a session's state: "running", "completed", "failed" or
 * "cancelled"; NULL strings, and a percent or counts below zero, are left
 * out. Returns 0,
 * 1 when the server wants the work stopped (the session was cancelled, or is
 * no longer open), or -1 when the report did not get through. */
int client_progress(struct client *c, const char *session_id, const char *state,
                    int percent, const char *phase, const char *reason,
                    const char *summary, long hosts, long ports);
/* Fetches the probe plan unless have_version (may be NULL) is current:
 * 0 with *plan the JSON text (caller frees), 1 when not modified, -1 when it
 * could not be had (logged). */
int client_probe_plan(struct client *c, const char *have_version, char **plan);
/* A send_fn for the outbox: uploads one batch. */
enum send_result client_send_batch(void *client, uint64_t sequence, const uint8_t *batch,
                                   size_t len);

#endif
