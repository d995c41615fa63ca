#include "sc_ops.h"

#include "sc_log.h"
#include "sc_metrics.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sc_ops {
	struct MHD_Daemon *mhd;
	sc_health_fn health;
	void *ctx;
};

enum MHD_Result sc_http_respond(struct MHD_Connection *conn, unsigned status,
                                const char *content_type, const char *body, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result sc_ops_handle(struct MHD_Connection *conn, const char *url,
                              sc_health_fn health, void *ctx, int *handled)
{
	*handled = 1;
	if (!strcmp(url, "/healthz")) {
		char why[256] = "", body[400];
		int bad = health ? health(ctx, why, sizeof why) : 0;
		/* `why` is our own text (component names and states), never input. */
		int n = snprintf(body, sizeof body, "{\"status\":\"%s\"%s%s%s}\n",
		                 bad ? "unavailable" : "ok", bad ? ",\"reason\":\"" : "",
		                 bad ? why : "", bad ? "\"" : "");
		return sc_http_respond(conn, bad ? 503 : 200, "application/json", body,
		                       (size_t)n);
	}
	if (!strcmp(url, "/metrics")) {
		size_t len;
		char *text = sc_metrics_render(&len);
		if (!text)
			return MHD_NO;
		enum MHD_Result r =
		    sc_http_respond(conn, 200, "text/plain; version=0.0.4", text, len);
		free(text);
		return r;
	}
	*handled = 0;
	return MHD_NO;
}

static enum MHD_Result ops_request(void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version, const char *upload,
                                   size_t *upload_size, void **state)
{
	(void)version;
	(void)upload;
	struct sc_ops *ops = cls;
	if (!*state) { /* first call: headers only */
		*state = ops;
		return MHD_YES;
	}
	if (*upload_size) { /* the ops endpoints take no bodies */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return sc_http_respond(conn, 405, "text/plain", "method not allowed\n",
		                       19);
	int handled;
	enum MHD_Result r = sc_ops_handle(conn, url, ops->health, ops->ctx, &handled);
	if (handled)
		return r;
	return sc_http_respond(conn, 404, "text/plain", "not found\n", 10);
}

int sc_listen_addr(const char *ip, long port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		sc_error("'%s' is not an IPv4 address to listen on", ip);
		return -1;
	}
	return 0;
}

struct sc_ops *sc_ops_start(const char *bind_ip, long port, sc_health_fn health,
                            void *ctx)
{
	struct sockaddr_in sa;
	if (sc_listen_addr(bind_ip, port, &sa))
		return NULL;
	struct sc_ops *ops = calloc(1, sizeof *ops);
	if (!ops)
		return NULL;
	ops->health = health;
	ops->ctx = ctx;
	ops->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	                            (uint16_t)port, NULL, NULL, ops_request, ops,
	                            MHD_OPTION_SOCK_ADDR, &sa,
	                            MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!ops->mhd) {
		sc_error("ops endpoint: cannot listen on %s:%ld", bind_ip, port);
		free(ops);
		return NULL;
	}
	sc_info("ops endpoint on http://%s:%ld (/healthz, /metrics)", bind_ip, port);
	return ops;
}

void sc_ops_stop(struct sc_ops *ops)
{
	if (!ops)
		return;
	MHD_stop_daemon(ops->mhd);
	free(ops);
}
