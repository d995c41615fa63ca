/* The scheduler's HTTP client for ServerPoll daemons (libcurl): one call to
 * a daemon's URL with its call key, bounded in time (connect 5 s, whole call
 * 20 s), never following redirects. Retries are the caller's, across ticks,
 * with backoff.
 *
 * An https daemon is trusted by the public key pin the admin gave with its
 * URL (the daemon logs it at start), which needs no certificate authority;
 * without a pin, by its certificate chain and name, against the scheduler's
 * daemon_ca_file or the system's authorities. */
#ifndef SCHED_DAEMON_HTTP_H
#define SCHED_DAEMON_HTTP_H

#include <stddef.h>

struct dh_reply {
	long status; /* HTTP status, 0 when no answer */
	char *body;  /* NUL-terminated (caller frees), may be NULL */
	size_t len;
	char error[160]; /* why there was no answer, or the status's error */
};

/* A daemon to call: its URL, call key and, for https, its pin (NULL: none). */
struct dh_peer {
	const char *url, *key, *tls_pin;
};

/* ca_file: authorities for https daemons without a pin (NULL: the system's). */
void dh_global_init(const char *ca_file);
void dh_global_cleanup(void);

/* method "GET" or "POST"; body NULL for none. 0 on a 2xx answer, else -1
 * with reply->error filled (reply->body kept when there was one). */
int dh_call(const struct dh_peer *peer, const char *path, const char *method,
            const char *content_type, const void *body, size_t len,
            struct dh_reply *reply);
void dh_reply_free(struct dh_reply *reply);

#endif
