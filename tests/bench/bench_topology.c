/* bench_topology: how fast the topology service folds observations into the
 * model, against plain COPY of the same rows into PostgreSQL in the same run,
 * and how long each view takes on a network of that many hosts.
 *
 *   bench_topology --database-url URL [--hosts 10000] [--batch 500] [--runs 5]
 *
 * Synthetic network: --hosts hosts, each seen by ARP (address + MAC) with two
 * open ports, behind switches of 48 ports that report each host over LLDP, so
 * every host has a cable. Batches of --batch observations are applied as the
 * service applies them: up to SET_BATCHES batches (its fetch) per
 * transaction, the derived parts rebuilt once per set.
 *
 * Two references, in the same run: plain COPY of one row per observation
 * into a bare table (the issue's), and COPY of the rows the model holds
 * after the apply into copies of its tables, indexes and foreign keys
 * included (model_copy.c): what writing the model costs without any logic.
 *
 * Views: an unfiltered request is served from the view as the topology
 * service rendered it ahead (inv.view_cache), so for each view this prints
 * that read (the gateway's query, as its tenant role) and, apart, the
 * rendering (the refresh after the changes, all four views) and the view
 * rendered per request; then, per request, the view filtered by a /24 (256
 * hosts), by ?q= matching one host, by a tag 1% of the hosts carry, and by
 * include_stale=false, which keeps every host (the network was seen an hour
 * ago): rendered, and as the gateway serves it (the rendering ahead, since
 * no host is stale).
 *
 * With --ingest-seconds N it then times the unfiltered L2 view for N seconds
 * while one thread applies batches of 100 observations continuously, one
 * transaction each (a daemon scanning), and another runs the refresher as
 * the service does: as the gateway served it before (a current rendering
 * only, else rendered per request; refresher max age 30 s), then as now (the
 * last rendering up to 30 s old; max age 10 s). Each request's time is the
 * gateway's query plus inflating the cached reply (a client that takes gzip
 * is spared that) or the rendering per request.
 *
 * Prints figures; not a pass/fail test. */
#include "apply.h"
#include "bench_pg.h"
#include "model_copy.h"
#include "sc_batch.h"
#include "sc_config.h"
#include "sc_gzip.h"
#include "sc_log.h"
#include "sc_pg.h"
#include "view_cache.h"
#include "views_sql.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SET_BATCHES 128 /* scanopy-topology's default fetch_batch */

extern const struct sc_migration inv_migrations[];
extern const size_t inv_migrations_len;

static const char *ORG = "11111111-1111-4111-8111-111111111111",
                  *NET = "22222222-2222-4222-8222-222222222222",
                  *DAEMON = "33333333-3333-4333-8333-333333333333";

struct obs_buf {
	Scanopy__V1__Observation o;
	union {
		Scanopy__V1__HostSeen h;
		Scanopy__V1__PortState p;
		Scanopy__V1__NeighborEntry n;
	} u;
	char ip[32], mac[18], dev[32], port[16], rip[32];
	char *mgmt[1];
};

/* When the synthetic network was seen: an hour before the run, so no host
 * is stale (not seen for 7 days) and ?include_stale=false keeps them all. */
static int64_t seen_ms;

/* Observation k of the synthetic network (3 per host, then 1 LLDP entry per
 * host). */
static void make_obs(struct obs_buf *b, long k, long hosts)
{
	memset(b, 0, sizeof *b);
	scanopy__v1__observation__init(&b->o);
	b->o.observed_at_ms = seen_ms + k;
	b->o.has_observed_at_ms = 1;
	long h = k < 3 * hosts ? k / 3 : k - 3 * hosts;
	snprintf(b->ip, sizeof b->ip, "10.%ld.%ld.%ld", 100 + h / 65536, (h / 256) % 256,
	         h % 256);
	snprintf(b->mac, sizeof b->mac, "00:16:3e:%02lx:%02lx:%02lx", (h >> 16) & 0xff,
	         (h >> 8) & 0xff, h & 0xff);
	if (k >= 3 * hosts) { /* switch h/48 reports host h on port h%48 */
		scanopy__v1__neighbor_entry__init(&b->u.n);
		snprintf(b->dev, sizeof b->dev, "10.99.%ld.%ld", (h / 48) / 256,
		         (h / 48) % 256);
		snprintf(b->port, sizeof b->port, "swp%ld", h % 48 + 1);
		b->u.n.device_ip = b->dev;
		b->u.n.local_port = b->port;
		b->u.n.remote_chassis_id = b->mac;
		b->u.n.remote_port_id = b->mac;
		b->u.n.remote_port_id_subtype = 3;
		b->u.n.has_remote_port_id_subtype = 1;
		b->u.n.remote_port_descr = "eth0";
		b->mgmt[0] = b->ip;
		b->u.n.remote_mgmt_addresses = b->mgmt;
		b->u.n.n_remote_mgmt_addresses = 1;
		b->o.kind_case = SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR;
		b->o.neighbor = &b->u.n;
	} else if (k % 3 == 0) {
		scanopy__v1__host_seen__init(&b->u.h);
		b->u.h.ip = b->ip;
		b->u.h.mac = b->mac;
		b->u.h.evidence = SCANOPY__V1__EVIDENCE__EVIDENCE_ARP;
		b->u.h.has_evidence = 1;
		b->o.kind_case = SCANOPY__V1__OBSERVATION__KIND_HOST;
		b->o.host = &b->u.h;
	} else {
		scanopy__v1__port_state__init(&b->u.p);
		b->u.p.ip = b->ip;
		b->u.p.port = k % 3 == 1 ? 22 : 443;
		b->u.p.has_port = 1;
		b->u.p.status = SCANOPY__V1__PORT_STATUS__PORT_OPEN;
		b->u.p.has_status = 1;
		b->o.kind_case = SCANOPY__V1__OBSERVATION__KIND_PORT;
		b->o.port = &b->u.p;
	}
}

/* CPU seconds used so far by this process, and by the PostgreSQL backend
 * serving pg when it runs on this machine (else -1): the machine is shared,
 * so wall times swing with the load while CPU times much less. */
static double cpu_self(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_backend(PGconn *pg)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", PQbackendPID(pg));
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *s = strrchr(buf, ')'); /* after the command name */
	unsigned long ut = 0, st = 0;
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	                 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Opens a transaction as the gateway reads: the tenant role, the org set. */
static int begin_as_tenant(PGconn *pg)
{
	const char *o[] = {ORG};
	return sc_pg_exec(pg, "BEGIN", 0, NULL) ||
	               sc_pg_exec(pg, "SELECT set_config('scanopy.org_id', $1, true)", 1,
	                          o) ||
	               sc_pg_exec(pg, "SET LOCAL ROLE scanopy_tenant", 0, NULL)
	           ? -1
	           : 0;
}

static atomic_bool ingest_stop; /* the ingestion of under_ingestion() */

/* Applies every observation in batches; returns seconds (of which the
 * derived parts' rebuilds: *rebuild_s). */
static double apply_sets(PGconn *pg, long total, long hosts, long per_batch,
                         long set_batches, const char *daemon, double *rebuild_s)
{
	struct obs_buf *bufs = calloc((size_t)per_batch, sizeof *bufs);
	Scanopy__V1__Observation **ptrs = calloc((size_t)per_batch, sizeof *ptrs);
	double t0 = bench_now_s();
	uint64_t seq = 1;
	unsigned touched = 0;
	/* (Stopping between sets only: a set is one transaction.) */
	for (long k = 0; k < total && !(atomic_load(&ingest_stop) &&
	                                (seq - 1) % (uint64_t)set_batches == 0);
	     seq++) {
		long n = 0;
		for (; n < per_batch && k < total; n++, k++) {
			make_obs(&bufs[n], k, hosts);
			ptrs[n] = &bufs[n].o;
		}
		Scanopy__V1__BatchHeader h = SCANOPY__V1__BATCH_HEADER__INIT;
		h.org_id = (char *)ORG;
		h.network_id = (char *)NET;
		h.daemon_id = (char *)daemon;
		h.sequence = seq;
		h.has_sequence = 1;
		h.sent_at_ms = seen_ms;
		h.has_sent_at_ms = 1;
		Scanopy__V1__ObservationBatch ob = SCANOPY__V1__OBSERVATION_BATCH__INIT;
		ob.header = &h;
		ob.observations = ptrs;
		ob.n_observations = (size_t)n;
		Scanopy__V1__ClassifiedBatch cb = SCANOPY__V1__CLASSIFIED_BATCH__INIT;
		cb.batch = &ob;
		char why[192];
		struct batch_counts counts = {0};
		/* As the service does: a set of SET_BATCHES batches in one
		 * transaction, the derived parts rebuilt once at its end. */
		bool first = (seq - 1) % (uint64_t)set_batches == 0;
		bool last = seq % (uint64_t)set_batches == 0 || k >= total;
		if ((first && sc_pg_exec(pg, "BEGIN", 0, NULL)) ||
		    apply_batch(pg, &cb, NULL, &counts, why, sizeof why) != APPLY_DONE) {
			fprintf(stderr, "bench_topology: batch %" PRIu64 " failed: %s\n",
			        seq, why);
			exit(1);
		}
		touched |= counts.touched;
		double r0 = bench_now_s();
		if (last && (apply_rebuild(pg, NET, touched, NULL) ||
		             (*rebuild_s += bench_now_s() - r0, 0) ||
		             view_cache_touch(pg, ORG, NET) ||
		             sc_pg_exec(pg, "COMMIT", 0, NULL))) {
			fprintf(stderr,
			        "bench_topology: set ending at batch %" PRIu64
			        " failed\n",
			        seq);
			exit(1);
		}
		if (last)
			touched = 0;
	}
	free(bufs);
	free(ptrs);
	return bench_now_s() - t0;
}

static double apply_all(PGconn *pg, long total, long hosts, long per_batch,
                        double *rebuild_s)
{
	return apply_sets(pg, total, hosts, per_batch, SET_BATCHES, DAEMON, rebuild_s);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Views under constant ingestion: one thread applies small batches, one
 * transaction each (a daemon scanning), as a new daemon every round so none
 * is a duplicate; one runs the refresher as the service does (every 250 ms);
 * the main thread times the gateway's unfiltered L2 request: the cached view
 * as the gateway's query takes it, else the view rendered per request. */
static const char *ingest_url;
static long ingest_hosts, refresh_max_age_ms;

static void *ingest_main(void *arg)
{
	(void)arg;
	PGconn *pg = sc_pg_connect(ingest_url, 10000);
	char daemon[48];
	double rb = 0;
	static long round; /* across runs: a daemon's batches are applied once */
	while (pg && !atomic_load(&ingest_stop)) {
		round++;
		snprintf(daemon, sizeof daemon, "33333333-3333-4333-8333-%012ld", round);
		apply_sets(pg, ingest_hosts, ingest_hosts, 100, 1, daemon, &rb);
	}
	PQfinish(pg);
	return NULL;
}

static void *refresh_main(void *arg)
{
	(void)arg;
	PGconn *pg = sc_pg_connect(ingest_url, 10000);
	while (pg && !atomic_load(&ingest_stop)) {
		view_cache_refresh_due(pg, 500, refresh_max_age_ms);
		usleep(250000);
	}
	PQfinish(pg);
	return NULL;
}

static void under_ingestion(PGconn *pg, const char *label, const char *bound,
                            long max_age_ms, long seconds)
{
	refresh_max_age_ms = max_age_ms;
	atomic_store(&ingest_stop, false);
	pthread_t ti, tr;
	if (pthread_create(&ti, NULL, ingest_main, NULL) ||
	    pthread_create(&tr, NULL, refresh_main, NULL))
		exit(1);
	double t[4096], ages[4096];
	int n = 0, cached = 0;
	const char *cp[VIEW_CACHED_NPARAMS] = {NET, "l2", bound, "f"};
	const char *lp[VIEW_NPARAMS] = VIEW_PARAMS_ALL(NET);
	for (double end = bench_now_s() + (double)seconds;
	     bench_now_s() < end && n < 4096;) {
		if (begin_as_tenant(pg))
			exit(1);
		double t0 = bench_now_s();
		PGresult *r = PQexecParams(pg, view_sql_cached, VIEW_CACHED_NPARAMS, NULL,
		                           cp, NULL, NULL, 1);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
			char *doc = NULL;
			size_t len = 0;
			if (sc_gunzip(PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1),
			              &doc, &len))
				exit(1);
			free(doc);
			ages[cached++] = strtod(PQgetvalue(r, 0, 3), NULL) / 1000;
		} else {
			PQclear(r);
			r = sc_pg_exec(pg, "SET LOCAL jit = off", 0, NULL)
			        ? NULL
			        : sc_pg_query(pg, view_sql_l2, VIEW_NPARAMS, lp);
			if (!r)
				exit(1);
		}
		t[n++] = (bench_now_s() - t0) * 1000;
		PQclear(r);
		sc_pg_exec(pg, "COMMIT", 0, NULL);
		usleep(200000);
	}
	atomic_store(&ingest_stop, true);
	pthread_join(ti, NULL);
	pthread_join(tr, NULL);
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	qsort(ages, (size_t)cached, sizeof *ages, cmp_d);
	printf("l2 under ingestion, %s: %d requests in %ld s, %d%% from the cache "
	       "(their age: median %.1f s, max %.1f s), median %.1f ms, p90 %.1f ms, "
	       "max %.1f ms\n",
	       label, n, seconds, n ? 100 * cached / n : 0, cached ? ages[cached / 2] : 0,
	       cached ? ages[cached - 1] : 0, n ? t[n / 2] : 0, n ? t[n * 9 / 10] : 0,
	       n ? t[n - 1] : 0);
}

/* COPY of the same rows (one per observation) into plain tables. */
static double copy_all(PGconn *pg, long total, long hosts)
{
	if (sc_pg_exec(pg, "DROP TABLE IF EXISTS bench_obs", 0, NULL))
		exit(1);
	if (sc_pg_exec(
	        pg,
	        "CREATE TABLE bench_obs (org_id uuid, "
	        "network_id uuid, kind text, ip inet, mac macaddr, port int, dev inet, "
	        "local_port text, seen timestamptz)",
	        0, NULL))
		exit(1);
	double t0 = bench_now_s();
	PGresult *r = PQexec(pg, "COPY bench_obs FROM STDIN");
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fprintf(stderr, "bench_topology: COPY: %s", PQerrorMessage(pg));
		exit(1);
	}
	PQclear(r);
	char line[512];
	struct obs_buf b;
	for (long k = 0; k < total; k++) {
		make_obs(&b, k, hosts);
		int n = snprintf(
		    line, sizeof line,
		    "%s\t%s\t%d\t%s\t%s\t%u\t%s\t%s\t2023-11-14 22:13:20+00\n", ORG, NET,
		    (int)b.o.kind_case, b.ip, b.mac,
		    b.o.kind_case == SCANOPY__V1__OBSERVATION__KIND_PORT ? b.u.p.port : 0,
		    *b.dev ? b.dev : "\\N", *b.port ? b.port : "\\N");
		if (PQputCopyData(pg, line, n) != 1)
			exit(1);
	}
	if (PQputCopyEnd(pg, NULL) != 1)
		exit(1);
	r = PQgetResult(pg);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "bench_topology: COPY: %s", PQerrorMessage(pg));
		exit(1);
	}
	PQclear(r);
	return bench_now_s() - t0;
}

/* Median ms of `runs` runs of a view's query (np parameters p, the body in
 * column col), as the gateway runs it (tenant role, no JIT). */
static double view_ms(PGconn *pg, const char *sql, int np, const char *const *p, int col,
                      int runs, int *nodes)
{
	double t[64];
	for (int i = 0; i < runs; i++) {
		if (begin_as_tenant(pg) || sc_pg_exec(pg, "SET LOCAL jit = off", 0, NULL))
			exit(1);
		double t0 = bench_now_s();
		PGresult *r = sc_pg_query(pg, sql, np, p);
		t[i] = (bench_now_s() - t0) * 1000;
		if (!r || PQntuples(r) != 1) {
			fprintf(stderr, "bench_topology: the view returned no row\n");
			exit(1);
		}
		if (nodes) {
			const char *v = PQgetvalue(r, 0, col);
			int n = 0;
			for (const char *s = v; (s = strstr(s, "\"kind\"")); s++)
				n++;
			*nodes = n;
		}
		PQclear(r);
		sc_pg_exec(pg, "COMMIT", 0, NULL);
	}
	qsort(t, (size_t)runs, sizeof t[0], cmp_d);
	return t[runs / 2];
}

/* Median ms of `runs` reads of a view as rendered ahead, as the gateway reads
 * it (tenant role, the gzip reply in binary): as sent to a client that takes
 * gzip (*gz_ms), and inflated for one that does not (returned). With
 * fresh_only, as for ?include_stale=false (only if no host was stale). */
static double cached_ms(PGconn *pg, const char *view, bool fresh_only, int runs,
                        int *nodes, double *gz_ms, size_t *gz_bytes, size_t *bytes)
{
	double t[64], tz[64];
	const char *p[VIEW_CACHED_NPARAMS] = {NET, view, NULL, /* current only */
	                                      fresh_only ? "t" : "f"};
	for (int i = 0; i < runs; i++) {
		if (begin_as_tenant(pg))
			exit(1);
		double t0 = bench_now_s();
		PGresult *r = PQexecParams(pg, view_sql_cached, VIEW_CACHED_NPARAMS, NULL,
		                           p, NULL, NULL, 1);
		tz[i] = (bench_now_s() - t0) * 1000;
		char *doc = NULL;
		size_t len = 0;
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
		    sc_gunzip(PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1), &doc,
		              &len)) {
			fprintf(stderr, "bench_topology: no current %s view: %s\n", view,
			        PQerrorMessage(pg));
			exit(1);
		}
		t[i] = (bench_now_s() - t0) * 1000;
		*gz_bytes = (size_t)PQgetlength(r, 0, 1);
		*bytes = len;
		int n = 0;
		for (const char *s = doc; (s = strstr(s, "\"kind\"")); s++)
			n++;
		*nodes = n;
		free(doc);
		PQclear(r);
		sc_pg_exec(pg, "COMMIT", 0, NULL);
	}
	qsort(t, (size_t)runs, sizeof t[0], cmp_d);
	qsort(tz, (size_t)runs, sizeof tz[0], cmp_d);
	*gz_ms = tz[runs / 2];
	return t[runs / 2];
}

/* The view's plan with its timings, as the gateway's tenant role runs it. */
static void print_plan(PGconn *pg, const char *sql, const char *const *p)
{
	char *q = malloc(strlen(sql) + 64);
	if (!q)
		return;
	sprintf(q, "EXPLAIN (ANALYZE, BUFFERS) %s", sql);
	if (begin_as_tenant(pg) == 0) {
		PGresult *r = sc_pg_query(pg, q, 6, p);
		for (int i = 0; r && i < PQntuples(r); i++)
			printf("    %s\n", PQgetvalue(r, i, 0));
		PQclear(r);
	}
	sc_pg_exec(pg, "COMMIT", 0, NULL);
	free(q);
}

int main(int argc, char **argv)
{
	char *url = NULL;
	long hosts = 10000, per_batch = 500, runs = 5;
	bool explain = false;
	long ingest_s = 0;
	struct sc_option opts[] = {
	    {"database_url", SC_OPT_STR, "postgresql://postgres@127.0.0.1:5433/scanopy",
	     "PostgreSQL (a scratch database: the bench writes to it)", &url, 0, 0},
	    {"hosts", SC_OPT_INT, "10000", "hosts in the synthetic network", &hosts, 1,
	     1000000},
	    {"batch", SC_OPT_INT, "500", "observations per batch", &per_batch, 1, 100000},
	    {"runs", SC_OPT_INT, "5", "runs per view (median shown)", &runs, 1, 64},
	    {"explain", SC_OPT_BOOL, "false", "print each view's EXPLAIN ANALYZE too",
	     &explain, 0, 0},
	    {"ingest_seconds", SC_OPT_INT, "0",
	     "then time the L2 view this long under constant ingestion, as served "
	     "before (current views only, refresher max age 30 s) and now (the last "
	     "rendering up to 30 s old, refresher max age 10 s)",
	     &ingest_s, 0, 3600},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	char err[256];
	int npos;
	sc_log_init("bench_topology");
	int cr = sc_config_load(opts, nopts, NULL, argc, argv, &npos, err, sizeof err);
	if (cr) {
		if (cr < 0)
			fprintf(stderr, "bench_topology: %s\n", err);
		sc_config_free(opts, nopts);
		return cr < 0 ? 2 : 0;
	}
	seen_ms = ((int64_t)time(NULL) - 3600) * 1000;
	PGconn *pg = sc_pg_connect(url, 10000);
	if (!pg || sc_pg_migrate(pg, "inv", inv_migrations, inv_migrations_len))
		return 1;
	long total = 4 * hosts;
	double c0 = cpu_self(), b0 = cpu_backend(pg), w0 = bench_wal_bytes(pg);
	double tr = 0, ta = apply_all(pg, total, hosts, per_batch, &tr);
	double c1 = cpu_self(), b1 = cpu_backend(pg), w1 = bench_wal_bytes(pg);
	double tc = copy_all(pg, total, hosts);
	double w2 = bench_wal_bytes(pg);
	printf("observations      %ld (%ld hosts: ARP answer, 2 open ports, 1 LLDP entry "
	       "each), "
	       "batches of %ld\n",
	       total, hosts, per_batch);
	printf("apply (topology)  %.2f s  %.0f obs/s\n", ta, (double)total / ta);
	printf("  of which rebuild %.2f s (links, L3, statistics; once per set of %d "
	       "batches)\n",
	       tr, SET_BATCHES);
	if (b0 >= 0 && b1 >= 0)
		printf("  CPU: %.2f s here, %.2f s in the PostgreSQL backend\n", c1 - c0,
		       b1 - b0);
	printf("  WAL: %.1f MB\n", (w1 - w0) / 1e6);
	printf("plain COPY        %.2f s  %.0f rows/s\n", tc, (double)total / tc);
	printf("  WAL: %.1f MB\n", (w2 - w1) / 1e6);
	printf("ratio             %.1fx slower than COPY\n", ta / tc);
	struct model_copy_result mc;
	if (model_copy(pg, &mc))
		return 1;
	printf("COPY of the model's rows  %.2f s  (%ld rows into %d tables with the "
	       "model's indexes and keys)\n",
	       mc.seconds, mc.rows, mc.tables);
	printf("  WAL: %.1f MB\n", mc.wal_bytes / 1e6);
	printf("ratio             %.1fx slower than COPY of the model's rows\n",
	       ta / mc.seconds);
	/* 1% of the hosts carry a tag, as users tag them (PATCH /hosts): for
	 * the ?tag= filter below. */
	const char *tp[] = {NET};
	if (sc_pg_exec(pg,
	               "UPDATE inv.hosts SET tags = '{bench-1pct}' WHERE id IN (SELECT "
	               "host_id FROM inv.addresses WHERE network_id = $1 AND "
	               "ip << '10.100.0.0/16' AND (ip - '10.100.0.0'::inet) % 100 = 7)",
	               1, tp))
		return 1;
	double refresh_ms = 0;
	if (view_cache_refresh(pg, ORG, NET, &refresh_ms) != 1) {
		fprintf(stderr, "bench_topology: views not rendered\n");
		return 1;
	}
	printf("views rendered ahead %.0f ms (all four, once after the changes pause)\n",
	       refresh_ms);
	const struct {
		const char *name, *sql;
	} views[] = {{"l2", view_sql_l2},
	             {"l3", view_sql_l3},
	             {"workloads", view_sql_workloads},
	             {"applications", view_sql_applications}};
	/* Filtered requests: the hosts of one /24 (256 hosts), one host by
	 * address (?q=), the hosts carrying the tag (1%), and a filter every
	 * host passes (?include_stale=false: none is stale). */
	const struct {
		const char *name, *p[VIEW_NPARAMS];
	} filters[] = {
	    {"subnet /24", {NET, "10.100.7.0/24", NULL, NULL, "t", NULL}},
	    {"q one host", {NET, NULL, NULL, "10.100.7.77", "t", NULL}},
	    {"tag 1%", {NET, NULL, NULL, NULL, "t", "{bench-1pct}"}},
	    {"include_stale=false (all)", {NET, NULL, NULL, NULL, "f", NULL}},
	};
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
		int nodes = 0, cnodes = 0;
		size_t gzb = 0, b = 0;
		double gzms = 0;
		const char *lp[VIEW_NPARAMS] = VIEW_PARAMS_ALL(NET);
		double cms = cached_ms(pg, views[i].name, false, (int)runs, &cnodes,
		                       &gzms, &gzb, &b);
		double ms =
		    view_ms(pg, views[i].sql, VIEW_NPARAMS, lp, 0, (int)runs, &nodes);
		printf("view %-12s %7.1f ms served gzip (%zu bytes), %.1f ms inflated "
		       "(%zu bytes; median of %ld, %d nodes+edges); rendered per "
		       "request %.1f ms (%d)\n",
		       views[i].name, gzms, gzb, cms, b, runs, cnodes, ms, nodes);
		if (cnodes != nodes) {
			fprintf(stderr,
			        "bench_topology: the rendered-ahead %s view "
			        "differs from the live one\n",
			        views[i].name);
			return 1;
		}
		if (explain)
			print_plan(pg, views[i].sql, lp);
		for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
			int fn = 0;
			double fms = view_ms(pg, views[i].sql, VIEW_NPARAMS, filters[f].p,
			                     0, (int)runs, &fn);
			printf("  %-12s filtered %-26s %7.1f ms per request (%d "
			       "nodes+edges)\n",
			       views[i].name, filters[f].name, fms, fn);
			if (explain)
				print_plan(pg, views[i].sql, filters[f].p);
		}
		/* As the gateway serves ?include_stale=false when no host is
		 * stale: the rendering ahead. */
		int fn = 0;
		double fgz = 0, fms = cached_ms(pg, views[i].name, true, (int)runs, &fn,
		                                &fgz, &gzb, &b);
		printf("  %-12s filtered %-26s %7.1f ms served gzip, %.1f ms inflated "
		       "(as the gateway serves it: rendered ahead, no host stale; %d)\n",
		       views[i].name, "include_stale=false (all)", fgz, fms, fn);
	}
	if (ingest_s > 0) {
		ingest_url = url;
		ingest_hosts = hosts;
		under_ingestion(pg, "before (current only)", NULL, 30000, ingest_s);
		under_ingestion(pg, "now (up to 30 s behind)", "30000", 10000, ingest_s);
	}
	PQfinish(pg);
	sc_config_free(opts, nopts);
	return 0;
}
