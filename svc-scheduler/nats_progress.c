/* Integrated daemons (jobs over NATS) report to the scheduler, not to the
 * gateway: their running job's state and progress arrive on
 * scanopy.progress.<daemon> (agent/nats_report.h), consumed by one replica
 * (a queue group) and applied here once per tick; they count as the daemon's
 * contact (last_seen). Cancels go the other way: a session a user cancelled
 * while it ran is sent to scanopy.cancel.<daemon> each tick until the daemon
 * reports a final state for it. */
#include "sc_log.h"
#include "scheduler.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define REPORTS_PER_TICK 1000

static long int_or(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static bool uuid_like(const char *s)
{
	return s && strlen(s) == 36 && strspn(s, "0123456789abcdefABCDEF-") == 36;
}

/* One report from daemon (the subject's last token). */
static int apply(struct scheduler *s, const struct sched_now *now, const char *daemon,
                 json_t *j)
{
	const char *sid = json_string_value(json_object_get(j, "session_id"));
	const char *state = json_string_value(json_object_get(j, "state"));
	if (!uuid_like(sid) || !state || !uuid_like(daemon))
		return 0;
	bool open = !strcmp(state, "queued") || !strcmp(state, "running");
	if (!open && strcmp(state, "completed") && strcmp(state, "failed") &&
	    strcmp(state, "cancelled"))
		return 0;
	const char *summary = json_string_value(json_object_get(j, "summary"));
	const char *p[] = {daemon, now->text, sid, open ? "t" : "f", summary};
	/* The session must be this daemon's; a final report acknowledges a cancel. */
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    "WITH t AS (UPDATE core.daemons SET last_seen = $2::timestamptz WHERE id = "
	    "$1::uuid) UPDATE sched.sessions SET cancel_pending = false, summary = "
	    "coalesce($5, summary) WHERE id = $3::uuid AND daemon_id = $1::uuid AND "
	    "dispatch = 'nats' AND state = 'cancelled' AND cancel_pending AND NOT "
	    "$4::boolean RETURNING 1",
	    5, p);
	if (!r)
		return -1;
	PQclear(r);
	const char *q[] = {sid, daemon};
	r = sc_pg_query(s->svc.pg,
	                "SELECT 1 FROM sched.sessions WHERE id = $1::uuid AND "
	                "daemon_id = $2::uuid AND dispatch = 'nats'",
	                2, q);
	int rc = r ? 0 : -1;
	if (r && PQntuples(r) == 1)
		rc = sched_session_apply(
		    s, now, sid, open ? "running" : state, (int)int_or(j, "progress"),
		    json_string_value(json_object_get(j, "phase")),
		    open ? NULL : json_string_value(json_object_get(j, "reason")),
		    open ? NULL : summary, int_or(j, "hosts_found"),
		    int_or(j, "ports_found"));
	PQclear(r);
	return rc;
}

static int take_reports(struct scheduler *s, const struct sched_now *now)
{
	if (!s->progress_sub &&
	    natsConnection_QueueSubscribeSync(&s->progress_sub, s->svc.nats.nc,
	                                      "scanopy.progress.*",
	                                      "scanopy-scheduler") != NATS_OK) {
		s->progress_sub = NULL;
		return 0; /* not connected yet: next tick */
	}
	for (int i = 0; i < REPORTS_PER_TICK; i++) {
		natsMsg *m = NULL;
		if (natsSubscription_NextMsg(&m, s->progress_sub, 0) != NATS_OK)
			return 0;
		const char *subject = natsMsg_GetSubject(m), *dot = strrchr(subject, '.');
		json_t *j = json_loadb(natsMsg_GetData(m),
		                       (size_t)natsMsg_GetDataLength(m), 0, NULL);
		int rc = dot ? apply(s, now, dot + 1, j) : 0;
		json_decref(j);
		natsMsg_Destroy(m);
		if (rc)
			return -1;
	}
	return 0;
}

static int send_cancels(struct scheduler *s)
{
	PGresult *r =
	    sc_pg_query(s->svc.pg,
	                "SELECT id, daemon_id FROM sched.sessions WHERE dispatch = "
	                "'nats' AND state = 'cancelled' AND cancel_pending LIMIT 500",
	                0, NULL);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		char subject[128];
		snprintf(subject, sizeof subject, "scanopy.cancel.%s",
		         PQgetvalue(r, i, 1));
		natsConnection_PublishString(s->svc.nats.nc, subject,
		                             PQgetvalue(r, i, 0));
	}
	PQclear(r);
	return 0;
}

int sched_nats_progress(struct scheduler *s, const struct sched_now *now)
{
	if (!sc_nats_connected(&s->svc.nats))
		return 0;
	if (take_reports(s, now))
		return -1;
	return send_cancels(s);
}
