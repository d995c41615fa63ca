/* The gateway's HTTP server: collects each request's body within the size
 * limit, resolves who is asking, checks access, and hands it to its route. */
#include "http.h"

#include "auth.h"
#include "reply.h"
#include "routes.h"
#include "sc_log.h"
#include "sc_metrics.h"
#include "ui.h"

#include <arpa/inet.h>
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
	enum MHD_Result replied;
	if (!allowed(r, rt, &replied))
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
	gw->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, on_request, gw, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)gw->threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!gw->mhd) {
		sc_error("cannot listen on %s:%ld", gw->svc.http_bind, gw->svc.http_port);
		return -1;
	}
	sc_info("serving http://%s:%ld", gw->svc.http_bind, gw->svc.http_port);
	return 0;
}

void gateway_http_stop(struct gateway *gw)
{
	if (gw->mhd)
		MHD_stop_daemon(gw->mhd);
	gw->mhd = NULL;
	db_pool_close(gw->db);
	gw->db = NULL;
}
