/* Rendering each network's views ahead of the requests: see view_cache.h. */
#include "view_cache.h"

#include "sc_gzip.h"
#include "sc_log.h"
#include "sc_pg.h"
#include "sc_shutdown.h"
#include "views_sql.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
	const char *name, *const *sql;
} views[] = {{"l2", &view_sql_l2},
             {"l3", &view_sql_l3},
             {"workloads", &view_sql_workloads},
             {"applications", &view_sql_applications}};
#define NVIEWS (sizeof views / sizeof views[0])
#define NVIEWS_TEXT "4" /* NVIEWS, as the queries below take it */
_Static_assert(NVIEWS == 4, "NVIEWS_TEXT must say how many views there are");

int view_cache_touch(PGconn *pg, const char *org, const char *network)
{
	const char *p[] = {org, network};
	/* A scan's change: the gateway may serve the last rendering a while
	 * (users' edits use inv.view_touch, which it may not: 0016). */
	return sc_pg_exec(pg, "SELECT inv.view_touch_scan($1, $2)", 2, p);
}

/* The earliest time a node of the network turns stale (the views flag what
 * was last seen more than 7 days ago), among those that are not yet: the
 * views rendered now are right until then. NULL when none will. */
#define FRESH_UNTIL_SQL                                                                  \
	"SELECT min(t) + interval '7 days' FROM (SELECT min(last_seen) AS t FROM "       \
	"inv.hosts WHERE network_id = $1 AND last_seen >= now() - interval '7 days' "    \
	"UNION ALL SELECT min(last_seen) FROM inv.subnets WHERE network_id = $1 AND "    \
	"last_seen >= now() - interval '7 days' UNION ALL SELECT min(last_seen) FROM "   \
	"inv.workloads WHERE network_id = $1 AND last_seen >= now() - interval '7 "      \
	"days' UNION ALL SELECT min(last_seen) FROM inv.applications WHERE "             \
	"network_id = $1 AND last_seen >= now() - interval '7 days' UNION ALL SELECT "   \
	"min(s.last_seen) FROM inv.services s JOIN inv.hosts h ON h.id = s.host_id "     \
	"WHERE h.network_id = $1 AND s.last_seen >= now() - interval '7 days') x"

/* Whether a host of the network is stale (not seen for 7 days). */
#define STALE_HOSTS_SQL                                                                  \
	"EXISTS (SELECT 1 FROM inv.hosts WHERE network_id = $1 AND last_seen < now() - " \
	"interval '7 days')"

/* Stores one view's reply, gzip: only ever moves a cache forward. */
static const char UPSERT_SQL[] =
    "INSERT INTO inv.view_cache AS c (network_id, view, org_id, generation, "
    "built_at, fresh_until, build_ms, doc, stale_hosts) VALUES ($1, $2, $3, $4, "
    "now(), $5, $6, $7, $8) ON CONFLICT (network_id, view) DO UPDATE SET org_id = "
    "EXCLUDED.org_id, generation = EXCLUDED.generation, built_at = "
    "EXCLUDED.built_at, fresh_until = EXCLUDED.fresh_until, build_ms = "
    "EXCLUDED.build_ms, doc = EXCLUDED.doc, stale_hosts = EXCLUDED.stale_hosts "
    "WHERE c.generation <= EXCLUDED.generation";

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Renders one view (in the snapshot of the refresh) and stores its reply:
 * the graph wrapped as the gateway serves it, generated at the snapshot's
 * time, gzip, with whether a host was stale in that snapshot ("t"/"f"). */
static int render_one(PGconn *pg, const char *org, const char *network, size_t v,
                      const char *gen, const char *fresh, const char *at,
                      const char *stale_hosts)
{
	double t0 = now_ms();
	const char *vp[VIEW_NPARAMS] = VIEW_PARAMS_ALL(network);
	PGresult *r = sc_pg_query(pg, *views[v].sql, VIEW_NPARAMS, vp);
	if (!r)
		return -1;
	const char *graph = PQgetvalue(r, 0, 0);
	size_t glen = (size_t)PQgetlength(r, 0, 0);
	char head[256];
	int hn = snprintf(head, sizeof head,
	                  "{\"view\":\"%s\",\"network_id\":\"%s\",\"generated_at\":"
	                  "\"%s\",",
	                  views[v].name, network, at);
	char *doc = NULL;
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	int rc = -1;
	if (hn > 0 && (size_t)hn < sizeof head && glen >= 2 && graph[0] == '{' &&
	    (doc = malloc((size_t)hn + glen))) {
		memcpy(doc, head, (size_t)hn);
		memcpy(doc + hn, graph + 1, glen - 1);
		rc = sc_gzip(doc, (size_t)hn + glen - 1, 6, &gz, &gzlen);
	}
	free(doc);
	PQclear(r);
	if (rc)
		return -1;
	char ms[24];
	snprintf(ms, sizeof ms, "%.0f", now_ms() - t0);
	const char *up[] = {network, views[v].name, org,        gen, fresh,
	                    ms,      (char *)gz,    stale_hosts};
	int lens[] = {0, 0, 0, 0, 0, 0, (int)gzlen, 0}, fmts[] = {0, 0, 0, 0, 0, 0, 1, 0};
	r = PQexecParams(pg, UPSERT_SQL, 8, NULL, up, lens, fmts, 0);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc)
		sc_warn("view cache: %s", PQerrorMessage(pg));
	PQclear(r);
	free(gz);
	return rc;
}

/* Inside the refresh transaction: 1 rendered, 0 nothing to do, -1 error. */
static int refresh_in_tx(PGconn *pg, const char *org, const char *network)
{
	const char *p[] = {network, org};
	PGresult *r = sc_pg_query(
	    pg, "SELECT pg_try_advisory_xact_lock(hashtextextended('view:' || $1, 0))", 1,
	    p);
	if (!r)
		return -1;
	bool mine = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!mine) /* another replica is rendering it */
		return 0;
	if (sc_pg_exec(pg, "SELECT set_config('scanopy.org_id', $1, true)", 1, p + 1))
		return -1;
	/* The generation this snapshot sees, if any view is behind it. */
	r = sc_pg_query(
	    pg,
	    "SELECT s.generation, (" FRESH_UNTIL_SQL "), to_char(now() AT "
	    "TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " STALE_HOSTS_SQL
	    " FROM "
	    "inv.view_state s WHERE s.network_id = $1 AND (SELECT "
	    "count(*) FROM inv.view_cache c WHERE c.network_id = $1 AND "
	    "c.generation = s.generation AND (c.fresh_until IS NULL OR "
	    "c.fresh_until > now())) < " NVIEWS_TEXT,
	    1, p);
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	char gen[24], fresh[64], at[32];
	snprintf(gen, sizeof gen, "%s", PQgetvalue(r, 0, 0));
	bool has_fresh = !PQgetisnull(r, 0, 1);
	snprintf(fresh, sizeof fresh, "%s", PQgetvalue(r, 0, 1));
	snprintf(at, sizeof at, "%s", PQgetvalue(r, 0, 2));
	const char *stale_hosts = PQgetvalue(r, 0, 3)[0] == 't' ? "t" : "f";
	PQclear(r);
	for (size_t i = 0; i < NVIEWS; i++)
		if (render_one(pg, org, network, i, gen, has_fresh ? fresh : NULL, at,
		               stale_hosts))
			return -1;
	return 1;
}

int view_cache_refresh(PGconn *pg, const char *org, const char *network, double *ms)
{
	double t0 = now_ms();
	/* One snapshot for the generation and every view rendered at it. */
	if (sc_pg_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL))
		return -1;
	int rc = refresh_in_tx(pg, org, network);
	if (rc < 0 || sc_pg_exec(pg, "COMMIT", 0, NULL)) {
		PQclear(PQexec(pg, "ROLLBACK"));
		return -1;
	}
	if (ms)
		*ms = now_ms() - t0;
	return rc;
}

int view_cache_refresh_due(PGconn *pg, long debounce_ms, long max_age_ms)
{
	char deb[24], age[24];
	snprintf(deb, sizeof deb, "%ld", debounce_ms);
	snprintf(age, sizeof age, "%ld", max_age_ms);
	const char *p[] = {deb, age};
	/* Behind (a view missing, of an older generation, or with a stale flag
	 * due to flip), and either quiet for a while, or cached long ago (so
	 * under constant change a rendering at least every max_age), or missing
	 * a user's edit (which the gateway never serves stale: render it now). */
	PGresult *r = sc_pg_query(
	    pg,
	    "SELECT s.network_id, s.org_id FROM inv.view_state s LEFT JOIN LATERAL "
	    "(SELECT count(*) AS n, min(c.generation) AS g, min(c.fresh_until) AS f, "
	    "min(c.built_at) AS b FROM inv.view_cache c WHERE c.network_id = "
	    "s.network_id) c ON true WHERE (c.n < " NVIEWS_TEXT
	    " OR c.g < s.generation OR "
	    "c.f <= "
	    "now()) AND (s.changed_at <= now() - $1 * interval '1 millisecond' OR "
	    "coalesce(c.b, '-infinity') <= now() - $2 * interval '1 millisecond' OR "
	    "c.g < s.user_generation) "
	    "ORDER BY s.changed_at LIMIT 64",
	    2, p);
	if (!r)
		return -1;
	int done = 0;
	for (int i = 0; i < PQntuples(r) && !sc_shutdown_requested(); i++) {
		double ms = 0;
		int rc =
		    view_cache_refresh(pg, PQgetvalue(r, i, 1), PQgetvalue(r, i, 0), &ms);
		if (rc < 0) {
			/* Often a concurrent refresh by another replica: the
			 * network stays due and the next pass retries it. */
			sc_warn("views of network %s not refreshed", PQgetvalue(r, i, 0));
		} else if (rc > 0) {
			done++;
			sc_info("views of network %s refreshed in %.0f ms",
			        PQgetvalue(r, i, 0), ms);
		}
	}
	PQclear(r);
	return done;
}

void view_cache_pass(PGconn *pg, void *arg)
{
	const struct view_cache_args *a = arg;
	view_cache_refresh_due(pg, a->debounce_ms, a->max_age_ms);
}
