/* Discovery sessions as the gateway sees them: users ask for a discovery on a
 * network, DaemonPoll daemons claim their pending sessions on each heartbeat
 * and report progress. Sessions live in the scheduler's schema, which grants
 * the tenant role what this file does; the scheduler supervises them. */
#include "events.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_batch.h"
#include "sc_pg.h"
#include "sched_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool discovery_type_valid(const char *t)
{
	static const char *const types[] = {"self_report", "network", "snmp", "docker",
	                                    "unified"};
	for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

/* Targets as a PostgreSQL text[] literal of CIDRs/addresses; -1 if invalid,
 * or an IPv6 prefix shorter than /120 (the daemon never sweeps one). */
int targets_literal(json_t *targets, char *out, size_t len)
{
	size_t n = 0;
	out[n++] = '{';
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t)
	{
		const char *s = json_string_value(t);
		if (!s || !*s || strlen(s) > 64 ||
		    strspn(s, "0123456789abcdefABCDEF:./") != strlen(s))
			return -1;
		const char *slash = strchr(s, '/');
		if (strchr(s, ':') && slash && atoi(slash + 1) < 120)
			return -1;
		int w = snprintf(out + n, len - n, "%s%s", i ? "," : "", s);
		if (w < 0 || (size_t)w >= len - n - 1)
			return -1;
		n += (size_t)w;
	}
	out[n++] = '}';
	out[n] = '\0';
	return 0;
}

/* POST /api/v1/networks/{id}/discoveries {type, targets?, deep?, deep_targets?,
 * daemon_id?} */
enum MHD_Result api_discoveries_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *type = json_str(in, "type"), *daemon = json_str(in, "daemon_id");
	json_t *targets = json_object_get(in, "targets"),
	       *deep = json_object_get(in, "deep"),
	       *deep_targets = json_object_get(in, "deep_targets");
	char tlit[4096] = "{}", dlit[4096] = "{}";
	if (!discovery_type_valid(type))
		res = reply_error(r, 422, "invalid_field",
		                  "type: self_report, network, snmp, docker or unified",
		                  "type");
	else if (targets && (!json_is_array(targets) || json_array_size(targets) > 64 ||
	                     targets_literal(targets, tlit, sizeof tlit)))
		res = reply_error(r, 422, "invalid_field",
		                  "targets: up to 64 CIDRs or addresses (IPv6: "
		                  "addresses or prefixes of /120 or longer)",
		                  "targets");
	else if (deep && !json_is_boolean(deep))
		res = reply_error(r, 422, "invalid_field", "deep: true or false", "deep");
	else if (deep_targets &&
	         (!json_is_array(deep_targets) || json_array_size(deep_targets) > 64 ||
	          targets_literal(deep_targets, dlit, sizeof dlit)))
		res = reply_error(r, 422, "invalid_field",
		                  "deep_targets: up to 64 CIDRs or addresses "
		                  "(IPv6: /120 or longer) to scan on "
		                  "every port",
		                  "deep_targets");
	else if (daemon && !is_uuid(daemon))
		res = reply_error(r, 422, "invalid_field", "daemon_id: not a UUID",
		                  "daemon_id");
	else if (strcmp(dlit, "{}") &&
	         deep_targets_within(r, daemon, r->param[0], NULL, tlit, dlit, &res))
		; /* refused: res holds the 422 */
	else {
		char started_by[64];
		snprintf(started_by, sizeof started_by, "user:%s", r->who.user_id);
		const char *p[] = {
		    r->param[0], daemon,     type, json_is_true(deep) ? "t" : "f",
		    tlit,        started_by, dlit};
		/* The daemon: the one named, else the network's most recently seen. */
		res = reply_query_json(
		    r, 201,
		    "WITH d AS (SELECT id, org_id, network_id, mode FROM core.daemons "
		    "WHERE "
		    "network_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid) ORDER BY "
		    "last_seen "
		    "DESC NULLS LAST LIMIT 1), s AS (INSERT INTO sched.sessions (org_id, "
		    "network_id, daemon_id, discovery_type, deep, targets, deep_targets, "
		    "dispatch, started_by) SELECT d.org_id, d.network_id, d.id, $3, "
		    "$4::boolean, $5::text[], $7::text[], " DISPATCH_OF_DAEMON
		    ", $6 FROM d RETURNING *) "
		    "SELECT " SESSION_JSON " FROM s",
		    7, p, 404,
		    "no such network, or no daemon in it to run the discovery");
	}
	json_decref(in);
	return res;
}

/* GET /api/v1/sessions/{id} */
enum MHD_Result api_session_get(struct request *r)
{
	const char *p[] = {r->param[0]};
	return reply_query_json(
	    r, 200, "SELECT " SESSION_JSON " FROM sched.sessions s WHERE s.id = $1", 1, p,
	    404, "no such session");
}

/* GET /api/v1/sessions?network_id=&daemon_id=&state=&limit= (newest first;
 * limit 1..500, 50 by default) */
enum MHD_Result api_sessions_list(struct request *r)
{
	const char *net = request_query(r, "network_id"),
	           *daemon = request_query(r, "daemon_id"),
	           *state = request_query(r, "state"), *limit = request_query(r, "limit");
	static const char *const states[] = {"pending",   "starting", "running",
	                                     "completed", "failed",   "cancelled"};
	bool state_ok = !state;
	for (size_t i = 0; state && i < sizeof states / sizeof states[0]; i++)
		state_ok |= !strcmp(state, states[i]);
	char *end = NULL;
	long n = limit ? strtol(limit, &end, 10) : 50;
	if ((net && !is_uuid(net)) || (daemon && !is_uuid(daemon)))
		return reply_error(r, 400, "invalid_field",
		                   "network_id, daemon_id: UUIDs",
		                   net && !is_uuid(net) ? "network_id" : "daemon_id");
	if (!state_ok)
		return reply_error(r, 400, "invalid_field",
		                   "state: pending, starting, running, completed, failed "
		                   "or cancelled",
		                   "state");
	if (limit && (!*limit || *end || n < 1 || n > 500))
		return reply_error(r, 400, "invalid_field", "limit: 1 to 500", "limit");
	char ns[16];
	snprintf(ns, sizeof ns, "%ld", n);
	const char *p[] = {net, daemon, state, ns};
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(j ORDER BY created_at DESC, id), '[]')::text FROM "
	    "(SELECT " SESSION_JSON "::json j, s.created_at, s.id FROM sched.sessions s "
	    "WHERE ($1::uuid IS NULL OR s.network_id = $1::uuid) AND ($2::uuid IS NULL "
	    "OR "
	    "s.daemon_id = $2::uuid) AND ($3::text IS NULL OR s.state = $3) ORDER BY "
	    "s.created_at DESC, s.id LIMIT $4::int) x",
	    4, p, 404, "no sessions");
}

/* POST /api/v1/sessions/{id}/cancel: a pending session is cancelled at once;
 * a starting or running one is cancelled too, and its daemon is told on its
 * next progress report or heartbeat (cancel_pending until it acknowledges).
 * A finished session answers 409. */
enum MHD_Result api_session_cancel(struct request *r)
{
	char by[64];
	snprintf(by, sizeof by, "cancelled by user:%s", r->who.user_id);
	const char *p[] = {r->param[0], by};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "WITH c AS (UPDATE sched.sessions s SET state = 'cancelled', finished_at = "
	    "now(), reason = $2, cancel_pending = s.state IN ('starting', 'running') "
	    "WHERE s.id = $1 AND s.state IN ('pending', 'starting', 'running') RETURNING "
	    "s.*) SELECT 1, (SELECT " SESSION_JSON " FROM c s) UNION ALL SELECT 2, "
	    "state FROM sched.sessions WHERE id = $1 ORDER BY 1",
	    2, p);
	enum MHD_Result res;
	if (!q)
		res = reply_db_error(r);
	else if (!PQgetisnull(q, 0, 1))
		res = reply_bytes(r, 200, "application/json", PQgetvalue(q, 0, 1),
		                  (size_t)PQgetlength(q, 0, 1));
	else if (PQntuples(q) < 2)
		res = reply_not_found(r, "no such session");
	else {
		char msg[128];
		snprintf(msg, sizeof msg, "the session has already finished (%s)",
		         PQgetvalue(q, 1, 1));
		res = reply_error(r, 409, "conflict", msg, NULL);
	}
	PQclear(q);
	return res;
}

static Scanopy__V1__SessionState session_state(const char *s)
{
	return !strcmp(s, "completed")   ? SCANOPY__V1__SESSION_STATE__SESSION_COMPLETED
	       : !strcmp(s, "failed")    ? SCANOPY__V1__SESSION_STATE__SESSION_FAILED
	       : !strcmp(s, "cancelled") ? SCANOPY__V1__SESSION_STATE__SESSION_CANCELLED
	                                 : SCANOPY__V1__SESSION_STATE__SESSION_RUNNING;
}

/* The progress a daemon reported, as a live event for the network. */
static void publish_progress(struct request *r, const char *state, json_t *in)
{
	json_t *pct = json_object_get(in, "progress"),
	       *hosts = json_object_get(in, "hosts_found"),
	       *ports = json_object_get(in, "ports_found");
	Scanopy__V1__ScanProgress pr = SCANOPY__V1__SCAN_PROGRESS__INIT;
	pr.phase = (char *)json_str(in, "phase");
	pr.has_percent = pct != NULL;
	pr.percent = (uint32_t)json_integer_value(pct);
	pr.has_hosts_found = hosts != NULL;
	pr.hosts_found = (uint32_t)json_integer_value(hosts);
	pr.has_ports_found = ports != NULL;
	pr.ports_found = (uint32_t)json_integer_value(ports);
	Scanopy__V1__SessionEvent se = SCANOPY__V1__SESSION_EVENT__INIT;
	se.session_id = (char *)r->param[1];
	se.has_state = 1;
	se.state = session_state(state);
	se.progress = &pr;
	se.reason = (char *)json_str(in, "reason");
	Scanopy__V1__Event ev = SCANOPY__V1__EVENT__INIT;
	ev.has_at_ms = 1;
	ev.at_ms = sc_now_ms();
	ev.org_id = r->who.org_id;
	ev.network_id = r->who.network_id;
	ev.kind_case = SCANOPY__V1__EVENT__KIND_SESSION;
	ev.session = &se;
	events_publish(r->gw, &ev);
}

/* POST /api/v1/daemons/{id}/sessions/{sid}/progress {state, progress?, phase?,
 * reason?, summary?, hosts_found?, ports_found?}: only the session's own
 * daemon, only forward (a finished session stays finished). Counts as the
 * daemon's contact. The answer is the session with "cancel": true when the
 * daemon should stop (a user cancelled it); the daemon acknowledges by
 * reporting any final state, which leaves the session cancelled. Progress is
 * "made" (last_progress_at) only when state, percent, phase or counts change,
 * so a daemon repeating itself still stalls. */
enum MHD_Result api_session_progress(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *state = json_str(in, "state"), *phase = json_str(in, "phase"),
	           *reason = json_str(in, "reason"), *summary = json_str(in, "summary");
	json_t *pct = json_object_get(in, "progress"),
	       *hosts = json_object_get(in, "hosts_found"),
	       *ports = json_object_get(in, "ports_found");
	char ps[16] = "", hs[16] = "", os[16] = "";
	if (!state || (strcmp(state, "running") && strcmp(state, "completed") &&
	               strcmp(state, "failed") && strcmp(state, "cancelled"))) {
		res = reply_error(r, 422, "invalid_field",
		                  "state: running, completed, failed or cancelled",
		                  "state");
	} else if ((pct && (!json_is_integer(pct) || json_integer_value(pct) < 0 ||
	                    json_integer_value(pct) > 100)) ||
	           (hosts && (!json_is_integer(hosts) || json_integer_value(hosts) < 0 ||
	                      json_integer_value(hosts) > 2147483647)) ||
	           (ports && (!json_is_integer(ports) || json_integer_value(ports) < 0 ||
	                      json_integer_value(ports) > 2147483647))) {
		res = reply_error(r, 422, "invalid_field",
		                  "progress 0..100, counts whole numbers", "progress");
	} else if ((phase && strlen(phase) > 64) || (reason && strlen(reason) > 500) ||
	           (summary && strlen(summary) > 500)) {
		res = reply_error(
		    r, 422, "invalid_field",
		    "phase up to 64, reason and summary up to 500 characters", "phase");
	} else {
		if (pct)
			snprintf(ps, sizeof ps, "%lld",
			         (long long)json_integer_value(pct));
		if (hosts)
			snprintf(hs, sizeof hs, "%lld",
			         (long long)json_integer_value(hosts));
		if (ports)
			snprintf(os, sizeof os, "%lld",
			         (long long)json_integer_value(ports));
		const char *p[] = {r->param[1], r->param[0],       r->who.network_id,
		                   state,       pct ? ps : NULL,   phase,
		                   reason,      hosts ? hs : NULL, ports ? os : NULL,
		                   summary};
		res = reply_query_json(
		    r, 200,
		    "WITH t AS (UPDATE core.daemons SET last_seen = now() WHERE id = $2 "
		    "AND "
		    "network_id = $3), u AS (UPDATE sched.sessions s SET state = CASE "
		    "WHEN "
		    "s.state = 'cancelled' THEN 'cancelled' ELSE $4 END, progress = CASE "
		    "WHEN $4 = 'completed' AND s.state <> 'cancelled' THEN 100 ELSE "
		    "coalesce($5::int, s.progress) END, phase = coalesce($6, s.phase), "
		    "reason = CASE WHEN s.state = 'cancelled' THEN s.reason ELSE "
		    "coalesce($7, s.reason) END, hosts_found = coalesce($8::int, "
		    "s.hosts_found), ports_found = coalesce($9::int, s.ports_found), "
		    "summary = coalesce($10, s.summary), cancel_pending = "
		    "s.cancel_pending "
		    "AND $4 = 'running', last_progress_at = CASE WHEN $4 <> s.state OR "
		    "coalesce($5::int, s.progress) <> s.progress OR coalesce($6, "
		    "s.phase) "
		    "IS DISTINCT FROM s.phase OR coalesce($8::int, s.hosts_found) <> "
		    "s.hosts_found OR coalesce($9::int, s.ports_found) <> s.ports_found "
		    "OR "
		    "s.last_progress_at IS NULL THEN now() ELSE s.last_progress_at END, "
		    "started_at = coalesce(s.started_at, now()), finished_at = CASE WHEN "
		    "s.state = 'cancelled' THEN s.finished_at WHEN $4 IN ('completed', "
		    "'failed', 'cancelled') THEN now() END WHERE s.id = $1 AND "
		    "s.daemon_id "
		    "= $2 AND s.network_id = $3 AND (s.state IN ('starting', 'running') "
		    "OR "
		    "(s.state = 'cancelled' AND s.cancel_pending)) RETURNING s.*) "
		    "SELECT (" SESSION_JSON
		    "::jsonb || jsonb_build_object('cancel', s.state "
		    "= 'cancelled'))::text FROM u s",
		    10, p, 409, "no such open session for this daemon");
		if (r->status == 200)
			publish_progress(r, state, in);
	}
	json_decref(in);
	return res;
}
