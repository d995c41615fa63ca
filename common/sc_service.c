#include "sc_service.h"

#include "sc_log.h"
#include "sc_shutdown.h"
#include "sc_tls.h"

#include <stdio.h>

int sc_service_configure(struct sc_service *s, const struct sc_option *opts, size_t nopts,
                         int argc, char **argv)
{
	char err[512];
	int npos = 0;
	sc_log_init(s->name);
	sc_tls_process_init();
	int rc = sc_config_load(opts, nopts, NULL, argc, argv, &npos, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", s->name, err);
		return -1;
	}
	if (rc == 1)
		return 1;
	if (npos > 0) {
		fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", s->name,
		        argv[1]);
		return -1;
	}
	if (sc_log_set_level(s->log_level)) {
		fprintf(stderr, "%s: log_level: '%s' is not debug, info, warn or error\n",
		        s->name, s->log_level);
		return -1;
	}
	return 0;
}

int sc_service_start(struct sc_service *s, const char *schema,
                     const struct sc_migration *migrations, size_t nmigrations,
                     bool own_http)
{
	sc_shutdown_install();
	sc_info("starting %s %s", s->name, SCANOPY_VERSION);
	if (schema) {
		s->pg = sc_pg_connect(s->database_url, s->db_wait_ms);
		if (!s->pg || sc_pg_migrate(s->pg, schema, migrations, nmigrations))
			return -1;
		atomic_store(&s->pg_ok, true);
	}
	struct sc_nats_tls tls = {s->nats_tls_ca, s->nats_tls_cert, s->nats_tls_key};
	if (sc_nats_connect(&s->nats, s->nats_url, s->name, &tls))
		return -1;
	/* Streams are ensured once NATS is there; until then, keep waiting. */
	while (sc_nats_ensure_streams(&s->nats, (int)s->nats_replicas)) {
		if (sc_shutdown_requested())
			return -1;
		sc_shutdown_sleep(1000);
	}
	if (!own_http) {
		s->ops = sc_ops_start(s->http_bind, s->http_port, sc_service_health, s);
		if (!s->ops)
			return -1;
	}
	return 0;
}

int sc_service_consumer(struct sc_service *s, const char *stream, const char *filter,
                        const char *durable, natsSubscription **sub)
{
	while (sc_nats_pull_consumer(&s->nats, stream, filter, durable, sub)) {
		if (sc_shutdown_requested())
			return -1;
		sc_shutdown_sleep(1000);
	}
	return 0;
}

void sc_service_stop(struct sc_service *s)
{
	sc_ops_stop(s->ops);
	s->ops = NULL;
	sc_nats_close(&s->nats);
	if (s->pg)
		PQfinish(s->pg);
	s->pg = NULL;
	sc_info("%s stopped", s->name);
}

int sc_service_health(void *ctx, char *why, size_t whylen)
{
	struct sc_service *s = ctx;
	if (!sc_nats_connected(&s->nats)) {
		snprintf(why, whylen, "nats disconnected");
		return -1;
	}
	if (s->pg && !atomic_load(&s->pg_ok)) {
		snprintf(why, whylen, "postgres unavailable");
		return -1;
	}
	return 0;
}
