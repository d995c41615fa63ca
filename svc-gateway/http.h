#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include "db.h"
#include "sc_service.h"

#include <microhttpd.h>

struct gateway {
	struct sc_service svc;
	struct MHD_Daemon *mhd;
	struct db_pool *db;
	long max_body;
	long threads;
	char *public_url; /* how daemons and browsers reach us */
	char *ui_dir;     /* the built web UI; empty: none */
};

int gateway_http_start(struct gateway *gw);
void gateway_http_stop(struct gateway *gw);

#endif
