/* The gateway's PostgreSQL connections: a small pool shared by the HTTP
 * threads, and tenant transactions in which row-level security applies. */
#ifndef GATEWAY_DB_H
#define GATEWAY_DB_H

#include <libpq-fe.h>
#include <stddef.h>

struct db_pool;
struct principal;

struct db_pool *db_pool_open(const char *conninfo, size_t size);
void db_pool_close(struct db_pool *p);

/* Takes a connection (waiting for one), reconnecting it if it broke; NULL
 * when the database is unreachable. */
PGconn *db_acquire(struct db_pool *p);
void db_release(struct db_pool *p, PGconn *c);

/* Starts a transaction that sees only what `who` may see: it sets the tenant
 * (scanopy.org_id) and, for a caller held to some networks (a restricted
 * member or viewer, a daemon key), those networks (scanopy.network_ids), and
 * switches to the unprivileged scanopy_tenant role, so row-level security
 * holds even for a statement that forgets its WHERE clause. */
int db_begin_tenant(PGconn *c, const struct principal *who);
/* Commits (rc == 0) or rolls back; returns rc, or -1 if the commit failed. */
int db_end(PGconn *c, int rc);

/* Runs one statement in a tenant transaction of its own, on a pooled
 * connection: the result once committed (caller PQclear()s), else NULL. */
PGresult *db_tenant_query(struct db_pool *p, const struct principal *who, const char *sql,
                          int nparams, const char *const *params);

/* Runs one statement outside any tenant, on a pooled connection: only for
 * what no tenant owns alone, keyed by the authenticated caller's own ids (their
 * memberships across organisations, sign-in). Caller PQclear()s; NULL on
 * error. */
PGresult *db_query(struct db_pool *p, const char *sql, int nparams,
                   const char *const *params);

#endif
