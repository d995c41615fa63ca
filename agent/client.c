#include "client.h"

#include "sc_batch.h"
#include "sc_log.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SKEW_WARN_MS 60000
#define WHY_LEN (CURL_ERROR_SIZE + 256)

struct buffer {
	char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buffer *b = arg;
	size_t add = size * n;
	if (b->len + add > 1 << 20) /* answers are small; refuse a flood */
		return 0;
	char *grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, p, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

static bool loopback_url(const char *url)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	static const char *const local[] = {"127.", "localhost", "[::1]"};
	for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
		if (!strncmp(host, local[i], strlen(local[i])))
			return true;
	return false;
}

int client_check_transport(const char *server_url, const char *ca_file, const char *pin)
{
	bool https = !strncasecmp(server_url, "https://", 8);
	ca_file = ca_file && *ca_file ? ca_file : NULL;
	pin = pin && *pin ? pin : NULL;
	if ((ca_file || pin) && !https) {
		sc_error(
		    "--server-ca and --server-pin need an https:// server URL, not %s",
		    server_url);
		return -1;
	}
	if (ca_file && access(ca_file, R_OK)) {
		sc_error("--server-ca %s: %s", ca_file, strerror(errno));
		return -1;
	}
	if (!https && !loopback_url(server_url))
		sc_warn("%s is plain HTTP: the daemon key and every observation cross "
		        "the network unencrypted; give the gateway a certificate "
		        "(tls_cert, tls_key) and use https://",
		        server_url);
	return 0;
}

/* curl's reason, and what to do about it when it is about trust. */
static void explain(CURLcode rc, const char *err, char *why, size_t whylen)
{
	const char *hint = "";
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		hint = " - the server's certificate is not trusted: give the CA that "
		       "signed it with --server-ca (SCANOPY_SERVER_CA)";
	else if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
		hint = " - the server's public key does not match --server-pin";
	else if (rc == CURLE_SSL_CACERT_BADFILE)
		hint = " - --server-ca holds no usable PEM certificate";
	snprintf(why, whylen, "%s%s", err[0] ? err : curl_easy_strerror(rc), hint);
}

void client_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void client_global_cleanup(void)
{
	curl_global_cleanup();
}

static void error_message(const struct buffer *b, char *out, size_t len);

/* What one call says of the server's reachability (link.h). */
static void note_link(struct client *c, long status, const struct buffer *out,
                      const char *why)
{
	if (!c->link)
		return;
	char msg[WHY_LEN];
	int64_t now = sc_now_ms();
	if (status == 0) {
		link_fail(c->link, now, why);
	} else if (status >= 500) {
		snprintf(msg, sizeof msg, "HTTP %ld from the server", status);
		link_fail(c->link, now, msg);
	} else if (status >= 400) {
		char m[200];
		error_message(out, m, sizeof m);
		snprintf(msg, sizeof msg, "HTTP %ld: %s", status, m);
		link_refused(c->link, now, msg);
	} else {
		link_ok(c->link, now);
	}
}

/* POSTs body to url path (GETs it when body is NULL), with one optional
 * extra header line; returns the HTTP status, or 0 when no answer came (with
 * the transport error in `why`). The answer body lands in out. */
static long call(struct client *c, const char *path, const char *type, const void *body,
                 size_t len, const char *extra, struct buffer *out, char *why,
                 size_t whylen)
{
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	char url[1024], auth[512], ctype[96];
	snprintf(url, sizeof url, "%s%s", c->server_url, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->api_key);
	snprintf(ctype, sizeof ctype, "Content-Type: %s", type);
	struct curl_slist *hdrs = curl_slist_append(NULL, auth);
	hdrs = curl_slist_append(hdrs, ctype);
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (extra)
		hdrs = curl_slist_append(hdrs, extra);
	char err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "scanopy-daemon/" SCANOPY_VERSION);
	/* https:// is verified (peer and host name) by default; these narrow it. */
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->pin)
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, c->pin);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		explain(rc, err, why, whylen);
	note_link(c, status, out, why);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return status;
}

static long post(struct client *c, const char *path, const char *type, const void *body,
                 size_t len, struct buffer *out, char *why, size_t whylen)
{
	return call(c, path, type, body, len, NULL, out, why, whylen);
}

/* The error message of a JSON error answer, for the log. */
static void error_message(const struct buffer *b, char *out, size_t len)
{
	json_t *j = b->data ? json_loads(b->data, 0, NULL) : NULL;
	const char *m =
	    json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	snprintf(out, len, "%s", m ? m : "no details");
	json_decref(j);
}

static void note_clock(struct client *c, json_t *answer)
{
	json_t *t = json_object_get(answer, "server_time_ms");
	if (!json_is_integer(t))
		return;
	c->clock_skew_ms = json_integer_value(t) - sc_now_ms();
	if (c->clock_skew_ms > SKEW_WARN_MS || c->clock_skew_ms < -SKEW_WARN_MS)
		sc_warn("this machine's clock is %lld s off the server's; fix NTP, or "
		        "observation times will be wrong",
		        (long long)(c->clock_skew_ms / 1000));
}

int client_register(struct client *c, const struct registration *reg)
{
	json_t *subnets = json_array();
	for (size_t i = 0; i < reg->nsubnets; i++)
		json_array_append_new(subnets, json_string(reg->subnets[i]));
	json_t *body = json_pack("{s:s, s:s, s:s, s:s?, s:{s:b, s:o}}", "name", reg->name,
	                         "version", reg->version, "mode", reg->mode, "hostname",
	                         reg->hostname, "capabilities", "docker_socket",
	                         reg->docker_socket, "subnets", subnets);
	if (c->daemon_id[0])
		json_object_set_new(body, "daemon_id", json_string(c->daemon_id));
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return -1;
	struct buffer out = {0};
	char why[WHY_LEN] = "";
	long status = post(c, "/api/v1/daemons/register", "application/json", text,
	                   strlen(text), &out, why, sizeof why);
	free(text);
	int rc = -1;
	if (status == 0) {
		sc_error("cannot reach the server at %s: %s (will keep trying)",
		         c->server_url, why);
	} else if (status == 200) {
		json_t *j = json_loads(out.data, 0, NULL);
		const char *id = json_string_value(json_object_get(j, "daemon_id"));
		const char *org = json_string_value(json_object_get(j, "org_id"));
		const char *net = json_string_value(json_object_get(j, "network_id"));
		if (id && org && net) {
			snprintf(c->daemon_id, sizeof c->daemon_id, "%s", id);
			snprintf(c->org_id, sizeof c->org_id, "%s", org);
			snprintf(c->network_id, sizeof c->network_id, "%s", net);
			note_clock(c, j);
			rc = 0;
		} else {
			sc_error("the server's registration answer lacks ids");
		}
		json_decref(j);
	} else {
		error_message(&out, why, sizeof why);
		if (status == 401)
			sc_error(
			    "the server refused the API key (%s): check --api-key; a new "
			    "key may not be active yet, or it was revoked or expired",
			    why);
		else if (status == 426)
			sc_error("the server needs another daemon version: %s", why);
		else if (status == 403)
			sc_error("the API key is not a daemon key: %s", why);
		else
			sc_error("registration failed with HTTP %ld: %s", status, why);
		rc = status >= 500 ? -1 : -2;
	}
	free(out.data);
	return rc;
}

int client_heartbeat(struct client *c, json_t **answer)
{
	char path[128], why[WHY_LEN] = "";
	snprintf(path, sizeof path, "/api/v1/daemons/%s/heartbeat", c->daemon_id);
	struct buffer out = {0};
	long status = post(c, path, "application/json", "{}", 2, &out, why, sizeof why);
	*answer = NULL;
	if (status == 200) {
		*answer = json_loads(out.data, 0, NULL);
		note_clock(c, *answer);
	} else if (status == 0) {
		sc_warn("heartbeat: server unreachable: %s", why);
	} else {
		error_message(&out, why, sizeof why);
		sc_warn("heartbeat: HTTP %ld: %s", status, why);
	}
	free(out.data);
	return *answer ? 0 : -1;
}

int client_progress(struct client *c, const char *session_id, const char *state,
                    int percent, const char *phase, const char *reason,
                    const char *summary, long hosts, long ports)
{
	char path[192], why[WHY_LEN] = "";
	snprintf(path, sizeof path, "/api/v1/daemons/%s/sessions/%s/progress",
	         c->daemon_id, session_id);
	json_t *body = json_pack("{s:s, s:s?, s:s?, s:s?}", "state", state, "phase",
	                         phase, "reason", reason, "summary", summary);
	if (percent >= 0)
		json_object_set_new(body, "progress", json_integer(percent));
	if (hosts >= 0)
		json_object_set_new(body, "hosts_found", json_integer(hosts));
	if (ports >= 0)
		json_object_set_new(body, "ports_found", json_integer(ports));
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return -1;
	struct buffer out = {0};
	long status =
	    post(c, path, "application/json", text, strlen(text), &out, why, sizeof why);
	free(text);
	int rc = -1;
	if (status == 200) {
		json_t *j = json_loads(out.data, 0, NULL);
		rc = json_is_true(json_object_get(j, "cancel")) ? 1 : 0;
		json_decref(j);
	} else if (status == 409) {
		rc = 1; /* the session is no longer open: stop working on it */
	} else {
		if (status)
			error_message(&out, why, sizeof why);
		sc_warn("session %s: progress not recorded (HTTP %ld): %s", session_id,
		        status, why);
	}
	free(out.data);
	return rc;
}

enum send_result client_send_batch(void *arg, uint64_t sequence, const uint8_t *batch,
                                   size_t len)
{
	(void)sequence; /* the gateway reads it from the header */
	struct client *c = arg;
	char path[128], why[WHY_LEN] = "";
	snprintf(path, sizeof path, "/api/v1/daemons/%s/batches", c->daemon_id);
	struct buffer out = {0};
	long status =
	    post(c, path, "application/x-protobuf", batch, len, &out, why, sizeof why);
	enum send_result r = SEND_RETRY;
	if (status == 202) {
		r = SEND_OK;
	} else if (status == 400 || status == 413 || status == 415 || status == 422) {
		error_message(&out, why, sizeof why);
		sc_error("the server rejected a batch (HTTP %ld): %s", status, why);
		r = SEND_REJECTED;
	} else if (status) {
		sc_warn("batch upload: HTTP %ld; will retry", status);
	}
	free(out.data);
	return r;
}

int client_probe_plan(struct client *c, const char *have_version, char **plan)
{
	char why[WHY_LEN] = "", inm[128] = "";
	if (have_version)
		snprintf(inm, sizeof inm, "If-None-Match: \"%s\"", have_version);
	struct buffer out = {0};
	long status = call(c, "/api/v1/probe-plan", "application/json", NULL, 0,
	                   have_version ? inm : NULL, &out, why, sizeof why);
	int rc = -1;
	*plan = NULL;
	if (status == 200 && out.data) {
		*plan = out.data;
		out.data = NULL;
		rc = 0;
	} else if (status == 304) {
		rc = 1;
	} else if (status == 0) {
		sc_warn("probe plan: server unreachable: %s", why);
	} else {
		error_message(&out, why, sizeof why);
		sc_warn("probe plan: HTTP %ld: %s", status, why);
	}
	free(out.data);
	return rc;
}
