#include "sc_pg.h"

#include "sc_log.h"
#include "sc_shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PGconn *sc_pg_connect(const char *conninfo, long wait_ms)
{
	for (;;) {
		PGconn *c = PQconnectdb(conninfo);
		if (PQstatus(c) == CONNECTION_OK) {
			/* Quiet NOTICEs (e.g. "schema already exists") in service logs.
			 */
			PQclear(PQexec(c, "SET client_min_messages = warning"));
			return c;
		}
		if (wait_ms <= 0 || sc_shutdown_requested()) {
			/* PQerrorMessage names host and reason, never the password. */
			sc_error("postgres: %s", PQerrorMessage(c));
			PQfinish(c);
			return NULL;
		}
		PQfinish(c);
		sc_shutdown_sleep(250);
		wait_ms -= 250;
	}
}

bool sc_pg_healthy(PGconn *conn)
{
	if (!conn)
		return false;
	if (PQstatus(conn) != CONNECTION_OK) {
		PQreset(conn);
		if (PQstatus(conn) != CONNECTION_OK)
			return false;
		PQclear(PQexec(conn, "SET client_min_messages = warning"));
	}
	return true;
}

PGresult *sc_pg_query(PGconn *conn, const char *sql, int nparams,
                      const char *const *params)
{
	PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	/* The statement text is ours; parameters (which may be secrets) are not logged.
	 */
	sc_error("postgres: %s (in: %.80s)", PQresultErrorMessage(r), sql);
	PQclear(r);
	return NULL;
}

int sc_pg_exec(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult *r = sc_pg_query(conn, sql, nparams, params);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

static bool result_ok(PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

int sc_pg_pipeline(PGconn *conn, const struct sc_pg_stmt *stmts, size_t n, size_t keep,
                   PGresult **kept)
{
	if (!PQenterPipelineMode(conn)) {
		sc_error("postgres: cannot pipeline: %s", PQerrorMessage(conn));
		return -1;
	}
	size_t sent = 0;
	while (sent < n && PQsendQueryParams(conn, stmts[sent].sql, stmts[sent].nparams,
	                                     NULL, stmts[sent].params, NULL, NULL, 0))
		sent++;
	bool ok = sent == n, broken = !PQpipelineSync(conn);
	if (!ok || broken)
		sc_error("postgres: %s", PQerrorMessage(conn));
	PGresult *res = NULL;
	/* Each statement's result is followed by a NULL; a broken connection
	 * gives NULLs only, so a missing result ends the reading. */
	for (size_t i = 0; i < sent && !broken; i++) {
		PGresult *r = PQgetResult(conn);
		if (!r) {
			broken = true;
			break;
		}
		if (ok && !result_ok(r)) {
			/* The statement text is ours; parameters are not logged. */
			sc_error("postgres: %s (in: %.80s)", PQresultErrorMessage(r),
			         stmts[i].sql);
			ok = false;
		}
		if (i == keep && ok && kept)
			res = r;
		else
			PQclear(r);
		while ((r = PQgetResult(conn)))
			PQclear(r);
	}
	if (!broken) { /* the sync's own result */
		PGresult *r = PQgetResult(conn);
		if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
			ok = false;
		PQclear(r);
	}
	if (!PQexitPipelineMode(conn) || broken)
		ok = false;
	if (!ok) {
		PQclear(res);
		return -1;
	}
	if (kept)
		*kept = res;
	return 0;
}

static int applied(PGconn *conn, const char *schema, int version, bool *yes)
{
	char v[16];
	snprintf(v, sizeof v, "%d", version);
	const char *p[] = {schema, v};
	PGresult *r = sc_pg_query(
	    conn,
	    "SELECT 1 FROM pg_catalog.pg_tables t WHERE t.schemaname = $1 AND "
	    "t.tablename = 'schema_migrations'",
	    1, p);
	if (!r)
		return -1;
	bool table = PQntuples(r) > 0;
	PQclear(r);
	*yes = false;
	if (!table)
		return 0;
	/* The schema name cannot be a parameter in FROM; quote it as an identifier. */
	char *ident = PQescapeIdentifier(conn, schema, strlen(schema));
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s.schema_migrations WHERE version = $1",
	         ident);
	PQfreemem(ident);
	r = sc_pg_query(conn, sql, 1, p + 1);
	if (!r)
		return -1;
	*yes = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

static int apply_one(PGconn *conn, const char *ident, const struct sc_migration *m)
{
	char v[16], sql[512];
	snprintf(v, sizeof v, "%d", m->version);
	const char *p[] = {v, m->name};
	snprintf(sql, sizeof sql,
	         "CREATE TABLE IF NOT EXISTS %s.schema_migrations (version int "
	         "PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL "
	         "DEFAULT now())",
	         ident);
	if (sc_pg_exec(conn, "BEGIN", 0, NULL))
		return -1;
	PGresult *r = PQexec(conn, m->sql); /* trusted: compiled into the binary */
	int ok =
	    PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		sc_error("migration %s: %s", m->name, PQresultErrorMessage(r));
	PQclear(r);
	if (ok)
		ok = sc_pg_exec(conn, sql, 0, NULL) == 0;
	if (ok) {
		snprintf(sql, sizeof sql,
		         "INSERT INTO %s.schema_migrations (version, name) VALUES "
		         "($1, $2)",
		         ident);
		ok = sc_pg_exec(conn, sql, 2, p) == 0;
	}
	if (ok && sc_pg_exec(conn, "COMMIT", 0, NULL) == 0) {
		sc_info("migration %s applied", m->name);
		return 0;
	}
	PQclear(PQexec(conn, "ROLLBACK"));
	return -1;
}

int sc_pg_migrate(PGconn *conn, const char *schema, const struct sc_migration *migrations,
                  size_t count)
{
	/* One lock for every schema: services starting together also share
	 * cluster-wide objects (roles, grants) that per-schema locks would race on. */
	if (sc_pg_exec(conn, "SELECT pg_advisory_lock(hashtext('scanopy.migrate'))", 0,
	               NULL))
		return -1;
	char *ident = PQescapeIdentifier(conn, schema, strlen(schema));
	char sql[160];
	snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", ident);
	int rc = sc_pg_exec(conn, sql, 0, NULL);

	/* Files are embedded in version order (their names sort that way). */
	for (size_t i = 0; rc == 0 && i < count; i++) {
		bool done;
		rc = applied(conn, schema, migrations[i].version, &done);
		if (rc == 0 && !done)
			rc = apply_one(conn, ident, &migrations[i]);
	}
	PQfreemem(ident);
	sc_pg_exec(conn, "SELECT pg_advisory_unlock(hashtext('scanopy.migrate'))", 0,
	           NULL);
	return rc;
}
