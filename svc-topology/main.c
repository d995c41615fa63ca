/* scanopy-topology: consumes classified batches (stream OBS_CLASSIFIED,
 * durable consumer "topology" shared by every replica) and folds them into the
 * inventory in PostgreSQL. A fetched set of messages is applied in one
 * transaction, each batch under its own savepoint, the derived parts rebuilt
 * once per network at the end, and acked only after COMMIT. A thread renders
 * the views of the networks changed (view_cache.h) once their changes pause. */
#include "apply.h"
#include "coverage.h"
#include "events.h"
#include "gone.h"
#include "sc_batch.h"
#include "sc_consume.h"
#include "sc_log.h"
#include "sc_service.h"
#include "view_cache.h"
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct sc_migration inv_migrations[];
extern const size_t inv_migrations_len;

/* A change to announce once the transaction commits. */
struct pending_event {
	char org[40], network[40], daemon[40];
	uint64_t sequence;
	struct batch_counts counts;
};

struct topology {
	struct sc_service svc;
	long fetch_batch;
	long view_poll_ms, view_debounce_ms, view_max_age_ms;
	long gone_sweep_ms, host_gone_after_s;
	struct coverage_opts coverage;
	struct pending_event *events;
	int nevents;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Takes the advisory lock of every network in the fetched set, in one order
 * (sorted), before applying anything: two replicas whose sets share networks
 * then wait for each other instead of deadlocking. The network is the last
 * token of the subject (scanopy.obs.classified.<org>.<network>); the header
 * is checked against it when the batch is decoded. */
static int lock_networks(PGconn *pg, natsMsg **msgs, int n)
{
	const char **nets = calloc((size_t)n, sizeof *nets);
	if (!nets)
		return -1;
	int k = 0, rc = 0;
	for (int i = 0; i < n; i++) {
		const char *subj = natsMsg_GetSubject(msgs[i]), *dot = strrchr(subj, '.');
		if (dot && strlen(dot + 1) == 36)
			nets[k++] = dot + 1;
	}
	qsort(nets, (size_t)k, sizeof *nets, cmp_str);
	for (int i = 0; i < k && rc == 0; i++)
		if (i == 0 || strcmp(nets[i], nets[i - 1]))
			rc = apply_lock_network(pg, nets[i]);
	free(nets);
	return rc;
}

/* Applies one message under a savepoint. A statement error rolls back that
 * batch alone and parks it, unless the connection itself broke, in which case
 * the whole transaction is lost and -1 tells the caller to retry everything. */
static int apply_one(struct topology *t, natsMsg *m, struct sc_outcome *out)
{
	PGconn *pg = t->svc.pg;
	Scanopy__V1__ClassifiedBatch *cb = sc_classified_decode(
	    (const uint8_t *)natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m),
	    out->why, sizeof out->why);
	if (!cb) {
		out->verdict = SC_PARK;
		return 0;
	}
	int rc = 0;
	if (sc_pg_exec(pg, "SAVEPOINT batch", 0, NULL)) {
		rc = -1;
	} else {
		struct batch_counts counts = {0};
		enum apply_result r =
		    apply_batch(pg, cb, &t->coverage, &counts, out->why, sizeof out->why);
		if (r == APPLY_DONE) {
			const Scanopy__V1__BatchHeader *h = cb->batch->header;
			struct pending_event *e = &t->events[t->nevents++];
			snprintf(e->org, sizeof e->org, "%s", h->org_id);
			snprintf(e->network, sizeof e->network, "%s", h->network_id);
			snprintf(e->daemon, sizeof e->daemon, "%s", h->daemon_id);
			e->sequence = h->sequence;
			e->counts = counts;
		}
		if (r == APPLY_FAILED) {
			if (PQstatus(pg) != CONNECTION_OK ||
			    sc_pg_exec(pg, "ROLLBACK TO SAVEPOINT batch", 0, NULL))
				rc = -1;
			else
				out->verdict = SC_PARK;
		} else {
			out->verdict = SC_ACK; /* provisional: only if COMMIT succeeds */
			if (sc_pg_exec(pg, "RELEASE SAVEPOINT batch", 0, NULL))
				rc = -1;
		}
	}
	scanopy__v1__classified_batch__free_unpacked(cb, NULL);
	return rc;
}

/* The derived parts (links, L3, applications) of each network the set
 * changed, rebuilt once for the whole set rather than after every batch: a
 * rebuild reads the whole network, so once per set keeps the cost of a set
 * near that of its batches. The links count goes to the network's last event.
 * Each network's rendered views are then behind: its generation moves on. */
static int rebuild_networks(struct topology *t)
{
	for (int i = 0; i < t->nevents; i++) {
		struct pending_event *e = &t->events[i];
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(t->events[j].network, e->network);
		if (seen)
			continue;
		unsigned touched = 0;
		int last = i;
		for (int j = i; j < t->nevents; j++)
			if (!strcmp(t->events[j].network, e->network)) {
				touched |= t->events[j].counts.touched;
				last = j;
			}
		if (apply_rebuild(t->svc.pg, e->network, touched,
		                  &t->events[last].counts.links_changed) ||
		    view_cache_touch(t->svc.pg, e->org, e->network))
			return -1;
	}
	return 0;
}

static void on_messages(void *ctx, natsMsg **msgs, int n, struct sc_outcome *out)
{
	struct topology *t = ctx;
	if (!sc_pg_healthy(t->svc.pg)) {
		atomic_store(&t->svc.pg_ok, false);
		return; /* every outcome stays SC_RETRY */
	}
	atomic_store(&t->svc.pg_ok, true);
	t->nevents = 0;
	int failed =
	    sc_pg_exec(t->svc.pg, "BEGIN", 0, NULL) || lock_networks(t->svc.pg, msgs, n);
	for (int i = 0; i < n && !failed; i++)
		failed = apply_one(t, msgs[i], &out[i]);
	if (!failed)
		failed = rebuild_networks(t);
	if (!failed)
		failed = sc_pg_exec(t->svc.pg, "COMMIT", 0, NULL);
	if (failed) {
		PQclear(PQexec(t->svc.pg, "ROLLBACK"));
		for (int i = 0; i < n; i++)
			out[i].verdict = SC_RETRY; /* nothing of this set is durable */
		return;
	}
	for (int i = 0; i < t->nevents; i++) {
		struct pending_event *e = &t->events[i];
		event_topology_changed(&t->svc.nats, e->org, e->network, e->daemon,
		                       e->sequence, &e->counts);
	}
}

int main(int argc, char **argv)
{
	static struct topology t = {.svc.name = "scanopy-topology"};
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&t.svc, "60075"),
	    {"fetch_batch", SC_OPT_INT, "128",
	     "messages fetched and committed per transaction", &t.fetch_batch, 1, 4096},
	    {"view_poll_ms", SC_OPT_INT, "250",
	     "how often to look for networks whose rendered views are behind",
	     &t.view_poll_ms, 10, 60000},
	    {"view_debounce_ms", SC_OPT_INT, "500",
	     "render a changed network's views once its changes pause this long",
	     &t.view_debounce_ms, 0, 3600000},
	    {"view_max_age_ms", SC_OPT_INT, "10000",
	     "or once its rendered views are this old, changes going on (well "
	     "under the gateway's view_stale_max_ms, which it serves them until)",
	     &t.view_max_age_ms, 0, 86400000},
	    {"gone_sweep_ms", SC_OPT_INT, "60000",
	     "how often to look for hosts that disappeared", &t.gone_sweep_ms, 100,
	     86400000},
	    {"host_gone_after_s", SC_OPT_INT, "604800",
	     "a host not seen for this long has disappeared (the views' stale: "
	     "7 days)",
	     &t.host_gone_after_s, 60, 315360000},
	    COVERAGE_OPTION_MISSES(&t.coverage),
	    COVERAGE_OPTION_KEEP_DAYS(&t.coverage),
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&t.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}

	if (t.coverage.keep_days * 86400 < t.host_gone_after_s)
		sc_warn(
		    "sweeps_keep_days (%ld) is shorter than host_gone_after_s (%ld s): "
		    "sweeps pruned before a host is stale no longer count towards "
		    "its misses",
		    t.coverage.keep_days, t.host_gone_after_s);
	natsSubscription *sub = NULL;
	t.events = calloc((size_t)t.fetch_batch, sizeof *t.events);
	if (!t.events) {
		sc_config_free(opts, nopts);
		return 1;
	}
	rc = sc_service_start(&t.svc, "inv", inv_migrations, inv_migrations_len, false);
	if (rc == 0)
		rc = sc_service_consumer(&t.svc, SC_STREAM_CLASSIFIED,
		                         SC_SUBJECT_CLASSIFIED ".>", "topology", &sub);
	struct view_cache_args view_args = {t.view_debounce_ms, t.view_max_age_ms};
	struct gone_args gone_args = {&t.svc.nats, t.host_gone_after_s};
	struct pg_worker *views = NULL, *gone = NULL;
	if (rc == 0 && (!(views = pg_worker_start(t.svc.database_url, t.view_poll_ms,
	                                          view_cache_pass, &view_args)) ||
	                !(gone = pg_worker_start(t.svc.database_url, t.gone_sweep_ms,
	                                         gone_pass, &gone_args))))
		rc = -1;
	if (rc == 0) {
		sc_info("consuming %s.>", SC_SUBJECT_CLASSIFIED);
		rc = sc_consume_run(&t.svc.nats, sub, (int)t.fetch_batch, "topology",
		                    on_messages, &t);
	}
	pg_worker_stop(views);
	pg_worker_stop(gone);
	natsSubscription_Destroy(sub);
	free(t.events);
	sc_service_stop(&t.svc);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
