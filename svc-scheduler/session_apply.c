/* A daemon's report on one of its open sessions, for the daemons whose
 * reports reach the scheduler rather than the gateway (ServerPoll daemons,
 * whose status the scheduler reads). Forward only: a finished session stays
 * finished. */
#include "scheduler.h"

#include <stdio.h>

int sched_session_apply(struct scheduler *s, const struct sched_now *now,
                        const char *session_id, const char *state, int percent,
                        const char *phase, const char *reason, const char *summary,
                        long hosts, long ports)
{
	char ps[16], hs[24], os[24];
	snprintf(ps, sizeof ps, "%d", percent);
	snprintf(hs, sizeof hs, "%ld", hosts);
	snprintf(os, sizeof os, "%ld", ports);
	const char *p[] = {session_id,
	                   state,
	                   percent >= 0 ? ps : NULL,
	                   phase,
	                   reason,
	                   hosts >= 0 ? hs : NULL,
	                   ports >= 0 ? os : NULL,
	                   summary,
	                   now->text};
	return sc_pg_exec(
	    s->svc.pg,
	    "UPDATE sched.sessions s SET state = $2, progress = CASE WHEN $2 = "
	    "'completed' THEN 100 ELSE coalesce($3::int, s.progress) END, phase = "
	    "coalesce($4, s.phase), reason = coalesce($5, s.reason), hosts_found = "
	    "coalesce($6::int, s.hosts_found), ports_found = coalesce($7::int, "
	    "s.ports_found), summary = coalesce($8, s.summary), last_progress_at = CASE "
	    "WHEN $2 <> s.state OR coalesce($3::int, s.progress) <> s.progress OR "
	    "coalesce($4, s.phase) IS DISTINCT FROM s.phase OR coalesce($6::int, "
	    "s.hosts_found) <> s.hosts_found OR coalesce($7::int, s.ports_found) <> "
	    "s.ports_found OR s.last_progress_at IS NULL THEN $9::timestamptz ELSE "
	    "s.last_progress_at END, started_at = coalesce(s.started_at, "
	    "$9::timestamptz), finished_at = CASE WHEN $2 IN ('completed', 'failed', "
	    "'cancelled') THEN $9::timestamptz END WHERE s.id = $1 AND s.state IN "
	    "('starting', 'running')",
	    9, p);
}
