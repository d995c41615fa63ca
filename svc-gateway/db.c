#include "db.h"

#include "request.h"
#include "sc_log.h"
#include "sc_pg.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *conninfo;
	size_t size, nfree;
	PGconn **free_list;
};

struct db_pool *db_pool_open(const char *conninfo, size_t size)
{
	struct db_pool *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->free_list = calloc(size, sizeof *p->free_list);
	p->conninfo = strdup(conninfo);
	if (!p->free_list || !p->conninfo) {
		db_pool_close(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->size = size;
	for (size_t i = 0; i < size; i++) {
		/* Connections open lazily; NULL slots are connected on acquire. */
		p->free_list[p->nfree++] = NULL;
	}
	return p;
}

void db_pool_close(struct db_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfree; i++)
		if (p->free_list[i])
			PQfinish(p->free_list[i]);
	free(p->free_list);
	free(p->conninfo);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	free(p);
}

PGconn *db_acquire(struct db_pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->nfree == 0)
		pthread_cond_wait(&p->freed, &p->lock);
	PGconn *c = p->free_list[--p->nfree];
	pthread_mutex_unlock(&p->lock);

	if (!c) {
		c = sc_pg_connect(p->conninfo, 0);
	} else if (!sc_pg_healthy(c)) {
		PQfinish(c);
		c = sc_pg_connect(p->conninfo, 0);
	}
	if (!c) /* give the slot back empty so the pool never shrinks */
		db_release(p, NULL);
	return c;
}

void db_release(struct db_pool *p, PGconn *c)
{
	if (c && PQtransactionStatus(c) != PQTRANS_IDLE) {
		/* A handler returned mid-transaction: never hand that on. */
		PQclear(PQexec(c, "ROLLBACK"));
	}
	pthread_mutex_lock(&p->lock);
	p->free_list[p->nfree++] = c;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/* The networks a restricted user may see, as a uuid[] literal, read under
 * the tenant role (so only the organisation's grants count). */
#define USER_NETWORKS                                                                    \
	"SELECT set_config('scanopy.network_ids', '{' || "                               \
	"coalesce(string_agg(a.network_id::"                                             \
	"text, ','), '') || '}', true) FROM core.network_access a WHERE a.user_id = $1"

/* The statements that open a tenant transaction, then `sql` when given, then
 * COMMIT: all sent as one pipeline. `nets` and `params` hold the parameters
 * and must outlive the pipeline. */
struct tenant_tx {
	char nets[48];
	const char *scope[2], *user[1];
	struct sc_pg_stmt stmts[6];
	size_t n, query;
};

static void tenant_tx_init(struct tenant_tx *t, const struct principal *who)
{
	t->nets[0] = '\0';
	if (who->kind == WHO_DAEMON_KEY)
		snprintf(t->nets, sizeof t->nets, "{%s}", who->network_id);
	t->scope[0] = who->org_id, t->scope[1] = t->nets;
	t->user[0] = who->user_id;
	t->n = 0;
	t->stmts[t->n++] = (struct sc_pg_stmt){"BEGIN", 0, NULL};
	t->stmts[t->n++] = (struct sc_pg_stmt){"SELECT set_config('scanopy.org_id', $1, "
	                                       "true), set_config('scanopy.network_ids', "
	                                       "$2, true)",
	                                       2, t->scope};
	t->stmts[t->n++] = (struct sc_pg_stmt){"SET LOCAL ROLE scanopy_tenant", 0, NULL};
	if (who->kind == WHO_USER && who->restricted)
		t->stmts[t->n++] = (struct sc_pg_stmt){USER_NETWORKS, 1, t->user};
	t->query = t->n;
}

/* Rolls back whatever a failed pipeline left open. */
static void rollback_open(PGconn *c)
{
	if (PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
}

int db_begin_tenant(PGconn *c, const struct principal *who)
{
	struct tenant_tx t;
	tenant_tx_init(&t, who);
	if (sc_pg_pipeline(c, t.stmts, t.n, t.n, NULL)) {
		rollback_open(c);
		return -1;
	}
	return 0;
}

int db_end(PGconn *c, int rc)
{
	if (rc == 0 && sc_pg_exec(c, "COMMIT", 0, NULL) == 0)
		return 0;
	PQclear(PQexec(c, "ROLLBACK"));
	return -1;
}

/* One round trip: BEGIN, the tenant's settings, the statement, COMMIT. */
PGresult *db_tenant_query(struct db_pool *p, const struct principal *who, const char *sql,
                          int nparams, const char *const *params)
{
	PGconn *c = db_acquire(p);
	if (!c)
		return NULL;
	struct tenant_tx t;
	tenant_tx_init(&t, who);
	t.stmts[t.n++] = (struct sc_pg_stmt){sql, nparams, params};
	t.stmts[t.n++] = (struct sc_pg_stmt){"COMMIT", 0, NULL};
	PGresult *q = NULL;
	if (sc_pg_pipeline(c, t.stmts, t.n, t.query, &q))
		rollback_open(c);
	db_release(p, c);
	return q;
}

PGresult *db_query(struct db_pool *p, const char *sql, int nparams,
                   const char *const *params)
{
	PGconn *c = db_acquire(p);
	if (!c)
		return NULL;
	PGresult *q = sc_pg_query(c, sql, nparams, params);
	db_release(p, c);
	return q;
}
