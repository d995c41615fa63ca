/* scanopy-gateway: the HTTP front door on 60072: the REST API for people and
 * scripts, the endpoints daemons call, health and metrics. It owns the `core`
 * schema (organisations, users, networks, daemons, keys). */
#include "daemon_offline.h"
#include "http.h"
#include "routes.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "sc_service.h"
#include "sc_shutdown.h"
#include "secretbox.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

extern const struct sc_migration core_migrations[];
extern const size_t core_migrations_len;

/* Without a usable key the gateway runs, and refuses SNMP credentials. */
static void load_secret_key(struct gateway *gw)
{
	char why[512], dir[512];
	snprintf(dir, sizeof dir, "%s", gw->secret_key_file);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0700) && errno != EEXIST)
			sc_warn("cannot create %s: %s", dir, strerror(errno));
	}
	if (secretbox_load_key(gw->secret_key_file, gw->secret_key, why, sizeof why) == 0)
		gw->have_secret_key = true;
	else
		sc_error("%s: SNMP credentials cannot be stored until this is fixed",
		         why);
}

int main(int argc, char **argv)
{
	static struct gateway gw = {.svc.name = "scanopy-gateway"};
	bool print_routes = false;
	long offline_sweep_ms = 10000;
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&gw.svc, "60072"),
	    {"max_body", SC_OPT_INT, "4194304", "largest request body accepted, bytes",
	     &gw.max_body, 1024, 64L << 20},
	    {"threads", SC_OPT_INT, "4", "HTTP worker threads", &gw.threads, 1, 256},
	    {"secret_key_file", SC_OPT_STR, "/var/lib/scanopy/gateway-secret.key",
	     "key for secrets at rest (SNMP credentials); made on first start, mode 600",
	     &gw.secret_key_file, 0, 0},
	    {"rate_limit", SC_OPT_INT, "50",
	     "requests per second per user, key or address (0: no limit)", &gw.rate_limit,
	     0, 1000000},
	    {"rate_burst", SC_OPT_INT, "200", "requests a client may send at once",
	     &gw.rate_burst, 1, 1000000},
	    {"login_per_minute", SC_OPT_INT, "10",
	     "sign-in and setup attempts per minute per address (0: no limit)",
	     &gw.login_per_minute, 0, 100000},
	    {"cors_origins", SC_OPT_STR, "",
	     "origins (scheme://host[:port], comma-separated) allowed to call the API "
	     "from a browser page of their own",
	     &gw.cors_origins, 0, 0},
	    {"ui_dir", SC_OPT_STR, SCANOPY_UI_DIR,
	     "the built web UI (index.html, assets/); empty serves none", &gw.ui_dir, 0,
	     0},
	    {"tls_cert", SC_OPT_STR, NULL,
	     "certificate chain (PEM) to serve HTTPS with on http_port, with tls_key",
	     &gw.tls_cert, 0, 0},
	    {"tls_key", SC_OPT_STR, NULL, "the certificate's private key (PEM)",
	     &gw.tls_key, 0, 0},
	    {"definitions_dir", SC_OPT_STR, FP_DEFAULT_DEFINITIONS_DIR,
	     "the fingerprint service's built-in definitions, over which an "
	     "organisation's own are checked",
	     &gw.definitions_dir, 0, 0},
	    {"view_stale_max_ms", SC_OPT_INT, "30000",
	     "while a network keeps changing, serve its views as last rendered ahead "
	     "if rendered at most this long ago (users' edits always show at once; "
	     "0: only current ones)",
	     &gw.view_stale_max_ms, 0, 3600000},
	    {"daemon_offline_after_s", SC_OPT_INT, "120",
	     "a daemon not heard from for this long is offline: announced (a "
	     "\"daemon\" event), and its open sessions failed by the scheduler, "
	     "which reads this value from the database",
	     &gw.daemon_offline_after_s, 1, 86400 * 30},
	    {"daemon_offline_sweep_ms", SC_OPT_INT, "10000",
	     "how often to look for daemons that went silent", &offline_sweep_ms, 100,
	     3600000},
	    {"print_routes", SC_OPT_BOOL, "false", "print the API routes and exit",
	     &print_routes, 0, 0},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&gw.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}
	if (print_routes) {
		routes_print();
		sc_config_free(opts, nopts);
		return 0;
	}
	load_secret_key(&gw);
	rc =
	    sc_service_start(&gw.svc, "core", core_migrations, core_migrations_len, true);
	if (rc == 0)
		rc = gateway_http_start(&gw);
	int64_t next_sweep = 0;
	bool published = false;
	while (rc == 0 && !sc_shutdown_requested()) {
		/* The HTTP threads use their own connections; here we watch
		 * the shared one so /healthz tells the truth, and sweep for
		 * daemons that went silent on it. */
		bool ok = sc_pg_healthy(gw.svc.pg);
		atomic_store(&gw.svc.pg_ok, ok);
		if (ok && !published)
			published = daemon_offline_publish(
			                gw.svc.pg, gw.daemon_offline_after_s) == 0;
		if (ok && sc_now_ms() >= next_sweep) {
			daemon_offline_sweep(&gw, gw.svc.pg, gw.daemon_offline_after_s);
			next_sweep = sc_now_ms() + offline_sweep_ms;
		}
		sc_shutdown_sleep(offline_sweep_ms < 1000 ? offline_sweep_ms : 1000);
	}
	gateway_http_stop(&gw);
	sc_service_stop(&gw.svc);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
