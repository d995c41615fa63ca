/* The like-for-like reference of bench_topology: the rows the model holds
 * after an apply, COPY'd into copies of the model's tables (same columns,
 * defaults, checks, indexes and foreign keys, no logic) in one transaction.
 * Beside plain COPY of the observations it says how much of apply's cost is
 * the writing of the model's rows itself, which no apply can avoid. */
#include "model_copy.h"

#include "bench_pg.h"
#include "sc_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Tables of the model apply writes, parents first (foreign keys). */
static const char *const TABLES[] = {
    "hosts",     "subnets",   "batches",    "host_identities",
    "addresses", "ports",     "services",   "neighbors",
    "fdb",       "arp",       "interfaces", "links",
    "vlans",     "workloads", "changes",
};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

struct table_data {
	char *buf;
	size_t len, cap;
	long rows;
};

static int append(struct table_data *d, const char *s, size_t n)
{
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 1 << 16;
		while (d->len + n > cap)
			cap *= 2;
		char *b = realloc(d->buf, cap);
		if (!b)
			return -1;
		d->buf = b;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, s, n);
	d->len += n;
	return 0;
}

/* Reads a table's rows (COPY TO, text format) into memory. */
static int read_rows(PGconn *pg, const char *table, struct table_data *d)
{
	char sql[128];
	snprintf(sql, sizeof sql, "COPY inv.%s TO STDOUT", table);
	PGresult *r = PQexec(pg, sql);
	int ok = PQresultStatus(r) == PGRES_COPY_OUT;
	PQclear(r);
	if (!ok)
		return -1;
	char *line;
	int n;
	while ((n = PQgetCopyData(pg, &line, 0)) > 0) {
		int rc = append(d, line, (size_t)n);
		PQfreemem(line);
		if (rc)
			return -1;
		d->rows++;
	}
	r = PQgetResult(pg);
	ok = n == -1 && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

/* bench_ref.<table>: the model's table without its rows, with its foreign
 * keys pointing at the copies. */
static int make_copy(PGconn *pg, const char *table)
{
	char sql[256];
	snprintf(sql, sizeof sql, "CREATE TABLE bench_ref.%s (LIKE inv.%s INCLUDING ALL)",
	         table, table);
	if (sc_pg_exec(pg, sql, 0, NULL))
		return -1;
	const char *p[] = {table};
	PGresult *r = sc_pg_query(
	    pg,
	    "SELECT conname, replace(pg_get_constraintdef(oid), 'REFERENCES inv.', "
	    "'REFERENCES bench_ref.') FROM pg_constraint WHERE contype = 'f' AND "
	    "conrelid = ('inv.' || quote_ident($1))::regclass",
	    1, p);
	if (!r)
		return -1;
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		/* Keys to tables not copied (none today) are left out. */
		const char *def = PQgetvalue(r, i, 1);
		const char *ref = strstr(def, "REFERENCES bench_ref.");
		bool copied = false;
		for (size_t t = 0; ref && t < NTABLES; t++) {
			size_t n = strlen(TABLES[t]);
			const char *name = ref + strlen("REFERENCES bench_ref.");
			copied |= !strncmp(name, TABLES[t], n) && name[n] == '(';
		}
		if (!copied)
			continue;
		char alter[1024];
		snprintf(alter, sizeof alter,
		         "ALTER TABLE bench_ref.%s ADD CONSTRAINT %s %s", table,
		         PQgetvalue(r, i, 0), def);
		rc = sc_pg_exec(pg, alter, 0, NULL);
	}
	PQclear(r);
	return rc;
}

static int copy_in(PGconn *pg, const char *table, const struct table_data *d)
{
	char sql[128];
	snprintf(sql, sizeof sql, "COPY bench_ref.%s FROM STDIN", table);
	PGresult *r = PQexec(pg, sql);
	int ok = PQresultStatus(r) == PGRES_COPY_IN;
	PQclear(r);
	if (!ok || (d->len && PQputCopyData(pg, d->buf, (int)d->len) != 1) ||
	    PQputCopyEnd(pg, NULL) != 1)
		return -1;
	r = PQgetResult(pg);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

int model_copy(PGconn *pg, struct model_copy_result *out)
{
	struct table_data d[NTABLES] = {{0}};
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (sc_pg_exec(pg, "DROP SCHEMA IF EXISTS bench_ref CASCADE", 0, NULL) ||
	    sc_pg_exec(pg, "CREATE SCHEMA bench_ref", 0, NULL))
		goto done;
	for (size_t t = 0; t < NTABLES; t++)
		if (read_rows(pg, TABLES[t], &d[t]) || make_copy(pg, TABLES[t]))
			goto done;
	double w0 = bench_wal_bytes(pg), t0 = bench_now_s();
	if (sc_pg_exec(pg, "BEGIN", 0, NULL))
		goto done;
	for (size_t t = 0; t < NTABLES; t++) {
		if (copy_in(pg, TABLES[t], &d[t])) {
			fprintf(stderr, "bench_topology: COPY into bench_ref.%s: %s",
			        TABLES[t], PQerrorMessage(pg));
			sc_pg_exec(pg, "ROLLBACK", 0, NULL);
			goto done;
		}
		out->rows += d[t].rows;
		out->tables += d[t].rows > 0;
	}
	if (sc_pg_exec(pg, "COMMIT", 0, NULL))
		goto done;
	out->seconds = bench_now_s() - t0;
	out->wal_bytes = bench_wal_bytes(pg) - w0;
	rc = 0;
done:
	for (size_t t = 0; t < NTABLES; t++)
		free(d[t].buf);
	return rc;
}
