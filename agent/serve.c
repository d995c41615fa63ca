#include "serve.h"

#include "job_json.h"
#include "sc_batch.h"
#include "sc_log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY (1 << 20)
#define RESULTS_MAX_BYTES (4u << 20)

struct serve {
	const struct serve_cfg *cfg;
	struct MHD_Daemon *mhd;
};

struct body {
	char *data;
	size_t len;
	bool too_big;
};

int serve_key_hash(const char *key, const char *hex, uint8_t out[32])
{
	if (key && *key) {
		SHA256((const unsigned char *)key, strlen(key), out);
		return 0;
	}
	if (!hex || strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		text = strdup("{}");
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result res = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return res;
}

static enum MHD_Result error(struct MHD_Connection *c, unsigned status, const char *code,
                             const char *message)
{
	return reply(
	    c, status,
	    json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

static bool authorized(struct serve *s, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	uint8_t got[32];
	SHA256((const unsigned char *)h + 7, strlen(h + 7), got);
	return CRYPTO_memcmp(got, s->cfg->key_sha256, sizeof got) == 0;
}

static enum MHD_Result status(struct serve *s, struct MHD_Connection *c)
{
	json_t *job = slot_json(s->cfg->slot, NULL);
	return reply(c, 200,
	             json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "daemon_id",
	                       s->cfg->daemon_id, "name", s->cfg->name, "mode",
	                       "server_poll", "version", SCANOPY_VERSION,
	                       "spooled_batches",
	                       (json_int_t)outbox_pending(s->cfg->outbox), "job",
	                       job ? job : json_null()));
}

/* A Job as protobuf, or as JSON (packed here so the slot keeps one form). */
static enum MHD_Result post_job(struct serve *s, struct MHD_Connection *c,
                                const struct body *b)
{
	const char *type =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	uint8_t *packed = NULL;
	size_t len = 0;
	enum slot_offer r = SLOT_INVALID;
	if (type && !strncasecmp(type, "application/json", 16)) {
		json_t *j = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
		Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
		char *targets[JOB_TARGETS_MAX];
		struct snmp_creds creds;
		if (j && job_from_json(j, &job, targets, JOB_TARGETS_MAX, &creds) == 0) {
			len = scanopy__v1__job__get_packed_size(&job);
			packed = malloc(len ? len : 1);
			if (packed)
				scanopy__v1__job__pack(&job, packed);
			snmp_creds_free(&creds);
		}
		json_decref(j);
		if (packed)
			r = slot_offer(s->cfg->slot, packed, len);
		if (packed)
			OPENSSL_cleanse(packed, len); /* may hold SNMP secrets */
		free(packed);
	} else if (type && !strncasecmp(type, "application/x-protobuf", 22)) {
		r = slot_offer(s->cfg->slot, (const uint8_t *)b->data, b->len);
	} else {
		return error(c, 415, "unsupported_media_type",
		             "send a Job as application/x-protobuf or application/json");
	}
	if (r == SLOT_INVALID)
		return error(c, 400, "invalid_job",
		             "not a Job with a session_id and type");
	if (r == SLOT_BUSY)
		return error(c, 409, "busy", "another session is queued or running");
	return reply(c, 202, slot_json(s->cfg->slot, NULL));
}

static int add_batch(void *arg, uint64_t seq, const uint8_t *batch, size_t len)
{
	size_t cap = 4 * ((len + 2) / 3) + 1;
	char *b64 = malloc(cap);
	if (!b64)
		return -1;
	EVP_EncodeBlock((unsigned char *)b64, batch, (int)len);
	int rc = json_array_append_new(
	    arg, json_pack("{s:I, s:s}", "sequence", (json_int_t)seq, "data", b64));
	free(b64);
	return rc;
}

static enum MHD_Result results(struct serve *s, struct MHD_Connection *c)
{
	const char *m = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "max");
	long max = m ? strtol(m, NULL, 10) : 16;
	if (max < 1 || max > 256)
		return error(c, 400, "invalid_field", "max: 1 to 256");
	json_t *arr = json_array();
	int n = arr ? outbox_peek(s->cfg->outbox, (size_t)max, RESULTS_MAX_BYTES,
	                          add_batch, arr)
	            : -1;
	if (n < 0) {
		json_decref(arr);
		return error(c, 500, "spool", "the spool could not be read");
	}
	return reply(c, 200,
	             json_pack("{s:o, s:I}", "batches", arr, "spooled_batches",
	                       (json_int_t)outbox_pending(s->cfg->outbox)));
}

static enum MHD_Result ack(struct serve *s, struct MHD_Connection *c,
                           const struct body *b)
{
	json_t *j = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
	json_t *up = json_object_get(j, "up_to");
	if (!json_is_integer(up) || json_integer_value(up) < 0) {
		json_decref(j);
		return error(c, 400, "invalid_field", "up_to: the last sequence kept");
	}
	outbox_ack(s->cfg->outbox, (uint64_t)json_integer_value(up));
	json_decref(j);
	return reply(c, 200,
	             json_pack("{s:I}", "spooled_batches",
	                       (json_int_t)outbox_pending(s->cfg->outbox)));
}

/* /v1/jobs/{session}[/cancel] */
static enum MHD_Result job_route(struct serve *s, struct MHD_Connection *c,
                                 const char *method, const char *rest)
{
	char session[64];
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0 || n >= sizeof session)
		return error(c, 404, "not_found", "no such route");
	memcpy(session, rest, n);
	session[n] = '\0';
	if (!slash && !strcmp(method, "GET")) {
		json_t *j = slot_json(s->cfg->slot, session);
		return j ? reply(c, 200, j)
		         : error(c, 404, "not_found", "this daemon has no such session");
	}
	if (slash && !strcmp(slash, "/cancel") && !strcmp(method, "POST")) {
		if (slot_cancel(s->cfg->slot, session))
			return error(c, 404, "not_found",
			             "this daemon has no such session");
		sc_info("session %s: cancel requested by the server", session);
		return reply(c, 202, slot_json(s->cfg->slot, session));
	}
	return error(c, 405, "method_not_allowed", "no such method for this route");
}

static enum MHD_Result route(struct serve *s, struct MHD_Connection *c,
                             const char *method, const char *url, const struct body *b)
{
	if (!authorized(s, c))
		return error(c, 401, "unauthorized", "a valid call key is required");
	if (s->cfg->link)
		link_ok(s->cfg->link, sc_now_ms());
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	if (!strcmp(url, "/v1/status") && get)
		return status(s, c);
	if (!strcmp(url, "/v1/jobs") && post)
		return post_job(s, c, b);
	if (!strncmp(url, "/v1/jobs/", 9))
		return job_route(s, c, method, url + 9);
	if (!strcmp(url, "/v1/results") && get)
		return results(s, c);
	if (!strcmp(url, "/v1/results/ack") && post)
		return ack(s, c, b);
	return error(c, 404, "not_found", "no such route");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *size, void **con_cls)
{
	(void)version;
	struct body *b = *con_cls;
	if (!b) {
		b = calloc(1, sizeof *b);
		*con_cls = b;
		return b ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (b->len + *size > MAX_BODY)
			b->too_big = true;
		char *grown = b->too_big ? NULL : realloc(b->data, b->len + *size + 1);
		if (grown) {
			memcpy(grown + b->len, data, *size);
			b->data = grown;
			b->len += *size;
			b->data[b->len] = '\0';
		} else {
			b->too_big = true;
		}
		*size = 0;
		return MHD_YES;
	}
	if (b->too_big)
		return error(c, 413, "too_large", "the body is over 1 MiB");
	return route(cls, c, method, url, b);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct body *b = *con_cls;
	if (b) {
		if (b->data)
			OPENSSL_cleanse(b->data, b->len);
		free(b->data);
		free(b);
	}
	*con_cls = NULL;
}

struct serve *serve_start(const struct serve_cfg *cfg)
{
	struct serve *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cfg = cfg;
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)cfg->port)};
	if (inet_pton(AF_INET, cfg->bind, &sa.sin_addr) != 1) {
		sc_error("listen_address '%s' is not an IPv4 address", cfg->bind);
		free(s);
		return NULL;
	}
	bool tls = cfg->tls && sc_tls_pem_on(cfg->tls);
	char pin[SC_TLS_PIN_LEN + 1] = "";
	if (tls && sc_tls_pem_pin(cfg->tls->cert_pem, pin)) {
		sc_error("listen_tls_cert holds no certificate OpenSSL can read");
		free(s);
		return NULL;
	}
	struct MHD_OptionItem tls_opts[] = {
	    {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
	     tls ? cfg->tls->cert_pem : NULL},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? cfg->tls->key_pem : NULL},
	    {MHD_OPTION_END, 0, NULL},
	};
	s->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0),
	    (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!s->mhd) {
		sc_error("cannot listen on %s:%ld for the server's calls%s", cfg->bind,
		         cfg->port,
		         tls ? " (or listen_tls_cert and listen_tls_key are not a "
		               "certificate and its key)"
		             : "");
		free(s);
		return NULL;
	}
	/* The pin is public: the admin gives it to the server with the URL, so
	 * the server knows it is talking to this daemon. */
	if (tls)
		sc_info(
		    "server_poll: listening on https://%s:%ld for the server's calls; "
		    "certificate public key pin %s",
		    cfg->bind, cfg->port, pin);
	else
		sc_info("server_poll: listening on http://%s:%ld for the server's calls",
		        cfg->bind, cfg->port);
	return s;
}

void serve_stop(struct serve *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	free(s);
}
