/* The gateway's HTTP server: collects each request's body within the size
 * limit, resolves who is asking, checks access, and hands it to its route. */
#include "http.h"

#include "auth.h"
#include "events.h"
#include "ratelimit.h"
#include "reply.h"
#include "routes.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "sc_metrics.h"
#include "ui.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sc_metric *m_requests, *m_errors;

/* api/openapi.json, embedded at build time. */
extern const char openapi_json[];
extern const size_t openapi_json_len;

static enum MHD_Result api_health(struct request *r)
{
	return reply_json(
	    r, 200, json_pack("{s:s, s:s}", "status", "ok", "version", SCANOPY_VERSION));
}

static bool unsafe_method(const char *m)
{
	return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

/* Checks the principal against the route's access level; replies if refused. */
static bool allowed(struct request *r, const struct route *rt, enum MHD_Result *replied)
{
	const struct principal *w = &r->who;
	if (rt->access == ACCESS_PUBLIC)
		return true;
	if (w->not_member) {
		*replied = reply_error(r, 403, "not_a_member",
		                       "X-Scanopy-Organization names an organisation "
		                       "this key's user is no member of",
		                       NULL);
		return false;
	}
	if (w->kind == WHO_NONE) {
		*replied =
		    reply_error(r, 401, "unauthenticated",
		                "missing, unknown, revoked or expired credentials", NULL);
		return false;
	}
	if (rt->access == ACCESS_DAEMON_KEY) {
		if (w->kind == WHO_DAEMON_KEY)
			return true;
		*replied = reply_error(r, 403, "forbidden",
		                       "this route needs a daemon key", NULL);
		return false;
	}
	if (w->kind != WHO_USER) {
		*replied = reply_error(r, 403, "forbidden",
		                       "daemon keys cannot use this route", NULL);
		return false;
	}
	enum role need = rt->access == ACCESS_ADMIN    ? ROLE_ADMIN
	                 : rt->access == ACCESS_MEMBER ? ROLE_MEMBER
	                                               : ROLE_VIEWER;
	if (w->role < need) {
		*replied = reply_error(r, 403, "forbidden",
		                       "your role does not allow this", NULL);
		return false;
	}
	if (w->via_cookie && unsafe_method(r->method)) {
		const char *t = request_header(r, "X-CSRF-Token");
		if (!t || strcmp(t, w->csrf)) {
			*replied = reply_error(r, 403, "csrf",
			                       "missing or wrong X-CSRF-Token", NULL);
			return false;
		}
	}
	return true;
}

/* Every route under /api/v1/networks/{id}: the network must be one the caller
 * may see (row-level security decides: another organisation's, or one a
 * restricted member was not granted, is not there), else 404 before the
 * handler runs. */
static bool network_visible(struct request *r, const struct route *rt,
                            enum MHD_Result *replied)
{
	static const char prefix[] = "/api/v1/networks/{}";
	if (r->who.kind != WHO_USER || strncmp(rt->pattern, prefix, sizeof prefix - 1))
		return true;
	const char *p[] = {r->param[0]};
	PGresult *q = db_tenant_query(r->gw->db, &r->who,
	                              "SELECT 1 FROM core.networks WHERE id = $1", 1, p);
	bool found = q && PQntuples(q) == 1;
	if (!q)
		*replied = reply_db_error(r);
	else if (!found)
		*replied = reply_not_found(r, "no such network");
	PQclear(q);
	return found;
}

/* The client's address, for limits on those not signed in. */
static void client_address(struct request *r, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, len, "?");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET,
		          &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
		          (socklen_t)len);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		          &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
		          (socklen_t)len);
}

/* 429 with Retry-After when the client has used its allowance. Sign-in and
 * setup count per address (guessing passwords), everything else per user,
 * daemon key or, before sign-in, address. */
static bool within_limits(struct request *r, const struct route *rt,
                          enum MHD_Result *replied)
{
	struct gateway *gw = r->gw;
	bool signin = rt->fn == api_login || rt->fn == api_setup;
	struct ratelimit *rl = signin ? gw->rl_login : gw->rl_api;
	if (!rl)
		return true;
	char key[80], addr[INET6_ADDRSTRLEN];
	if (!signin && r->who.kind == WHO_USER)
		snprintf(key, sizeof key, "u:%s", r->who.user_id);
	else if (!signin && r->who.kind == WHO_DAEMON_KEY)
		snprintf(key, sizeof key, "d:%s", r->who.network_id);
	else {
		client_address(r, addr, sizeof addr);
		snprintf(key, sizeof key, "%s:%s", signin ? "login" : "ip", addr);
	}
	unsigned wait = 1;
	if (ratelimit_take(rl, key, sc_now_ms(), &wait))
		return true;
	char v[16];
	snprintf(v, sizeof v, "%u", wait ? wait : 1);
	request_add_header(r, "Retry-After", v);
	*replied =
	    reply_error(r, 429, "rate_limited",
	                "too many requests; retry after the Retry-After seconds", NULL);
	return false;
}

/* CORS for the configured origins only: the allow headers on the answer, and
 * preflight requests answered here. Other origins get no CORS headers, so
 * browsers keep their pages from reading anything. */
static bool cors(struct request *r, enum MHD_Result *replied)
{
	const char *origin = request_header(r, "Origin");
	const char *list = r->gw->cors_origins;
	bool allowed = false;
	size_t ol = origin ? strlen(origin) : 0;
	for (const char *p = list; ol && p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && *p == ' ')
			p++, n--;
		while (n && p[n - 1] == ' ')
			n--;
		if (n == ol && !strncmp(p, origin, n))
			allowed = true;
		p = end ? end + 1 : NULL;
	}
	if (allowed) {
		request_add_header(r, "Access-Control-Allow-Origin", origin);
		request_add_header(r, "Access-Control-Allow-Credentials", "true");
		request_add_header(r, "Vary", "Origin");
		request_add_header(r, "Access-Control-Expose-Headers",
		                   "X-Total-Count, ETag, X-Scanopy-View-Source, "
		                   "X-Scanopy-View-Behind, X-Scanopy-View-Age-Ms");
	}
	if (strcmp(r->method, "OPTIONS") || !origin)
		return false;
	if (allowed) {
		request_add_header(r, "Access-Control-Allow-Methods",
		                   "GET, POST, PATCH, PUT, DELETE");
		request_add_header(
		    r, "Access-Control-Allow-Headers",
		    "Authorization, Content-Type, X-CSRF-Token, If-None-Match, "
		    "Cache-Control, X-Scanopy-Organization");
		request_add_header(r, "Access-Control-Max-Age", "600");
		*replied = reply_empty(r, 204);
	} else {
		*replied = reply_error(r, 403, "forbidden",
		                       "this origin may not call the API", NULL);
	}
	return true;
}

static enum MHD_Result dispatch(struct request *r)
{
	struct gateway *gw = r->gw;
	bool get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	if (get && !strcmp(r->url, "/api/health"))
		return api_health(r);
	if (get && !strcmp(r->url, "/api/openapi.json"))
		return reply_bytes(r, 200, "application/json", openapi_json,
		                   openapi_json_len);
	if (get) {
		int handled;
		enum MHD_Result res =
		    sc_ops_handle(r->conn, r->url, sc_service_health, &gw->svc, &handled);
		if (handled)
			return res;
		/* Everything outside /api/ is the web UI. */
		if (strncmp(r->url, "/api/", 5) && strcmp(r->url, "/api"))
			return ui_serve(r);
	}
	if (r->body_too_large)
		return reply_error(r, 413, "too_large", "the request body is too large",
		                   NULL);

	enum MHD_Result replied;
	if (cors(r, &replied))
		return replied;
	bool path_known;
	const struct route *rt = route_find(r, &path_known);
	if (!rt)
		return path_known
		           ? reply_error(r, 405, "method_not_allowed",
		                         "the route does not take this method", NULL)
		           : reply_not_found(r, "no such route");
	if (rt->access != ACCESS_PUBLIC) {
		PGconn *c = db_acquire(gw->db);
		if (!c)
			return reply_db_error(r);
		int rc = auth_resolve(c, r);
		db_release(gw->db, c);
		if (rc)
			return reply_db_error(r);
	}
	if (!within_limits(r, rt, &replied) || !allowed(r, rt, &replied) ||
	    !network_visible(r, rt, &replied))
		return replied;
	return rt->fn(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **state)
{
	(void)version;
	struct gateway *gw = cls;
	struct request *r = *state;
	if (!r) { /* headers are in: set up, body (if any) follows */
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->gw = gw;
		r->conn = conn;
		r->method = method;
		r->url = url;
		*state = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->body_too_large || r->body_len + n > (size_t)gw->max_body) {
			r->body_too_large = true; /* keep reading, drop it, answer 413 */
			free(r->body);
			r->body = NULL;
			r->body_len = 0;
			return MHD_YES;
		}
		char *grown = realloc(r->body, r->body_len + n + 1);
		if (!grown)
			return MHD_NO;
		memcpy(grown + r->body_len, upload, n);
		r->body = grown;
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}
	sc_metric_add(m_requests, 1);
	enum MHD_Result res = dispatch(r);
	if (r->status >= 500)
		sc_metric_add(m_errors, 1);
	return res;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
                         enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)conn;
	(void)code;
	struct request *r = *state;
	if (r) {
		free(r->body);
		free(r);
	}
	*state = NULL;
}

/* libmicrohttpd's (and GnuTLS's) complaints, e.g. failed TLS handshakes,
 * as one log line each in the service's format. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt,
                                                          va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	sc_warn("http: %s", line);
}

int gateway_http_start(struct gateway *gw)
{
	m_requests =
	    sc_metric_register(SC_METRIC_COUNTER, "scanopy_gateway_requests_total",
	                       "HTTP requests answered");
	m_errors = sc_metric_register(SC_METRIC_COUNTER, "scanopy_gateway_errors_total",
	                              "HTTP requests answered with a 5xx status");
	gw->db = db_pool_open(gw->svc.database_url, (size_t)gw->threads + 1);
	if (!gw->db)
		return -1;
	struct sockaddr_in sa;
	if (sc_listen_addr(gw->svc.http_bind, gw->svc.http_port, &sa))
		return -1;
	if (gw->rate_limit)
		gw->rl_api =
		    ratelimit_new((double)gw->rate_limit, (double)gw->rate_burst);
	if (gw->login_per_minute)
		gw->rl_login = ratelimit_new((double)gw->login_per_minute / 60.0,
		                             (double)gw->login_per_minute);
	if ((gw->rate_limit && !gw->rl_api) || (gw->login_per_minute && !gw->rl_login))
		return -1;
	if (events_start(gw))
		return -1;
	if (sc_tls_pem_load("tls", gw->tls_cert, gw->tls_key, &gw->tls))
		return -1;
	bool tls = sc_tls_pem_on(&gw->tls);
	struct MHD_OptionItem tls_opts[] = {
	    {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, gw->tls.cert_pem},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, gw->tls.key_pem},
	    {MHD_OPTION_END, 0, NULL},
	};
	gw->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	        MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0),
	    0, NULL, NULL, on_request, gw, MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)gw->threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (!gw->mhd) {
		sc_error("cannot listen on %s:%ld%s", gw->svc.http_bind,
		         gw->svc.http_port,
		         tls ? " (or tls_cert and tls_key are not a certificate and "
		               "its key)"
		             : "");
		return -1;
	}
	sc_info("serving %s://%s:%ld", tls ? "https" : "http", gw->svc.http_bind,
	        gw->svc.http_port);
	return 0;
}

void gateway_http_stop(struct gateway *gw)
{
	events_stop(); /* resumes and ends the event streams */
	if (gw->mhd)
		MHD_stop_daemon(gw->mhd);
	gw->mhd = NULL;
	db_pool_close(gw->db);
	gw->db = NULL;
	sc_tls_pem_free(&gw->tls);
	ratelimit_free(gw->rl_api);
	ratelimit_free(gw->rl_login);
	gw->rl_api = gw->rl_login = NULL;
}
