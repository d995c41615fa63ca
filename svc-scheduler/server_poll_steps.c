/* What the scheduler does with each answer of a ServerPoll daemon
 * (daemon_http.h, the daemon's routes in agent/serve.h), one call after the
 * other for that daemon while other daemons' calls run beside it:
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
 *   4. No open session: POST /v1/jobs with its oldest pending one, unless the
 *      status shows the daemon already has it (a replica killed after the
 *      call, before recording it): then it is recorded as handed over, and
 *      the daemon (which also takes a job it already has as a duplicate)
 *      runs it once.
 *
 * No transaction is open during a call. Each write is a short transaction
 * that first checks the daemon's lease is still this claim's (sp_fenced): a
 * replica whose lease lapsed records nothing.
 *
 * A call that fails: the daemon is called again after 1, 2, 4 ... 60 s; its
 * due pending session counts a dispatch attempt (sched_dispatch_record: it
 * fails with the reason after dispatch_attempts); an open session is left to
 * the offline rule (supervise.c), since last_seen no longer moves. */
#include "sc_batch.h"
#include "sc_log.h"
#include "server_poll.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PULL_ROUNDS 32
#define PULL_BATCHES "32"
#define BUSY_POLL_SECONDS 1

/* BEGIN, and the daemon's row locked while the lease is still this claim's:
 * 1 (in the transaction), 0 when another replica has it now, -1. */
static int fenced(struct scheduler *s, const struct sp_daemon *d)
{
	if (sc_pg_exec(s->svc.pg, "BEGIN", 0, NULL))
		return -1;
	const char *p[] = {d->id, d->token};
	PGresult *r = sc_pg_query(s->svc.pg,
	                          "SELECT 1 FROM sched.server_polls WHERE daemon_id = $1 "
	                          "AND lease_token = $2 FOR UPDATE",
	                          2, p);
	int rc = r ? PQntuples(r) == 1 : -1;
	PQclear(r);
	if (rc != 1) {
		PQclear(PQexec(s->svc.pg, "ROLLBACK"));
		if (rc == 0)
			sc_warn(
			    "server_poll daemon %s: its lease lapsed before the answer "
			    "was recorded; another replica calls it",
			    d->id);
	}
	return rc;
}

/* Ends what fenced began: COMMIT after rc 0, else ROLLBACK. SP_DONE or
 * SP_DB_ERROR. */
static int unfence(struct scheduler *s, int rc)
{
	if (rc == 0 && sc_pg_exec(s->svc.pg, "COMMIT", 0, NULL) == 0)
		return SP_DONE;
	PQclear(PQexec(s->svc.pg, "ROLLBACK"));
	return SP_DB_ERROR;
}

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

/* The daemon did not answer (or not as expected): back off, lease released. */
static int daemon_failed(struct scheduler *s, const struct sched_now *now,
                         const struct sp_daemon *d, const char *why)
{
	sc_warn("server_poll daemon %s: %s", d->id, why);
	int rc = fenced(s, d);
	if (rc != 1)
		return rc ? SP_DB_ERROR : SP_DONE;
	const char *p[] = {d->id, now->text, why};
	rc = sc_pg_exec(s->svc.pg,
	                "UPDATE sched.server_polls SET failures = failures + 1, "
	                "last_poll_at = $2::timestamptz, last_error = $3, next_poll_at "
	                "= $2::timestamptz + make_interval(secs => least(60, power(2, "
	                "failures))), lease_token = NULL, lease_until = NULL WHERE "
	                "daemon_id = $1",
	                3, p);
	if (rc == 0)
		rc = dispatch_failed(s, now, d, why);
	return unfence(s, rc);
}

/* The daemon answered: last_seen, next call, lease released. */
static int daemon_ok(struct scheduler *s, const struct sched_now *now,
                     const struct sp_daemon *d)
{
	int rc = fenced(s, d);
	if (rc != 1)
		return rc ? SP_DB_ERROR : SP_DONE;
	char secs[24];
	snprintf(secs, sizeof secs, "%ld",
	         d->busy ? BUSY_POLL_SECONDS : s->server_poll_seconds);
	const char *p[] = {d->id, now->text, secs,
	                   json_string_value(json_object_get(d->status, "version"))};
	rc = sc_pg_exec(
	    s->svc.pg,
	    "WITH t AS (UPDATE core.daemons SET last_seen = $2::timestamptz, "
	    "version = coalesce($4, version) WHERE id = $1) UPDATE "
	    "sched.server_polls SET failures = 0, last_error = NULL, "
	    "last_poll_at = $2::timestamptz, next_poll_at = $2::timestamptz "
	    "+ make_interval(secs => $3::int), lease_token = NULL, lease_until = NULL "
	    "WHERE daemon_id = $1",
	    4, p);
	return unfence(s, rc);
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

static long int_or(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* The open session (starting/running, or cancelled with the daemon not yet
 * told) against what the daemon says of its job. */
static int follow_session(struct scheduler *s, const struct sched_now *now,
                          struct sp_daemon *d, PGresult *sess)
{
	const char *sid = PQgetvalue(sess, 0, 0), *state = PQgetvalue(sess, 0, 1);
	json_t *job = json_object_get(d->status, "job");
	bool cancel = !strcmp(state, "cancelled");
	const char *jsid = json_string_value(json_object_get(job, "session_id"));
	const char *jstate = json_string_value(json_object_get(job, "state"));
	d->busy = true;
	bool open = jstate && (!strcmp(jstate, "queued") || !strcmp(jstate, "running"));
	if (jsid && !strcmp(jsid, sid) && cancel && open) {
		char path[96];
		snprintf(path, sizeof path, "/v1/jobs/%s/cancel", sid);
		snprintf(d->session, sizeof d->session, "%s", sid);
		return sp_call(s, now, d, SP_CANCEL, path, "POST", NULL, NULL, 0);
	}
	int rc = fenced(s, d);
	if (rc != 1)
		return rc ? SP_DB_ERROR : SP_DONE;
	const char *summary = json_string_value(json_object_get(job, "summary"));
	if (!jsid || strcmp(jsid, sid) || !jstate) {
		/* The daemon does not have it: restarted, or another server's. */
		rc = cancel ? sc_pg_exec(s->svc.pg,
		                         "UPDATE sched.sessions SET cancel_pending = "
		                         "false WHERE id = $1",
		                         1, (const char *[]){sid})
		            : sched_session_apply(
		                  s, now, sid, "failed", -1, NULL,
		                  "the daemon no longer has this session (was it "
		                  "restarted?)",
		                  NULL, -1, -1);
	} else if (cancel) { /* the daemon stopped: acknowledged */
		rc = sc_pg_exec(
		    s->svc.pg,
		    "UPDATE sched.sessions SET cancel_pending = false, summary "
		    "= coalesce($2, summary) WHERE id = $1",
		    2, (const char *[]){sid, summary});
	} else {
		/* Finished only once every result it queued is here. */
		bool done = !open && d->spool_empty;
		d->busy = !done;
		rc = sched_session_apply(
		    s, now, sid, done ? jstate : "running", (int)int_or(job, "progress"),
		    json_string_value(json_object_get(job, "phase")),
		    done ? json_string_value(json_object_get(job, "reason")) : NULL,
		    done ? summary : NULL, int_or(job, "hosts_found"),
		    int_or(job, "ports_found"));
	}
	return unfence(s, rc) == SP_DONE ? daemon_ok(s, now, d) : SP_DB_ERROR;
}

/* Records the hand-over of d->session (sent or not), then the poll. */
static int record_dispatch(struct scheduler *s, const struct sched_now *now,
                           struct sp_daemon *d, bool sent, const char *why)
{
	char ids[48];
	snprintf(ids, sizeof ids, "{%s}", d->session);
	int rc = fenced(s, d);
	if (rc != 1)
		return rc ? SP_DB_ERROR : SP_DONE;
	rc = sched_dispatch_record(s, now, ids, sent, "at its URL", why);
	if (unfence(s, rc) != SP_DONE)
		return SP_DB_ERROR;
	if (sent) {
		sc_metric_add(s->jobs_sent, 1);
		d->busy = true;
	} else {
		sc_metric_add(s->dispatch_retries, 1);
	}
	return daemon_ok(s, now, d);
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
	    "p.created_at, p.id LIMIT 1",
	    3, p);
	if (!r)
		return SP_DB_ERROR;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return daemon_ok(s, now, d);
	}
	snprintf(d->session, sizeof d->session, "%s", PQgetvalue(r, 0, 0));
	const char *has = json_string_value(
	    json_object_get(json_object_get(d->status, "job"), "session_id"));
	if (has && !strcmp(has, d->session)) {
		PQclear(r);
		sc_info("server_poll daemon %s already has session %s: recorded as "
		        "handed over",
		        d->id, d->session);
		return record_dispatch(s, now, d, true, NULL);
	}
	size_t len = 0;
	uint8_t *job = sched_job_pack(s, r, 0, &len);
	PQclear(r);
	if (!job)
		return record_dispatch(s, now, d, false, "out of memory");
	int rc = sp_call(s, now, d, SP_JOB, "/v1/jobs", "POST", "application/x-protobuf",
	                 job, len);
	OPENSSL_cleanse(job, len); /* may hold SNMP secrets */
	free(job);
	return rc;
}

/* Steps 3 and 4, after the pulls. */
static int session_step(struct scheduler *s, const struct sched_now *now,
                        struct sp_daemon *d)
{
	const char *p[] = {d->id};
	PGresult *sess = sc_pg_query(
	    s->svc.pg,
	    "SELECT id, state FROM sched.sessions WHERE daemon_id = $1 AND dispatch = "
	    "'server' AND (state IN ('starting', 'running') OR (state = 'cancelled' AND "
	    "cancel_pending)) ORDER BY created_at LIMIT 1",
	    1, p);
	if (!sess)
		return SP_DB_ERROR;
	int rc = PQntuples(sess) == 1 ? follow_session(s, now, d, sess)
	                              : dispatch_one(s, now, d);
	PQclear(sess);
	return rc;
}

static int pull(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d)
{
	if (d->round >= PULL_ROUNDS || d->bus_refused)
		return session_step(s, now, d);
	d->round++;
	return sp_call(s, now, d, SP_PULL, "/v1/results?max=" PULL_BATCHES, "GET", NULL,
	               NULL, 0);
}

/* A page of results: published, then acknowledged up to the last one the
 * bus took. */
static int pulled(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d)
{
	struct dh_reply *rep = &d->call.reply;
	json_t *j = json_loadb(rep->body ? rep->body : "", rep->len, 0, NULL);
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
	bool empty = !json_array_size(arr);
	d->bus_refused = published < json_array_size(arr);
	json_decref(j);
	if (d->bus_refused)
		sc_warn("server_poll daemon %s: the bus did not take a batch; pulling "
		        "again later",
		        d->id);
	if (empty)
		d->spool_empty = true;
	if (!published)
		return session_step(s, now, d);
	char body[64];
	int len = snprintf(body, sizeof body, "{\"up_to\":%lld}", (long long)last);
	return sp_call(s, now, d, SP_ACK, "/v1/results/ack", "POST", "application/json",
	               body, (size_t)len);
}

static int status_answered(struct scheduler *s, const struct sched_now *now,
                           struct sp_daemon *d)
{
	struct dh_reply *rep = &d->call.reply;
	d->status = json_loadb(rep->body ? rep->body : "", rep->len, 0, NULL);
	const char *who = json_string_value(json_object_get(d->status, "daemon_id"));
	if (!who || strcmp(who, d->id)) {
		char why[160];
		snprintf(
		    why, sizeof why,
		    "the daemon at its URL is %s, not this one; check its --daemon-id",
		    who ? who : "not a scanopy daemon");
		return daemon_failed(s, now, d, why);
	}
	return pull(s, now, d);
}

int sp_begin(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d)
{
	return sp_call(s, now, d, SP_STATUS, "/v1/status", "GET", NULL, NULL, 0);
}

int sp_answered(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d,
                bool ok)
{
	const char *why = d->call.reply.error;
	switch (d->step) {
	case SP_STATUS:
		return ok ? status_answered(s, now, d) : daemon_failed(s, now, d, why);
	case SP_PULL:
		if (ok)
			return pulled(s, now, d);
		sc_warn("server_poll daemon %s: pulling results: %s", d->id, why);
		return session_step(s, now, d);
	case SP_ACK:
		if (!ok)
			sc_warn("server_poll daemon %s: acknowledging results: %s", d->id,
			        why);
		return pull(s, now, d);
	case SP_CANCEL:
		if (!ok)
			sc_warn("server_poll daemon %s: cancelling %s: %s", d->id,
			        d->session, why);
		return daemon_ok(s, now, d);
	case SP_JOB:
		return record_dispatch(s, now, d, ok, ok ? NULL : why);
	}
	return SP_DB_ERROR;
}
