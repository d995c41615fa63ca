/* The scheduler's HTTP client for ServerPoll daemons (libcurl): one call to
 * a daemon's URL with its call key, bounded in time (connect 5 s, whole call
 * 20 s), never following redirects. Retries are the caller's, across ticks,
 * with backoff. */
#ifndef SCHED_DAEMON_HTTP_H
#define SCHED_DAEMON_HTTP_H

#include <stddef.h>

struct dh_reply {
	long status; /* HTTP status, 0 when no answer */
	char *body;  /* NUL-terminated (caller frees), may be NULL */
	size_t len;
	char error[160]; /* why there was no answer, or the status's error */
};

void dh_global_init(void);
void dh_global_cleanup(void);

/* method "GET" or "POST"; body NULL for none. 0 on a 2xx answer, else -1
 * with reply->error filled (reply->body kept when there was one). */
int dh_call(const char *base_url, const char *path, const char *key, const char *method,
            const char *content_type, const void *body, size_t len,
            struct dh_reply *reply);
void dh_reply_free(struct dh_reply *reply);

#endif
