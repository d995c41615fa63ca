/* scanopy-gateway: the HTTP front door on 60072. This first cut serves the
 * health and metrics endpoints and owns the `core` schema; the REST API, the
 * daemon endpoints and the UI are routed through http.c as they arrive. */
#include "http.h"
#include "sc_log.h"
#include "sc_service.h"
#include "sc_shutdown.h"

extern const struct sc_migration core_migrations[];
extern const size_t core_migrations_len;

int main(int argc, char **argv)
{
	static struct gateway gw = {.svc.name = "scanopy-gateway"};
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&gw.svc, "60072"),
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&gw.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}
	rc =
	    sc_service_start(&gw.svc, "core", core_migrations, core_migrations_len, true);
	if (rc == 0)
		rc = gateway_http_start(&gw);
	while (rc == 0 && !sc_shutdown_requested()) {
		/* The HTTP threads use their own connections; here we only
		 * watch the shared one so /healthz tells the truth. */
		atomic_store(&gw.svc.pg_ok, sc_pg_healthy(gw.svc.pg));
		sc_shutdown_sleep(1000);
	}
	gateway_http_stop(&gw);
	sc_service_stop(&gw.svc);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
