/* The scheduler's HTTP client for ServerPoll daemons (libcurl's multi
 * interface): calls to daemons' URLs with their call keys, any number in
 * flight at once in one thread, each bounded in time (connect 5 s, whole
 * call at most 20 s or what the caller's lease leaves), never following
 * redirects. Retries are the caller's, across ticks, with backoff.
 *
 * An https daemon is trusted by the public key pin the admin gave with its
 * URL (the daemon logs it at start), which needs no certificate authority;
 * without a pin, by its certificate chain and name, against the scheduler's
 * daemon_ca_file or the system's authorities. */
#ifndef SCHED_DAEMON_HTTP_H
#define SCHED_DAEMON_HTTP_H

#include <curl/curl.h>
#include <stddef.h>

#define DH_CALL_TIMEOUT_MS 20000L

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

/* One call in flight: started by dh_start, its easy handle then belongs to
 * the multi handle until dh_finish. */
struct dh_call {
	CURL *easy;
	struct curl_slist *headers;
	void *body; /* the request body, copied */
	const char *base_url;
	struct dh_reply reply;
};

/* ca_file: authorities for https daemons without a pin (NULL: the system's). */
void dh_global_init(const char *ca_file);
void dh_global_cleanup(void);

/* Adds a call to m: method "GET" or "POST"; body NULL for none; the whole
 * call bounded by timeout_ms (at most DH_CALL_TIMEOUT_MS). The easy handle's
 * CURLOPT_PRIVATE is owner. 0, or -1 with call->reply.error filled. */
int dh_start(CURLM *m, struct dh_call *call, const struct dh_peer *peer, const char *path,
             const char *method, const char *content_type, const void *body, size_t len,
             long timeout_ms, void *owner);
/* Takes a finished call (result: from curl_multi_info_read) out of m: 0 on a
 * 2xx answer, else -1 with call->reply.error filled (reply.body kept when
 * there was one). The reply stays the caller's (dh_reply_free). */
int dh_finish(CURLM *m, struct dh_call *call, CURLcode result);
/* Takes an unfinished call out of m (shutting down). */
void dh_abort(CURLM *m, struct dh_call *call);
void dh_reply_free(struct dh_reply *reply);

#endif
