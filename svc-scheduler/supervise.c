/* Supervision of open sessions, so none hangs forever: each rule below turns
 * a session that can no longer finish into `failed` with a reason a user can
 * read. Each is one UPDATE (row locks make concurrent replicas harmless: a
 * row already failed by one no longer matches for the other).
 *
 *   offline   a DaemonPoll daemon not heard from (heartbeat or progress), or a
 *             ServerPoll daemon that did not answer the scheduler's calls, for
 *             offline_seconds (by default the gateway's daemon_offline_after_s,
 *             the one setting by which the UI shows it offline too): its
 *             starting/running sessions fail; its pending ones say they are
 *             waiting for it
 *   stalled   no change in progress for stall_seconds
 *   overdue   running longer than max_run_seconds
 *   unclaimed pending for pending_seconds */
#include "sc_log.h"
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_OFFLINE_SECONDS 120

static int count_failed(struct scheduler *s, PGresult *r, const char *what)
{
	if (!r)
		return -1;
	int n = atoi(PQcmdTuples(r));
	PQclear(r);
	if (n > 0) {
		sc_warn("%d session(s) failed: %s", n, what);
		sc_metric_add(s->sessions_failed, n);
	}
	return 0;
}

/* offline_seconds, or when 0 the gateway's daemon_offline_after_s as it
 * recorded it (gateway migration 0010), or 120 before any gateway did. */
static long offline_seconds(struct scheduler *s)
{
	if (s->offline_seconds > 0)
		return s->offline_seconds;
	long v = 0;
	PGresult *r = NULL;
	if (!s->have_offline_setting) { /* a gateway from before 0010 */
		r = sc_pg_query(
		    s->svc.pg,
		    "SELECT to_regclass('core.daemon_offline_setting') IS NOT "
		    "NULL",
		    0, NULL);
		s->have_offline_setting = r && PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		r = NULL;
	}
	if (s->have_offline_setting)
		r = sc_pg_query(
		    s->svc.pg,
		    "SELECT after_s FROM core.daemon_offline_setting WHERE id = 1", 0,
		    NULL);
	if (r && PQntuples(r) == 1)
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v > 0 ? v : DEFAULT_OFFLINE_SECONDS;
}

static int daemons_offline(struct scheduler *s, const struct sched_now *now)
{
	if (!s->have_daemons) { /* the gateway owns core; it may not have run yet */
		PGresult *r = sc_pg_query(
		    s->svc.pg, "SELECT to_regclass('core.daemons') IS NOT NULL", 0, NULL);
		if (!r)
			return -1;
		s->have_daemons = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		if (!s->have_daemons)
			return 0;
	}
	char secs[24];
	snprintf(secs, sizeof secs, "%ld", offline_seconds(s));
	const char *p[] = {now->text, secs};
	int rc = count_failed(
	    s,
	    sc_pg_query(
	        s->svc.pg,
	        "UPDATE sched.sessions s SET state = 'failed', finished_at = "
	        "$1::timestamptz, reason = 'the daemon went offline: no heartbeat or "
	        "progress for ' || $2 || ' s' FROM core.daemons d WHERE d.id = "
	        "s.daemon_id "
	        "AND s.state IN ('starting', 'running') AND s.dispatch IN ('poll', "
	        "'server') AND "
	        "coalesce(d.last_seen, '-infinity') < $1::timestamptz - "
	        "make_interval(secs "
	        "=> $2::int)",
	        2, p),
	    "their daemon went offline");
	if (rc)
		return rc;
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    "UPDATE sched.sessions s SET reason = 'waiting for the daemon, offline since "
	    "' || to_char(d.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' "
	    "UTC' FROM core.daemons d WHERE d.id = s.daemon_id AND s.state = 'pending' "
	    "AND s.dispatch IN ('poll', 'server') AND s.reason IS NULL AND d.last_seen < "
	    "$1::timestamptz - make_interval(secs => $2::int)",
	    2, p);
	PQclear(r);
	return r ? 0 : -1;
}

int sched_supervise(struct scheduler *s, const struct sched_now *now)
{
	if (daemons_offline(s, now))
		return -1;
	char stall[24], maxrun[24], pending[24];
	snprintf(stall, sizeof stall, "%ld", s->stall_seconds);
	snprintf(maxrun, sizeof maxrun, "%ld", s->max_run_seconds);
	snprintf(pending, sizeof pending, "%ld", s->pending_seconds);
	const char *p[] = {stall, maxrun, pending, now->text};
	return count_failed(
	    s,
	    sc_pg_query(
	        s->svc.pg,
	        "UPDATE sched.sessions SET state = 'failed', finished_at = "
	        "$4::timestamptz, reason = CASE WHEN state = 'pending' THEN 'the daemon "
	        "did not pick the job up within ' || $3 || ' s (offline?)' WHEN "
	        "started_at < $4::timestamptz - make_interval(secs => $2::int) THEN "
	        "'exceeded the maximum run time of ' || $2 || ' s' ELSE 'stalled: no "
	        "progress for ' || $1 || ' s' END WHERE (state IN ('starting', "
	        "'running') "
	        "AND (coalesce(last_progress_at, started_at, created_at) < "
	        "$4::timestamptz "
	        "- make_interval(secs => $1::int) OR started_at < $4::timestamptz - "
	        "make_interval(secs => $2::int))) OR (state = 'pending' AND created_at < "
	        "$4::timestamptz - make_interval(secs => $3::int))",
	        4, p),
	    "stalled, overdue or never picked up");
}
