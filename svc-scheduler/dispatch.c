/* Handing jobs to NATS-connected daemons (scanopy.jobs.<daemon>). A session
 * row exists before its job is sent (an outbox): this step claims pending
 * sessions, sends their jobs as requests (the daemon answers "accepted", so a
 * job sent while no daemon listens is not lost: core NATS would drop it), and
 * in the same transaction moves each accepted one to `starting` or, when no
 * daemon took it, schedules a retry with
 * exponential backoff (1 s, 2 s, 4 s ... at most 5 min) and after the last
 * attempt fails the session with the reason. A job sent twice (a crash after
 * the publish, before the commit) carries the same session id.
 *
 * Fairness: per daemon, only its oldest pending session is a candidate, and
 * only while it has no session starting or running: one at a time, oldest
 * first whichever schedule or user asked. DaemonPoll sessions are claimed the
 * same way by the gateway on the daemon's heartbeat. */
#include "sc_log.h"
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_ANSWER_MS 3000

/* Sends one claimed session's job (columns: SCHED_JOB_COLUMNS); 0 once the
 * daemon answered that it took it. */
static int send_job(struct scheduler *s, PGresult *r, int row)
{
	char subject[128];
	snprintf(subject, sizeof subject, "scanopy.jobs.%s", PQgetvalue(r, row, 3));
	size_t len = 0;
	uint8_t *buf = sched_job_pack(s, r, row, &len);
	natsMsg *answer = NULL;
	natsStatus st = buf ? natsConnection_Request(&answer, s->svc.nats.nc, subject,
	                                             buf, (int)len, JOB_ANSWER_MS)
	                    : NATS_NO_MEMORY;
	bool taken = st == NATS_OK && natsMsg_GetDataLength(answer) == 8 &&
	             !memcmp(natsMsg_GetData(answer), "accepted", 8);
	natsMsg_Destroy(answer);
	free(buf);
	return taken ? 0 : -1;
}

int sched_dispatch_record(struct scheduler *s, const struct sched_now *now,
                          const char *ids, bool sent, const char *channel,
                          const char *why)
{
	if (sent) {
		const char *p[] = {ids, now->text};
		return sc_pg_exec(
		    s->svc.pg,
		    "UPDATE sched.sessions SET state = 'starting', started_at = "
		    "$2::timestamptz, last_progress_at = $2::timestamptz, "
		    "dispatch_attempts = dispatch_attempts + 1, reason = NULL "
		    "WHERE id = ANY($1::uuid[]) AND state = 'pending'",
		    2, p);
	}
	char attempts[16];
	snprintf(attempts, sizeof attempts, "%ld", s->dispatch_attempts);
	const char *p[] = {ids, now->text, attempts, why, channel};
	return sc_pg_exec(
	    s->svc.pg,
	    "UPDATE sched.sessions SET dispatch_attempts = dispatch_attempts + 1, "
	    "next_dispatch_at = $2::timestamptz + make_interval(secs => least(300, "
	    "power(2, dispatch_attempts))), state = CASE WHEN dispatch_attempts + 1 >= "
	    "$3::int THEN 'failed' ELSE state END, finished_at = CASE WHEN "
	    "dispatch_attempts + 1 >= $3::int THEN $2::timestamptz END, reason = CASE "
	    "WHEN dispatch_attempts + 1 >= $3::int THEN 'the job could not be handed to "
	    "the daemon ' || $5 || ' after ' || $3 || ' attempts: ' || $4 ELSE 'retrying "
	    "dispatch (attempt ' || (dispatch_attempts + 1) || '): ' || $4 END WHERE id "
	    "= ANY($1::uuid[]) AND state = 'pending'",
	    5, p);
}

int sched_dispatch(struct scheduler *s, const struct sched_now *now)
{
	PGconn *pg = s->svc.pg;
	if (sc_pg_exec(pg, "BEGIN", 0, NULL))
		return -1;
	char maxrun[24];
	snprintf(maxrun, sizeof maxrun, "%ld", s->max_run_seconds);
	const char *p[] = {now->text, maxrun};
	PGresult *r = sc_pg_query(
	    pg,
	    "SELECT " SCHED_JOB_COLUMNS " FROM sched.sessions p "
	    "WHERE state = 'pending' AND dispatch = 'nats' AND "
	    "coalesce(next_dispatch_at, "
	    "'-infinity') <= $1::timestamptz AND NOT EXISTS (SELECT 1 FROM "
	    "sched.sessions o WHERE o.daemon_id = p.daemon_id AND (o.state IN "
	    "('starting', 'running') OR (o.state = 'pending' AND (o.created_at, o.id) < "
	    "(p.created_at, p.id)))) ORDER BY created_at LIMIT 200 FOR UPDATE SKIP "
	    "LOCKED",
	    2, p);
	int rc = r ? 0 : -1;
	size_t cap = r ? (size_t)PQntuples(r) * 40 + 3 : 0;
	char *sent = r ? calloc(1, cap) : NULL, *failed = r ? calloc(1, cap) : NULL;
	if (r && (!sent || !failed))
		rc = -1;
	int nsent = 0, nfailed = 0;
	bool up = sc_nats_connected(&s->svc.nats);
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		bool ok = up && send_job(s, r, i) == 0;
		char *list = ok ? sent : failed;
		strcat(list, (ok ? nsent : nfailed) ? "," : "{");
		strcat(list, PQgetvalue(r, i, 0));
		*(ok ? &nsent : &nfailed) += 1;
	}
	if (rc == 0 && nsent) {
		strcat(sent, "}");
		rc = sched_dispatch_record(s, now, sent, true, "over NATS", NULL);
		sc_metric_add(s->jobs_sent, nsent);
	}
	if (rc == 0 && nfailed) {
		strcat(failed, "}");
		rc = sched_dispatch_record(
		    s, now, failed, false, "over NATS",
		    up ? "no daemon took it (not listening, or busy)"
		       : "not connected to NATS");
		sc_metric_add(s->dispatch_retries, nfailed);
		sc_warn("%d job(s) not dispatched (%s); retrying with backoff", nfailed,
		        up ? "no daemon took it" : "NATS unreachable");
	}
	PQclear(r);
	free(sent);
	free(failed);
	if (rc == 0)
		return sc_pg_exec(pg, "COMMIT", 0, NULL);
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}
