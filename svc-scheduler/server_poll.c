/* ServerPoll daemons: they cannot connect out, so the scheduler calls them
 * (daemon_http.h, the daemon's routes in agent/serve.h). Each tick, for each
 * due daemon, in a transaction holding its sched.server_polls row (SKIP
 * LOCKED, so replicas share the daemons and never call one twice at once):
 *
 *   1. GET /v1/status: the daemon is up; last_seen = now (its heartbeat).
 *   2. GET /v1/results until the spool is empty: each batch stamped with the
 *      organisation, network and daemon of the record (never of the body),
 *      published to OBS_RAW with its batch id as msg id (a batch pulled twice
 *      is dropped by the stream), then POST /v1/results/ack: a pull lost on
 *      the way loses nothing.
 *   3. Its open session: told to stop when a user cancelled it; its progress
 *      from the status; finished when the daemon says so and every result is
 *      pulled; failed when the daemon no longer knows it (restarted).
 *   4. No open session: POST /v1/jobs with its oldest pending one.
 *
 * A call that fails: the daemon is called again after 1, 2, 4 ... 60 s; its
 * due pending session counts a dispatch attempt (sched_dispatch_record: it
 * fails with the reason after dispatch_attempts); an open session is left to
 * the offline rule (supervise.c), since last_seen no longer moves. */
#include "call_key.h"
#include "daemon_http.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "scheduler.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAEMONS_PER_TICK 32
#define PULL_ROUNDS 32
#define PULL_BATCHES "32"
#define BUSY_POLL_SECONDS 1

struct sp_daemon {
	const char *id, *org, *net;
	struct dh_peer peer; /* peer.key points at key */
	char key[128];
	bool spool_empty, busy;
};

/* Pending sessions of the daemon that are due count a failed attempt, once
 * it has answered at least once: a daemon provisioned but not yet installed
 * is waited for (pending_seconds bounds that), its sessions saying why. */
static int dispatch_failed(struct scheduler *s, const struct sched_now *now,
                           const struct sp_daemon *d, const char *why)
{
	const char *p[] = {d->id, now->text, why};
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    "WITH never AS (UPDATE sched.sessions s SET reason = 'waiting for the "
	    "daemon, never reached at its URL yet: ' || $3 FROM core.daemons d WHERE "
	    "d.id = $1 AND d.last_seen IS NULL AND s.daemon_id = d.id AND s.dispatch = "
	    "'server' AND s.state = 'pending' RETURNING 1) SELECT '{' || "
	    "string_agg(id::text, ',') || '}' FROM sched.sessions WHERE daemon_id = $1 "
	    "AND dispatch = 'server' AND state = 'pending' AND "
	    "coalesce(next_dispatch_at, '-infinity') <= $2::timestamptz AND NOT EXISTS "
	    "(SELECT 1 FROM core.daemons d WHERE d.id = $1 AND d.last_seen IS NULL)",
	    3, p);
	int rc = r ? 0 : -1;
	if (r && !PQgetisnull(r, 0, 0))
		rc = sched_dispatch_record(s, now, PQgetvalue(r, 0, 0), false,
		                           "at its URL", why);
	PQclear(r);
	return rc;
}

/* The daemon did not answer (or not as expected): back off. */
static int daemon_failed(struct scheduler *s, const struct sched_now *now,
                         const struct sp_daemon *d, const char *why)
{
	sc_warn("server_poll daemon %s: %s", d->id, why);
	const char *p[] = {d->id, now->text, why};
	if (sc_pg_exec(s->svc.pg,
	               "UPDATE sched.server_polls SET failures = failures + 1, "
	               "last_poll_at = $2::timestamptz, last_error = $3, next_poll_at = "
	               "$2::timestamptz + make_interval(secs => least(60, power(2, "
	               "failures))) WHERE daemon_id = $1",
	               3, p))
		return -1;
	return dispatch_failed(s, now, d, why);
}

static int daemon_ok(struct scheduler *s, const struct sched_now *now,
                     const struct sp_daemon *d, const char *version)
{
	char secs[24];
	snprintf(secs, sizeof secs, "%ld",
	         d->busy ? BUSY_POLL_SECONDS : s->server_poll_seconds);
	const char *p[] = {d->id, now->text, secs, version};
	return sc_pg_exec(
	    s->svc.pg,
	    "WITH t AS (UPDATE core.daemons SET last_seen = $2::timestamptz, "
	    "version = coalesce($4, version) WHERE id = $1) UPDATE "
	    "sched.server_polls SET failures = 0, last_error = NULL, "
	    "last_poll_at = $2::timestamptz, next_poll_at = $2::timestamptz "
	    "+ make_interval(secs => $3::int) WHERE daemon_id = $1",
	    4, p);
}

/* Publishes one pulled batch; 0 when the stream has it (or it can never be
 * published: logged and acknowledged, so one bad batch cannot block all). */
static int publish_batch(struct scheduler *s, const struct sp_daemon *d, json_t *b)
{
	const char *b64 = json_string_value(json_object_get(b, "data"));
	size_t blen = b64 ? strlen(b64) : 0;
	uint8_t *raw = malloc(blen / 4 * 3 + 3), *out = NULL;
	int n =
	    raw && b64 ? EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)blen) : -1;
	if (n >= 0)
		n -= (blen > 0 && b64[blen - 1] == '=') +
		     (blen > 1 && b64[blen - 2] == '=');
	char subject[192], id[96], why[160] = "not base64";
	size_t olen = 0;
	int rc = 0;
	if (n < 0 ||
	    sc_batch_stamp(raw, (size_t)n, d->org, d->net, d->id, &out, &olen, id,
	                   sizeof id, why, sizeof why) ||
	    sc_subject(subject, sizeof subject, SC_SUBJECT_RAW, d->org, d->net)) {
		sc_error("server_poll daemon %s: batch %lld dropped: %s", d->id,
		         (long long)json_integer_value(json_object_get(b, "sequence")),
		         why);
	} else if (sc_nats_publish(&s->svc.nats, subject, out, olen, id, NULL, 0)) {
		rc = -1;
	}
	free(out);
	free(raw);
	return rc;
}

/* Pulls, publishes and acknowledges until the daemon's spool is empty or
 * publishing fails. */
static void pull_results(struct scheduler *s, struct sp_daemon *d)
{
	d->spool_empty = false;
	for (int round = 0; round < PULL_ROUNDS; round++) {
		struct dh_reply rep;
		if (dh_call(&d->peer, "/v1/results?max=" PULL_BATCHES, "GET", NULL, NULL,
		            0, &rep)) {
			sc_warn("server_poll daemon %s: pulling results: %s", d->id,
			        rep.error);
			dh_reply_free(&rep);
			return;
		}
		json_t *j = json_loadb(rep.body ? rep.body : "", rep.len, 0, NULL);
		dh_reply_free(&rep);
		json_t *arr = json_object_get(j, "batches"), *b;
		size_t i, published = 0;
		json_int_t last = -1;
		json_array_foreach(arr, i, b)
		{
			if (publish_batch(s, d, b))
				break;
			last = json_integer_value(json_object_get(b, "sequence"));
			published++;
		}
		bool all = published == json_array_size(arr),
		     empty = !json_array_size(arr);
		json_decref(j);
		if (empty) {
			d->spool_empty = true;
			return;
		}
		if (published) {
			char body[64];
			int len = snprintf(body, sizeof body, "{\"up_to\":%lld}",
			                   (long long)last);
			if (dh_call(&d->peer, "/v1/results/ack", "POST",
			            "application/json", body, (size_t)len, &rep))
				sc_warn(
				    "server_poll daemon %s: acknowledging results: %s",
				    d->id, rep.error);
			dh_reply_free(&rep);
		}
		if (!all) {
			sc_warn("server_poll daemon %s: the bus did not take a batch; "
			        "pulling again later",
			        d->id);
			return;
		}
	}
}

static long int_or(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* The open session (starting/running, or cancelled with the daemon not yet
 * told) against what the daemon says of its job. */
static int follow_session(struct scheduler *s, const struct sched_now *now,
                          struct sp_daemon *d, PGresult *sess, json_t *job)
{
	const char *sid = PQgetvalue(sess, 0, 0), *state = PQgetvalue(sess, 0, 1);
	bool cancel = !strcmp(state, "cancelled");
	const char *jsid = json_string_value(json_object_get(job, "session_id"));
	const char *jstate = json_string_value(json_object_get(job, "state"));
	const char *p[] = {sid, now->text};
	d->busy = true;
	if (!jsid || strcmp(jsid, sid) || !jstate) {
		/* The daemon does not have it: restarted, or another server's. */
		if (cancel)
			return sc_pg_exec(
			    s->svc.pg,
			    "UPDATE sched.sessions SET cancel_pending = false "
			    "WHERE id = $1",
			    1, p);
		return sched_session_apply(
		    s, now, sid, "failed", -1, NULL,
		    "the daemon no longer has this session (was it "
		    "restarted?)",
		    NULL, -1, -1);
	}
	bool open = !strcmp(jstate, "queued") || !strcmp(jstate, "running");
	if (cancel && open) {
		char path[96];
		struct dh_reply rep;
		snprintf(path, sizeof path, "/v1/jobs/%s/cancel", sid);
		if (dh_call(&d->peer, path, "POST", NULL, NULL, 0, &rep))
			sc_warn("server_poll daemon %s: cancelling %s: %s", d->id, sid,
			        rep.error);
		dh_reply_free(&rep);
		return 0;
	}
	const char *summary = json_string_value(json_object_get(job, "summary"));
	if (cancel) /* the daemon stopped: acknowledged */
		return sc_pg_exec(
		    s->svc.pg,
		    "UPDATE sched.sessions SET cancel_pending = false, summary = "
		    "coalesce($2, summary) WHERE id = $1",
		    2, (const char *[]){sid, summary});
	/* Finished only once every result it queued is here. */
	bool done = !open && d->spool_empty;
	d->busy = !done;
	return sched_session_apply(
	    s, now, sid, done ? jstate : "running", (int)int_or(job, "progress"),
	    json_string_value(json_object_get(job, "phase")),
	    done ? json_string_value(json_object_get(job, "reason")) : NULL,
	    done ? summary : NULL, int_or(job, "hosts_found"),
	    int_or(job, "ports_found"));
}

/* Hands the daemon its oldest due pending session, if any. */
static int dispatch_one(struct scheduler *s, const struct sched_now *now,
                        struct sp_daemon *d)
{
	char maxrun[24];
	snprintf(maxrun, sizeof maxrun, "%ld", s->max_run_seconds);
	const char *p[] = {now->text, maxrun, d->id};
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    "SELECT " SCHED_JOB_COLUMNS " FROM sched.sessions p WHERE p.daemon_id = $3 "
	    "AND p.dispatch = 'server' AND p.state = 'pending' AND "
	    "coalesce(p.next_dispatch_at, '-infinity') <= $1::timestamptz ORDER BY "
	    "p.created_at, p.id LIMIT 1 FOR UPDATE SKIP LOCKED",
	    3, p);
	if (!r)
		return -1;
	int rc = 0;
	if (PQntuples(r) == 1) {
		size_t len = 0;
		uint8_t *job = sched_job_pack(s, r, 0, &len);
		char ids[48];
		snprintf(ids, sizeof ids, "{%s}", PQgetvalue(r, 0, 0));
		struct dh_reply rep;
		bool sent = job && dh_call(&d->peer, "/v1/jobs", "POST",
		                           "application/x-protobuf", job, len, &rep) == 0;
		if (!job)
			snprintf(rep.error, sizeof rep.error, "out of memory");
		rc = sched_dispatch_record(s, now, ids, sent, "at its URL",
		                           sent ? NULL : rep.error);
		if (sent) {
			sc_metric_add(s->jobs_sent, 1);
			d->busy = true;
		} else {
			sc_metric_add(s->dispatch_retries, 1);
		}
		if (job)
			dh_reply_free(&rep);
		free(job);
	}
	PQclear(r);
	return rc;
}

/* Steps 1-4 for one claimed daemon; failures of the daemon are recorded, not
 * returned (-1 only for the database). */
static int poll_daemon(struct scheduler *s, const struct sched_now *now,
                       struct sp_daemon *d)
{
	struct dh_reply rep;
	if (dh_call(&d->peer, "/v1/status", "GET", NULL, NULL, 0, &rep)) {
		int rc = daemon_failed(s, now, d, rep.error);
		dh_reply_free(&rep);
		return rc;
	}
	json_t *st = json_loadb(rep.body ? rep.body : "", rep.len, 0, NULL);
	dh_reply_free(&rep);
	const char *who = json_string_value(json_object_get(st, "daemon_id"));
	if (!who || strcmp(who, d->id)) {
		char why[160];
		snprintf(
		    why, sizeof why,
		    "the daemon at its URL is %s, not this one; check its --daemon-id",
		    who ? who : "not a scanopy daemon");
		json_decref(st);
		return daemon_failed(s, now, d, why);
	}
	pull_results(s, d);
	const char *p[] = {d->id};
	PGresult *sess = sc_pg_query(
	    s->svc.pg,
	    "SELECT id, state FROM sched.sessions WHERE daemon_id = $1 AND dispatch = "
	    "'server' AND (state IN ('starting', 'running') OR (state = 'cancelled' AND "
	    "cancel_pending)) ORDER BY created_at LIMIT 1 FOR UPDATE",
	    1, p);
	int rc = sess ? 0 : -1;
	if (sess && PQntuples(sess) == 1)
		rc = follow_session(s, now, d, sess, json_object_get(st, "job"));
	else if (sess)
		rc = dispatch_one(s, now, d);
	PQclear(sess);
	if (rc == 0)
		rc = daemon_ok(s, now, d,
		               json_string_value(json_object_get(st, "version")));
	json_decref(st);
	return rc;
}

/* Claims one due daemon and calls it, in a transaction of its own. 1 when
 * there was one, 0 when none is due, -1 on a database error. */
static int poll_next(struct scheduler *s, const struct sched_now *now)
{
	PGconn *pg = s->svc.pg;
	if (sc_pg_exec(pg, "BEGIN", 0, NULL))
		return -1;
	const char *p[] = {now->text};
	PGresult *r = sc_pg_query(
	    pg,
	    "SELECT d.id, d.org_id, d.network_id, d.url, encode(d.call_key_sealed, "
	    "'hex'), d.tls_pin FROM sched.server_polls p JOIN core.daemons d ON d.id = "
	    "p.daemon_id "
	    "WHERE d.mode = 'server_poll' AND d.url IS NOT NULL AND d.call_key_sealed IS "
	    "NOT NULL AND coalesce(p.last_poll_at, '-infinity') < $1::timestamptz AND "
	    "(p.next_poll_at <= $1::timestamptz OR (p.failures = 0 AND EXISTS (SELECT 1 "
	    "FROM sched.sessions s WHERE s.daemon_id = d.id AND s.dispatch = 'server' "
	    "AND ((s.state = 'pending' AND coalesce(s.next_dispatch_at, '-infinity') <= "
	    "$1::timestamptz) OR (s.state = 'cancelled' AND s.cancel_pending))))) ORDER "
	    "BY p.next_poll_at LIMIT 1 FOR UPDATE OF p SKIP LOCKED",
	    1, p);
	int rc = r ? (PQntuples(r) == 1) : -1;
	if (rc == 1) {
		struct sp_daemon d = {.id = PQgetvalue(r, 0, 0),
		                      .org = PQgetvalue(r, 0, 1),
		                      .net = PQgetvalue(r, 0, 2),
		                      .peer = {.url = PQgetvalue(r, 0, 3),
		                               .tls_pin = PQgetisnull(r, 0, 5)
		                                              ? NULL
		                                              : PQgetvalue(r, 0, 5)}};
		d.peer.key = d.key;
		if (call_key_open_hex(s->secret_key, d.id, PQgetvalue(r, 0, 4), d.key,
		                      sizeof d.key))
			rc = daemon_failed(
			         s, now, &d,
			         "its call key does not open with this scheduler's "
			         "secret key file (is it the gateway's?)")
			         ? -1
			         : 1;
		else if (poll_daemon(s, now, &d))
			rc = -1;
		OPENSSL_cleanse(d.key, sizeof d.key);
	}
	PQclear(r);
	if (rc >= 0 && sc_pg_exec(pg, "COMMIT", 0, NULL) == 0)
		return rc;
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}

int sched_server_poll(struct scheduler *s, const struct sched_now *now)
{
	if (!s->have_daemons || !s->have_secret_key)
		return 0;
	if (sc_pg_exec(s->svc.pg,
	               "INSERT INTO sched.server_polls (daemon_id, org_id) SELECT id, "
	               "org_id FROM core.daemons WHERE mode = 'server_poll' AND url IS "
	               "NOT NULL ON CONFLICT DO NOTHING",
	               0, NULL))
		return -1;
	for (int i = 0; i < DAEMONS_PER_TICK; i++) {
		int rc = poll_next(s, now);
		if (rc <= 0)
			return rc;
	}
	return 0;
}
