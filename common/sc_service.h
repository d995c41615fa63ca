/* What every server process shares: its common settings, its connections to
 * NATS and PostgreSQL, its schema migrations, its ops endpoint and its health. */
#ifndef SC_SERVICE_H
#define SC_SERVICE_H

#include "sc_config.h"
#include "sc_nats.h"
#include "sc_ops.h"
#include "sc_pg.h"

#include <stdatomic.h>

struct sc_service {
	const char *name;
	char *nats_url, *database_url, *http_bind, *log_level;
	char *nats_tls_ca, *nats_tls_cert, *nats_tls_key; /* sc_nats_tls */
	long http_port, nats_replicas, db_wait_ms;
	struct sc_nats nats;
	PGconn *pg;         /* NULL for services without a schema */
	atomic_bool pg_ok;  /* set by the main loop; read by /healthz */
	struct sc_ops *ops; /* NULL when the service serves ops itself */
};

/* The settings every service takes; `port` is the ops/HTTP port default. */
#define SC_SERVICE_OPTIONS(s, port)                                                      \
	{"nats_url",                                                                     \
	 SC_OPT_STR,                                                                     \
	 "nats://127.0.0.1:4222",                                                        \
	 "NATS server URL",                                                              \
	 &(s)->nats_url,                                                                 \
	 0,                                                                              \
	 0},                                                                             \
	    {"database_url",                                                             \
	     SC_OPT_STR,                                                                 \
	     "postgresql://postgres@127.0.0.1:5433/scanopy",                             \
	     "PostgreSQL URL (libpq; TLS: ?sslmode=verify-full&sslrootcert=CA)",         \
	     &(s)->database_url,                                                         \
	     0,                                                                          \
	     0},                                                                         \
	    {"nats_tls_ca",                                                              \
	     SC_OPT_STR,                                                                 \
	     NULL,                                                                       \
	     "CA file to verify the NATS server with (TLS)",                             \
	     &(s)->nats_tls_ca,                                                          \
	     0,                                                                          \
	     0},                                                                         \
	    {"nats_tls_cert",                                                            \
	     SC_OPT_STR,                                                                 \
	     NULL,                                                                       \
	     "client certificate for NATS (with nats_tls_key)",                          \
	     &(s)->nats_tls_cert,                                                        \
	     0,                                                                          \
	     0},                                                                         \
	    {"nats_tls_key",     SC_OPT_STR, NULL, "client key for NATS",                \
	     &(s)->nats_tls_key, 0,          0},                                         \
	    {"http_bind",                                                                \
	     SC_OPT_STR,                                                                 \
	     "127.0.0.1",                                                                \
	     "address to serve HTTP on",                                                 \
	     &(s)->http_bind,                                                            \
	     0,                                                                          \
	     0},                                                                         \
	    {"http_port",     SC_OPT_INT, port, "HTTP port (/healthz, /metrics)",        \
	     &(s)->http_port, 1,          65535},                                        \
	    {"log_level",     SC_OPT_STR, "info", "debug, info, warn or error",          \
	     &(s)->log_level, 0,          0},                                            \
	    {"nats_replicas",                                                            \
	     SC_OPT_INT,                                                                 \
	     "1",                                                                        \
	     "JetStream stream replicas (3 in a cluster)",                               \
	     &(s)->nats_replicas,                                                        \
	     1,                                                                          \
	     5},                                                                         \
	{                                                                                \
		"db_wait_ms", SC_OPT_INT, "30000",                                       \
		    "how long to wait for PostgreSQL at start", &(s)->db_wait_ms, 0,     \
		    3600000                                                              \
	}

/* Loads the options (printing errors), applying the log level. Returns 0 to
 * run, 1 when --help was served, -1 on a configuration error. */
int sc_service_configure(struct sc_service *s, const struct sc_option *opts, size_t nopts,
                         int argc, char **argv);

/* Connects to PostgreSQL (when schema != NULL) and applies that schema's
 * migrations, connects to NATS and ensures the streams, and starts the ops
 * endpoint unless own_http is set. */
int sc_service_start(struct sc_service *s, const char *schema,
                     const struct sc_migration *migrations, size_t nmigrations,
                     bool own_http);
void sc_service_stop(struct sc_service *s);

/* Binds the service's durable pull consumer on stream, retrying every second
 * until it succeeds or shutdown is requested: while a JetStream cluster elects
 * its leaders, or replicas create the same consumer at once, the first
 * attempts can fail without anything being wrong. */
int sc_service_consumer(struct sc_service *s, const char *stream, const char *filter,
                        const char *durable, natsSubscription **sub);

/* sc_health_fn for a service: NATS connected and PostgreSQL usable. */
int sc_service_health(void *ctx, char *why, size_t whylen);

#endif
