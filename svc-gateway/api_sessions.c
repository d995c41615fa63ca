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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_JSON                                                                     \
	"json_build_object('id', s.id, 'network_id', s.network_id, 'daemon_id', "        \
	"s.daemon_id, 'type', s.discovery_type, 'deep', s.deep, 'targets', s.targets, "  \
	"'state', s.state, 'progress', s.progress, 'phase', s.phase, 'reason', "         \
	"s.reason, 'hosts_found', s.hosts_found, 'ports_found', s.ports_found, "         \
	"'started_by', s.started_by, 'created_at', s.created_at, 'started_at', "         \
	"s.started_at, 'finished_at', s.finished_at)::text"

static bool valid_type(const char *t)
{
	static const char *const types[] = {"self_report", "network", "snmp", "docker",
	                                    "unified"};
	for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

/* Targets as a PostgreSQL text[] literal of CIDRs/addresses; -1 if invalid. */
static int targets_literal(json_t *targets, char *out, size_t len)
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
		int w = snprintf(out + n, len - n, "%s%s", i ? "," : "", s);
		if (w < 0 || (size_t)w >= len - n - 1)
			return -1;
		n += (size_t)w;
	}
	out[n++] = '}';
	out[n] = '\0';
	return 0;
}

/* POST /api/v1/networks/{id}/discoveries {type, targets?, deep?, daemon_id?} */
enum MHD_Result api_discoveries_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *type = json_str(in, "type"), *daemon = json_str(in, "daemon_id");
	json_t *targets = json_object_get(in, "targets"),
	       *deep = json_object_get(in, "deep");
	char tlit[4096] = "{}";
	if (!valid_type(type))
		res = reply_error(r, 422, "invalid_field",
		                  "type: self_report, network, snmp, docker or unified",
		                  "type");
	else if (targets && (!json_is_array(targets) || json_array_size(targets) > 64 ||
	                     targets_literal(targets, tlit, sizeof tlit)))
		res = reply_error(r, 422, "invalid_field",
		                  "targets: up to 64 CIDRs or addresses", "targets");
	else if (deep && !json_is_boolean(deep))
		res = reply_error(r, 422, "invalid_field", "deep: true or false", "deep");
	else if (daemon && !is_uuid(daemon))
		res = reply_error(r, 422, "invalid_field", "daemon_id: not a UUID",
		                  "daemon_id");
	else {
		char started_by[64];
		snprintf(started_by, sizeof started_by, "user:%s", r->who.user_id);
		const char *p[] = {r->param[0], daemon,
		                   type,        json_is_true(deep) ? "t" : "f",
		                   tlit,        started_by};
		/* The daemon: the one named, else the network's most recently seen. */
		res = reply_query_json(
		    r, 201,
		    "WITH d AS (SELECT id, org_id, network_id, mode FROM core.daemons "
		    "WHERE "
		    "network_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid) ORDER BY "
		    "last_seen "
		    "DESC NULLS LAST LIMIT 1), s AS (INSERT INTO sched.sessions (org_id, "
		    "network_id, daemon_id, discovery_type, deep, targets, dispatch, "
		    "started_by) SELECT d.org_id, d.network_id, d.id, $3, $4::boolean, "
		    "$5::text[], CASE d.mode WHEN 'integrated' THEN 'nats' WHEN "
		    "'server_poll' "
		    "THEN 'server' ELSE 'poll' END, $6 FROM d RETURNING *) "
		    "SELECT " SESSION_JSON " FROM s",
		    6, p, 404,
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

static Scanopy__V1__SessionState session_state(const char *s)
{
	return !strcmp(s, "completed") ? SCANOPY__V1__SESSION_STATE__SESSION_COMPLETED
	       : !strcmp(s, "failed")  ? SCANOPY__V1__SESSION_STATE__SESSION_FAILED
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
 * reason?, hosts_found?, ports_found?}: only the session's own daemon, only
 * forward (a finished session stays finished). */
enum MHD_Result api_session_progress(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *state = json_str(in, "state"), *phase = json_str(in, "phase"),
	           *reason = json_str(in, "reason");
	json_t *pct = json_object_get(in, "progress"),
	       *hosts = json_object_get(in, "hosts_found"),
	       *ports = json_object_get(in, "ports_found");
	char ps[16] = "", hs[16] = "", os[16] = "";
	if (!state || (strcmp(state, "running") && strcmp(state, "completed") &&
	               strcmp(state, "failed"))) {
		res = reply_error(r, 422, "invalid_field",
		                  "state: running, completed or failed", "state");
	} else if ((pct && (!json_is_integer(pct) || json_integer_value(pct) < 0 ||
	                    json_integer_value(pct) > 100)) ||
	           (hosts && !json_is_integer(hosts)) ||
	           (ports && !json_is_integer(ports))) {
		res = reply_error(r, 422, "invalid_field",
		                  "progress 0..100, counts whole numbers", "progress");
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
		                   reason,      hosts ? hs : NULL, ports ? os : NULL};
		res = reply_query_json(
		    r, 200,
		    "UPDATE sched.sessions s SET state = $4, progress = CASE WHEN $4 = "
		    "'completed' THEN 100 ELSE coalesce($5::int, s.progress) END, phase "
		    "= "
		    "coalesce($6, s.phase), reason = coalesce($7, s.reason), hosts_found "
		    "= "
		    "coalesce($8::int, s.hosts_found), ports_found = coalesce($9::int, "
		    "s.ports_found), last_progress_at = now(), started_at = coalesce("
		    "s.started_at, now()), finished_at = CASE WHEN $4 IN ('completed', "
		    "'failed') THEN now() END WHERE s.id = $1 AND s.daemon_id = $2 AND "
		    "s.network_id = $3 AND s.state IN ('starting', 'running') "
		    "RETURNING " SESSION_JSON,
		    9, p, 409, "no such open session for this daemon");
		if (r->status == 200)
			publish_progress(r, state, in);
	}
	json_decref(in);
	return res;
}
