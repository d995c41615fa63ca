#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include "db.h"
#include "sc_service.h"
#include "sc_tls_pem.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

struct gateway {
	struct sc_service svc;
	struct MHD_Daemon *mhd;
	struct db_pool *db;
	long max_body;
	long threads;
	char *secret_key_file; /* AES-256-GCM key for secrets at rest (secretbox.h) */
	uint8_t secret_key[32];
	bool have_secret_key;
	long rate_limit, rate_burst, login_per_minute; /* 0: no limit */
	char *cors_origins; /* comma-separated origins allowed cross-site */
	struct ratelimit *rl_api, *rl_login;
	char *public_url;         /* how daemons and browsers reach us */
	char *ui_dir;             /* the built web UI; empty: none */
	char *tls_cert, *tls_key; /* PEM files; both set: HTTPS on http_port */
	struct sc_tls_pem tls;
	char *definitions_dir;  /* built-in fingerprint definitions, to check users' */
	long view_stale_max_ms; /* serve a rendered view this far behind; 0: never */
	long daemon_offline_after_s; /* silent this long: offline (daemon_offline.h) */
};

int gateway_http_start(struct gateway *gw);
void gateway_http_stop(struct gateway *gw);

#endif
