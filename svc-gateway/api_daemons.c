/* Daemons: the list users see, and the endpoints daemons call with their
 * network-scoped key (register, heartbeat, observation ingest). */
#include "events.h"
#include "http.h"
#include "observation.pb-c.h"
#include "reply.h"
#include "routes.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "sc_metrics.h"
#include "sc_nats.h"
#include "sc_pg.h"
#include "sched_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_INTERVAL_S 30

enum MHD_Result api_daemons_list(struct request *r)
{
	const char *net = request_query(r, "network_id");
	if (net && !is_uuid(net))
		return reply_error(r, 422, "invalid_field", "network_id: not a UUID",
		                   "network_id");
	const char *p[] = {net};
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(json_build_object('id', id, 'network_id', "
	    "network_id, "
	    "'name', name, 'mode', mode, 'version', version, 'hostname', hostname, "
	    "'url', url, 'call_key_prefix', call_key_prefix, "
	    "'capabilities', capabilities, 'last_seen', last_seen, 'offline', "
	    "coalesce(offline_at >= last_seen, false), 'created_at', "
	    "created_at) ORDER BY name), '[]')::text FROM core.daemons WHERE $1::uuid IS "
	    "NULL OR network_id = $1::uuid",
	    1, p, 404, "no daemons");
}

/* Daemons of another minor version in 0.x (or another major later) speak a
 * contract this server may not read the same way: they must upgrade. */
static bool version_compatible(const char *v)
{
	unsigned smaj, smin, dmaj, dmin;
	if (!v || sscanf(v, "%u.%u", &dmaj, &dmin) != 2 ||
	    sscanf(SCANOPY_VERSION, "%u.%u", &smaj, &smin) != 2)
		return false;
	return dmaj == smaj && (smaj > 0 || dmin == smin);
}

/* POST /api/v1/daemons/register: idempotent on daemon_id. */
enum MHD_Result api_daemon_register(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *id = json_str(in, "daemon_id"), *name = json_str(in, "name"),
	           *version = json_str(in, "version"), *mode = json_str(in, "mode"),
	           *hostname = json_str(in, "hostname");
	json_t *caps = json_object_get(in, "capabilities");
	char *caps_text = NULL;
	if (id && !is_uuid(id))
		res = reply_error(r, 422, "invalid_field", "daemon_id: not a UUID",
		                  "daemon_id");
	else if (!name || !*name || strlen(name) > 200)
		res = reply_error(r, 422, "invalid_field", "name: 1 to 200 characters",
		                  "name");
	else if (!mode || (strcmp(mode, "daemon_poll") && strcmp(mode, "server_poll") &&
	                   strcmp(mode, "integrated")))
		res = reply_error(r, 422, "invalid_field",
		                  "mode: daemon_poll, server_poll or integrated", "mode");
	else if (caps && !json_is_object(caps))
		res = reply_error(r, 422, "invalid_field", "capabilities: an object",
		                  "capabilities");
	else if (!version_compatible(version))
		res = reply_error(
		    r, 426, "upgrade_required",
		    "this daemon's version does not match the server's " SCANOPY_VERSION
		    "; upgrade the daemon",
		    "version");
	else {
		caps_text = caps ? json_dumps(caps, JSON_COMPACT) : strdup("{}");
		const char *p[] = {id,   r->who.org_id, r->who.network_id, name,
		                   mode, version,       hostname,          caps_text};
		PGresult *q = db_tenant_query(
		    r->gw->db, &r->who,
		    "WITH d AS (INSERT INTO core.daemons (id, org_id, network_id, name, "
		    "mode, version, "
		    "hostname, capabilities, last_seen) VALUES (coalesce($1::uuid, "
		    "gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8::jsonb, now()) ON "
		    "CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, mode = "
		    "EXCLUDED.mode, "
		    "version = EXCLUDED.version, hostname = EXCLUDED.hostname, "
		    "capabilities = "
		    "EXCLUDED.capabilities, last_seen = now() WHERE "
		    "core.daemons.network_id = "
		    "EXCLUDED.network_id RETURNING *), "
		    /* A daemon registers once, when it starts: a session it was
		     * running before can no longer finish. */
		    "fl AS (UPDATE sched.sessions s SET state = 'failed', finished_at "
		    "= now(), reason = 'the daemon restarted while running this "
		    "session' FROM d WHERE s.daemon_id = d.id AND s.state IN "
		    "('starting', 'running') AND s.dispatch = 'poll'), "
		    "sch AS (" DEFAULT_SCHEDULES_OF_D ") "
		    "SELECT json_build_object('daemon_id', id, 'org_id', org_id, "
		    "'network_id', "
		    "network_id, 'name', name, 'server_version', '" SCANOPY_VERSION
		    "', 'poll_interval_seconds', " SC_STR(
		        POLL_INTERVAL_S) ", 'server_time_ms', "
		                         "(extract(epoch FROM now()) * "
		                         "1000)::bigint)::text, id::text FROM d",
		    8, p);
		if (!q)
			res = reply_db_error(r);
		else if (PQntuples(q) == 0)
			res = reply_error(
			    r, 409, "conflict",
			    "this daemon id is registered to another network", NULL);
		else {
			res = reply_bytes(r, 200, "application/json", PQgetvalue(q, 0, 0),
			                  (size_t)PQgetlength(q, 0, 0));
			/* Online now: the Daemons page shows it without a reload. */
			events_daemon_online(r->gw, r->who.org_id, r->who.network_id,
			                     PQgetvalue(q, 0, 1), version);
		}
		PQclear(q);
	}
	free(caps_text);
	json_decref(in);
	return res;
}

/* Marks the daemon seen; 0 when it exists in the key's network. A daemon
 * streaming batches would otherwise commit a row update (a WAL flush) per
 * batch: last_seen moves at most every 10 s, so most batches only read. */
static int touch_daemon(struct request *r, const char *daemon_id, bool *found)
{
	const char *p[] = {daemon_id, r->who.network_id};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "WITH d AS (SELECT id, last_seen FROM core.daemons WHERE id = $1 AND "
	    "network_id = $2), u AS (UPDATE core.daemons c SET last_seen = now() FROM "
	    "d WHERE c.id = d.id AND d.last_seen < now() - interval '10 seconds') "
	    "SELECT 1 FROM d",
	    2, p);
	*found = q && PQntuples(q) == 1;
	PQclear(q);
	return q ? 0 : -1;
}

/* POST /api/v1/daemons/{id}/heartbeat: the DaemonPoll tick. Marks the daemon
 * seen and hands it its next pending session, claimed in the same statement
 * (SKIP LOCKED) so two heartbeats never get the same job. One job at a time. */
enum MHD_Result api_daemon_heartbeat(struct request *r)
{
	/* A daemon not heard from for daemon_offline_after_s is offline, as is
	 * one announced offline (daemon_offline.h) and not heard from since
	 * (one sweep may not have run yet): this heartbeat announces it online
	 * again. */
	char away[24];
	snprintf(away, sizeof away, "%ld", r->gw->daemon_offline_after_s);
	const char *p[] = {r->param[0], r->who.network_id, away};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "WITH o AS (SELECT last_seen, offline_at FROM core.daemons WHERE id = $1 AND "
	    "network_id = $2), t AS (UPDATE core.daemons SET last_seen = now() WHERE "
	    "id = $1 AND network_id = $2 RETURNING id), j AS (UPDATE sched.sessions s "
	    "SET state = "
	    "'starting', started_at = now(), last_progress_at = now(), reason = NULL "
	    "WHERE s.id IN "
	    "(SELECT id FROM sched.sessions WHERE daemon_id = $1 AND network_id = $2 AND "
	    "state = 'pending' AND dispatch = 'poll' AND EXISTS (SELECT 1 FROM t) AND "
	    "NOT "
	    "EXISTS (SELECT 1 FROM sched.sessions o WHERE o.daemon_id = $1 AND o.state "
	    "IN "
	    "('starting', 'running')) ORDER BY created_at LIMIT 1 FOR UPDATE SKIP "
	    "LOCKED) "
	    "RETURNING s.id, s.discovery_type, s.deep, s.targets, s.deep_targets) SELECT "
	    "CASE WHEN "
	    "EXISTS "
	    "(SELECT 1 FROM t) THEN json_build_object('server_time_ms', (extract(epoch "
	    "FROM "
	    "now()) * 1000)::bigint, 'poll_interval_seconds', " SC_STR(
	        POLL_INTERVAL_S) ", 'jobs', coalesce((SELECT json_agg(json_build_object("
	                         "'session_id', id, 'type', discovery_type, 'deep', "
	                         "deep, "
	                         "'targets', targets, 'deep_targets', deep_targets)) "
	                         "FROM j), '[]'), 'cancel', "
	                         "coalesce((SELECT json_agg(c.id) FROM "
	                         "sched.sessions c WHERE c.daemon_id = $1 AND "
	                         "c.cancel_pending), '[]'))::text END, "
	                         "EXISTS (SELECT 1 FROM o WHERE o.last_seen < now() - "
	                         "$3 * interval '1 second' OR o.offline_at >= "
	                         "o.last_seen)",
	    3, p);
	if (!q)
		return reply_db_error(r);
	json_t *answer = PQntuples(q) == 1 && !PQgetisnull(q, 0, 0)
	                     ? json_loads(PQgetvalue(q, 0, 0), 0, NULL)
	                     : NULL;
	/* Back after an absence: online again, live. */
	if (answer && !strcmp(PQgetvalue(q, 0, 1), "t"))
		events_daemon_online(r->gw, r->who.org_id, r->who.network_id, r->param[0],
		                     NULL);
	PQclear(q);
	if (!answer)
		return reply_not_found(
		    r, "no such daemon in this key's network; register first");
	/* SNMP credentials travel with the jobs that use them (the network scan
	 * probes UDP 161 with the communities), decrypted here only. */
	size_t i;
	json_t *job;
	json_array_foreach(json_object_get(answer, "jobs"), i, job)
	{
		const char *t = json_string_value(json_object_get(job, "type"));
		if (t && (!strcmp(t, "snmp") || !strcmp(t, "unified") ||
		          !strcmp(t, "network")))
			json_object_set_new(job, "snmp_credentials",
			                    snmp_credentials_json(r, r->who.network_id));
	}
	return reply_json(r, 200, answer);
}

/* POST /api/v1/daemons/{id}/batches (application/x-protobuf ObservationBatch):
 * stamped with the key's organisation and network and the path's daemon,
 * never with what the body claims, and answered only once JetStream has it. */
enum MHD_Result api_daemon_batches(struct request *r)
{
	const char *type = request_header(r, "Content-Type");
	if (!type || strncasecmp(type, "application/x-protobuf", 22))
		return reply_error(r, 415, "unsupported_media_type",
		                   "send an ObservationBatch as application/x-protobuf",
		                   NULL);
	Scanopy__V1__ObservationBatch *b = scanopy__v1__observation_batch__unpack(
	    NULL, r->body_len, (const uint8_t *)r->body);
	if (!b)
		return reply_error(r, 400, "invalid_protobuf",
		                   "the body is not an ObservationBatch", NULL);
	enum MHD_Result res;
	bool found = false;
	if (!b->header || !b->header->has_sequence || b->header->sequence == 0) {
		res = reply_error(r, 422, "invalid_field", "header.sequence is required",
		                  "header.sequence");
	} else if (touch_daemon(r, r->param[0], &found)) {
		res = reply_db_error(r);
	} else if (!found) {
		res = reply_not_found(
		    r, "no such daemon in this key's network; register first");
	} else {
		Scanopy__V1__BatchHeader *h = b->header;
		char *claimed[] = {h->org_id, h->network_id, h->daemon_id};
		h->org_id = r->who.org_id;
		h->network_id = r->who.network_id;
		h->daemon_id = (char *)r->param[0];
		size_t len = scanopy__v1__observation_batch__get_packed_size(b);
		uint8_t *buf = malloc(len ? len : 1);
		char subject[192], id[96];
		if (!buf) {
			res = reply_error(r, 500, "internal", "out of memory", NULL);
		} else {
			scanopy__v1__observation_batch__pack(b, buf);
			sc_subject(subject, sizeof subject, SC_SUBJECT_RAW, h->org_id,
			           h->network_id);
			sc_batch_id(h, id, sizeof id);
			if (sc_nats_publish(&r->gw->svc.nats, subject, buf, len, id, NULL,
			                    0))
				res = reply_error(
				    r, 503, "unavailable",
				    "the message bus did not take the batch; resend it",
				    NULL);
			else
				res = reply_json(
				    r, 202,
				    json_pack("{s:b, s:I, s:i}", "accepted", 1,
				              "sequence", (json_int_t)h->sequence,
				              "observations", (int)b->n_observations));
		}
		free(buf);
		/* Restore what unpack allocated so free_unpacked frees its own. */
		h->org_id = claimed[0];
		h->network_id = claimed[1];
		h->daemon_id = claimed[2];
	}
	scanopy__v1__observation_batch__free_unpacked(b, NULL);
	return res;
}
