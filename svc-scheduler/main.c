/* scanopy-scheduler: turns due schedules into discovery sessions and hands
 * NATS-connected daemons their jobs. Both steps are single SQL statements with
 * SKIP LOCKED, so any number of replicas can run them; a session is created
 * before its job is sent (an outbox), so a crash between the two only delays
 * the dispatch, and a job sent twice carries the same session id. */
#include "job.pb-c.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "sc_metrics.h"
#include "sc_service.h"
#include "sc_shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct sc_migration sched_migrations[];
extern const size_t sched_migrations_len;

struct scheduler {
	struct sc_service svc;
	long tick_ms, stall_seconds, max_run_seconds, pending_seconds;
	struct sc_metric *sessions_created, *jobs_sent, *sessions_failed;
};

/* Creates a pending session for each due interval schedule and moves the
 * schedule's next run past now (skipping runs missed while nothing ran). */
static int start_due_sessions(struct scheduler *s)
{
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    "WITH due AS (SELECT id FROM sched.schedules WHERE NOT paused AND "
	    "interval_seconds IS NOT NULL AND next_run_at <= now() ORDER BY "
	    "next_run_at LIMIT 500 FOR UPDATE SKIP LOCKED), "
	    "advanced AS (UPDATE sched.schedules c SET next_run_at = c.next_run_at "
	    "+ make_interval(secs => c.interval_seconds * (1 + floor(extract(epoch "
	    "FROM now() - c.next_run_at) / c.interval_seconds))) FROM due WHERE "
	    "c.id = due.id RETURNING c.*) "
	    "INSERT INTO sched.sessions (org_id, network_id, daemon_id, schedule_id, "
	    "discovery_type, deep, dispatch, started_by) SELECT org_id, network_id, "
	    "daemon_id, id, discovery_type, deep, dispatch, 'schedule' FROM advanced",
	    0, NULL);
	if (!r)
		return -1;
	int n = atoi(PQcmdTuples(r));
	PQclear(r);
	if (n > 0)
		sc_info("%d scheduled session(s) created", n);
	sc_metric_add(s->sessions_created, n);
	return 0;
}

static Scanopy__V1__JobType job_type(const char *t)
{
	static const struct {
		const char *name;
		Scanopy__V1__JobType type;
	} map[] = {
	    {"self_report", SCANOPY__V1__JOB_TYPE__JOB_SELF_REPORT},
	    {"network", SCANOPY__V1__JOB_TYPE__JOB_NETWORK},
	    {"snmp", SCANOPY__V1__JOB_TYPE__JOB_SNMP},
	    {"docker", SCANOPY__V1__JOB_TYPE__JOB_DOCKER},
	    {"unified", SCANOPY__V1__JOB_TYPE__JOB_UNIFIED},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(t, map[i].name))
			return map[i].type;
	return SCANOPY__V1__JOB_TYPE__JOB_UNKNOWN;
}

/* Publishes one claimed session's job on scanopy.jobs.<daemon>. */
static int send_job(struct scheduler *s, PGresult *r, int row)
{
	Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
	job.session_id = PQgetvalue(r, row, 0);
	job.job_id = job.session_id;
	job.org_id = PQgetvalue(r, row, 1);
	job.network_id = PQgetvalue(r, row, 2);
	job.daemon_id = PQgetvalue(r, row, 3);
	job.type = job_type(PQgetvalue(r, row, 4));
	job.has_type = 1;
	job.deep = PQgetvalue(r, row, 5)[0] == 't';
	job.has_deep = 1;

	char subject[128];
	snprintf(subject, sizeof subject, "scanopy.jobs.%s", job.daemon_id);
	size_t len = scanopy__v1__job__get_packed_size(&job);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -1;
	scanopy__v1__job__pack(&job, buf);
	natsStatus st = natsConnection_Publish(s->svc.nats.nc, subject, buf, (int)len);
	free(buf);
	return st == NATS_OK ? 0 : -1;
}

/* Claims pending NATS-dispatched sessions, sends their jobs, and marks them
 * starting, all in one transaction: a failed send leaves them pending. */
static int dispatch_pending(struct scheduler *s)
{
	PGconn *pg = s->svc.pg;
	if (sc_pg_exec(pg, "BEGIN", 0, NULL))
		return -1;
	PGresult *r = sc_pg_query(
	    pg,
	    "UPDATE sched.sessions SET state = 'starting', started_at = now() "
	    "WHERE id IN (SELECT id FROM sched.sessions WHERE state = 'pending' AND "
	    "dispatch = 'nats' ORDER BY created_at LIMIT 200 FOR UPDATE SKIP LOCKED) "
	    "RETURNING id, org_id, network_id, daemon_id, discovery_type, deep",
	    0, NULL);
	int rc = r ? 0 : -1;
	for (int i = 0; rc == 0 && r && i < PQntuples(r); i++)
		rc = send_job(s, r, i);
	if (rc == 0 && r && PQntuples(r) > 0)
		rc =
		    natsConnection_FlushTimeout(s->svc.nats.nc, 2000) == NATS_OK ? 0 : -1;
	if (rc == 0 && r)
		sc_metric_add(s->jobs_sent, PQntuples(r));
	PQclear(r);
	if (rc == 0)
		return sc_pg_exec(pg, "COMMIT", 0, NULL);
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}

/* Fails the sessions that can no longer finish: no progress for too long (a
 * stalled or vanished daemon), over the maximum run time, or never picked up.
 * Each gets a reason a user can read. */
static int fail_stuck_sessions(struct scheduler *s)
{
	char stall[24], maxrun[24], pending[24];
	snprintf(stall, sizeof stall, "%ld", s->stall_seconds);
	snprintf(maxrun, sizeof maxrun, "%ld", s->max_run_seconds);
	snprintf(pending, sizeof pending, "%ld", s->pending_seconds);
	const char *p[] = {stall, maxrun, pending};
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    "UPDATE sched.sessions SET state = 'failed', finished_at = now(), reason = "
	    "CASE "
	    "WHEN state = 'pending' THEN 'the daemon did not pick the job up within ' || "
	    "$3 "
	    "|| ' s (offline?)' WHEN started_at < now() - make_interval(secs => $2::int) "
	    "THEN 'exceeded the maximum run time of ' || $2 || ' s' ELSE 'stalled: no "
	    "progress for ' || $1 || ' s' END WHERE (state IN ('starting', 'running') "
	    "AND "
	    "(coalesce(last_progress_at, started_at, created_at) < now() - make_interval("
	    "secs => $1::int) OR started_at < now() - make_interval(secs => $2::int))) "
	    "OR "
	    "(state = 'pending' AND created_at < now() - make_interval(secs => $3::int))",
	    3, p);
	if (!r)
		return -1;
	int n = atoi(PQcmdTuples(r));
	PQclear(r);
	if (n > 0)
		sc_warn("%d session(s) failed as stalled, overdue or never picked up", n);
	sc_metric_add(s->sessions_failed, n);
	return 0;
}

int main(int argc, char **argv)
{
	static struct scheduler s = {.svc.name = "scanopy-scheduler"};
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&s.svc, "60076"),
	    {"tick_ms", SC_OPT_INT, "1000", "how often due schedules are checked",
	     &s.tick_ms, 50, 60000},
	    {"stall_seconds", SC_OPT_INT, "600",
	     "a session without progress for this long is failed as stalled",
	     &s.stall_seconds, 1, 86400 * 7},
	    {"max_run_seconds", SC_OPT_INT, "14400", "the longest a session may run",
	     &s.max_run_seconds, 1, 86400 * 30},
	    {"pending_seconds", SC_OPT_INT, "86400",
	     "a session no daemon picked up for this long is failed", &s.pending_seconds,
	     1, 86400 * 30},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&s.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}
	s.sessions_created = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_scheduler_sessions_created_total",
	    "sessions created from due schedules");
	s.jobs_sent =
	    sc_metric_register(SC_METRIC_COUNTER, "scanopy_scheduler_jobs_sent_total",
	                       "jobs published to NATS-connected daemons");
	s.sessions_failed = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_scheduler_sessions_failed_total",
	    "sessions failed as stalled, overdue or never picked up");

	rc = sc_service_start(&s.svc, "sched", sched_migrations, sched_migrations_len,
	                      false);
	while (rc == 0 && !sc_shutdown_requested()) {
		bool ok = sc_pg_healthy(s.svc.pg);
		if (ok)
			ok = start_due_sessions(&s) == 0 &&
			     fail_stuck_sessions(&s) == 0 &&
			     (!sc_nats_connected(&s.svc.nats) ||
			      dispatch_pending(&s) == 0);
		atomic_store(&s.svc.pg_ok, ok);
		sc_shutdown_sleep(s.tick_ms);
	}
	sc_service_stop(&s.svc);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
