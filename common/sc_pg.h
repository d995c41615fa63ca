/* PostgreSQL helpers: connecting, parameterised statements only (no helper
 * takes a string to splice into SQL), and the migration runner each service
 * uses for its own schema. */
#ifndef SC_PG_H
#define SC_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* A versioned SQL file, embedded in the binary at build time. */
struct sc_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Connects, retrying for up to wait_ms while the server starts. */
PGconn *sc_pg_connect(const char *conninfo, long wait_ms);

/* Reconnects a broken connection; true when the connection is usable. */
bool sc_pg_healthy(PGconn *conn);

/* Runs a statement with text parameters. Returns the result when its status is
 * a success (caller PQclear()s it), NULL after logging the server's reason. */
PGresult *sc_pg_query(PGconn *conn, const char *sql, int nparams,
                      const char *const *params);
/* Same, for statements whose result is not needed: 0 or -1. */
int sc_pg_exec(PGconn *conn, const char *sql, int nparams, const char *const *params);

/* One statement of a pipeline. */
struct sc_pg_stmt {
	const char *sql;
	int nparams;
	const char *const *params;
};

/* Runs statements in one pipeline (one round trip instead of one each): 0
 * when all succeeded, with the result of stmts[keep] in *kept when kept is
 * not NULL (caller PQclear()s it); -1 after logging the first failure
 * (statements after it are not run). */
int sc_pg_pipeline(PGconn *conn, const struct sc_pg_stmt *stmts, size_t n, size_t keep,
                   PGresult **kept);

/* Applies, in version order, each migration not yet recorded in
 * <schema>.schema_migrations, each in its own transaction, under an advisory
 * lock (one for all schemas) so that replicas and services starting together
 * apply each file exactly once. */
int sc_pg_migrate(PGconn *conn, const char *schema, const struct sc_migration *migrations,
                  size_t count);

#endif
