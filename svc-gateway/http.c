/* The gateway's HTTP server and router. */
#include "http.h"

#include "sc_log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Request bodies are refused above this size before any parsing. */
#define MAX_BODY (4u << 20)

static enum MHD_Result api_health(struct MHD_Connection *conn)
{
	char body[128];
	int n = snprintf(body, sizeof body, "{\"status\":\"ok\",\"version\":\"%s\"}\n",
	                 SCANOPY_VERSION);
	return sc_http_respond(conn, 200, "application/json", body, (size_t)n);
}

static enum MHD_Result route(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **state)
{
	(void)version;
	(void)upload;
	struct gateway *gw = cls;
	if (!*state) {
		*state = gw;
		return MHD_YES;
	}
	if (*upload_size) {
		/* No route takes a body yet: drain and answer 4xx below. */
		*upload_size = 0;
		return MHD_YES;
	}
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (get && !strcmp(url, "/api/health"))
		return api_health(conn);
	if (get) {
		int handled;
		enum MHD_Result r =
		    sc_ops_handle(conn, url, sc_service_health, &gw->svc, &handled);
		if (handled)
			return r;
	}
	static const char nf[] =
	    "{\"error\":{\"code\":\"not_found\",\"message\":\"no such route\"}}\n";
	return sc_http_respond(conn, 404, "application/json", nf, sizeof nf - 1);
}

int gateway_http_start(struct gateway *gw)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)gw->svc.http_port);
	if (inet_pton(AF_INET, gw->svc.http_bind, &sa.sin_addr) != 1) {
		sc_error("http_bind '%s' is not an IPv4 address", gw->svc.http_bind);
		return -1;
	}
	gw->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, route, gw, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, 4u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(64 * 1024), MHD_OPTION_END);
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
}
