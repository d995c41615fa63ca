/* Whether the daemon's server answers: the time of its last answer, the last
 * error, and since when it has been failing. Fed by every call to the server
 * (and, in ServerPoll mode, every authenticated call from it); read by
 * `scanopy-daemon status`. Safe to use from several threads. */
#ifndef AGENT_LINK_H
#define AGENT_LINK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct link {
	pthread_mutex_t mu;
	int64_t last_ok_ms;    /* last answer from the server; 0 never */
	int64_t down_since_ms; /* first failure after the last answer; 0 up */
	int64_t last_error_ms;
	char last_error[256];
};

void link_init(struct link *l);
void link_destroy(struct link *l);
/* The server answered. */
void link_ok(struct link *l, int64_t now_ms);
/* A call failed without a usable answer: why (no secret in it). */
void link_fail(struct link *l, int64_t now_ms, const char *why);
/* The server answered but refused (4xx): it is reachable, the error stands. */
void link_refused(struct link *l, int64_t now_ms, const char *why);

/* "connected", "unreachable" or "never_connected". */
const char *link_state(struct link *l);
/* Writes the status fields as JSON members (no braces): "server":state,
 * "last_contact_ms", "unreachable_since_ms", "last_error", "last_error_ms". */
void link_json(struct link *l, char *out, size_t len);

#endif
