#include "daemon_http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNECT_TIMEOUT_MS 5000L
#define MAX_ANSWER (64u << 20)

static const char *ca_file;

void dh_global_init(const char *daemon_ca_file)
{
	ca_file = daemon_ca_file && *daemon_ca_file ? daemon_ca_file : NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void dh_global_cleanup(void)
{
	curl_global_cleanup();
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct dh_reply *r = arg;
	size_t add = size * n;
	if (r->len + add > MAX_ANSWER)
		return 0;
	char *grown = realloc(r->body, r->len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + r->len, data, add);
	r->body = grown;
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

/* The daemon's {"error": {"message"}} when it gave one. */
static void status_error(struct dh_reply *r)
{
	json_t *j = r->body ? json_loads(r->body, 0, NULL) : NULL;
	const char *m =
	    json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	snprintf(r->error, sizeof r->error, "the daemon answered %ld%s%s", r->status,
	         m ? ": " : "", m ? m : "");
	json_decref(j);
}

/* How curl trusts an https daemon (dh_peer). */
static void set_trust(CURL *c, const char *tls_pin)
{
	if (tls_pin && *tls_pin) {
		/* The pin is the trust: a self-signed certificate is fine, any other
		 * key is refused before anything is sent. */
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, tls_pin);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	}
}

static void release(CURLM *m, struct dh_call *call)
{
	if (call->easy) {
		curl_multi_remove_handle(m, call->easy);
		curl_easy_cleanup(call->easy);
	}
	curl_slist_free_all(call->headers); /* holds the call key: */
	call->headers = NULL;               /* freed, not logged */
	free(call->body);
	call->body = NULL;
	call->easy = NULL;
}

int dh_start(CURLM *m, struct dh_call *call, const struct dh_peer *peer, const char *path,
             const char *method, const char *content_type, const void *body, size_t len,
             long timeout_ms, void *owner)
{
	const char *base_url = peer->url;
	memset(call, 0, sizeof *call);
	call->base_url = base_url;
	CURL *c = call->easy = curl_easy_init();
	char url[1024], auth[256], ctype[128];
	if (!c || (body && !(call->body = malloc(len ? len : 1)))) {
		release(m, call);
		snprintf(call->reply.error, sizeof call->reply.error, "out of memory");
		return -1;
	}
	size_t blen = strlen(base_url);
	snprintf(url, sizeof url, "%.*s%s",
	         (int)(blen && base_url[blen - 1] == '/' ? blen - 1 : blen), base_url,
	         path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", peer->key);
	call->headers = curl_slist_append(call->headers, auth);
	OPENSSL_cleanse(auth, sizeof auth);
	if (content_type) {
		snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
		call->headers = curl_slist_append(call->headers, ctype);
	}
	if (timeout_ms > DH_CALL_TIMEOUT_MS || timeout_ms < 1)
		timeout_ms = DH_CALL_TIMEOUT_MS;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, call->headers);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms
	                                                 : CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	set_trust(c, peer->tls_pin);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &call->reply);
	curl_easy_setopt(c, CURLOPT_PRIVATE, owner);
	if (!strcmp(method, "POST")) {
		if (body)
			memcpy(call->body, body, len);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body ? call->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(call->body ? len : 0));
	}
	if (curl_multi_add_handle(m, c) != CURLM_OK) {
		release(m, call);
		snprintf(call->reply.error, sizeof call->reply.error,
		         "the call could not be started");
		return -1;
	}
	return 0;
}

int dh_finish(CURLM *m, struct dh_call *call, CURLcode rc)
{
	struct dh_reply *r = &call->reply;
	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &r->status);
	release(m, call);
	if (rc != CURLE_OK) {
		snprintf(r->error, sizeof r->error, "the daemon at %s did not answer: %s",
		         call->base_url, curl_easy_strerror(rc));
		r->status = 0;
		return -1;
	}
	if (r->status < 200 || r->status > 299) {
		status_error(r);
		return -1;
	}
	return 0;
}

void dh_abort(CURLM *m, struct dh_call *call)
{
	release(m, call);
	dh_reply_free(&call->reply);
}

void dh_reply_free(struct dh_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
