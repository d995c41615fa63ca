/* ServerPoll daemons: they cannot connect out, so the scheduler calls them.
 * No call is made inside a transaction, and no daemon waits for another:
 *
 *   - claim: one statement stamps up to SP_MAX_IN_FLIGHT due daemons' rows
 *     in sched.server_polls with a fresh lease token and an expiry
 *     (server_poll_lease_seconds), skipping rows another replica holds or
 *     leased; it commits at once;
 *   - call: every claimed daemon's calls run at once on one libcurl multi
 *     handle, each bounded by DH_CALL_TIMEOUT_MS and by what is left of its
 *     lease, so a daemon that never answers holds nothing but its own row;
 *   - record: after each answer, server_poll_steps.c writes what it learnt in
 *     a short transaction that first checks the lease is still this claim's,
 *     and the last write releases it.
 *
 * A replica killed mid-call leaves its leases to expire: the daemons are then
 * claimed again by any replica and the work done then (a job the daemon
 * already has is recorded, not sent twice). Two replicas never call one
 * daemon at once: a lease is taken only once expired, and no call outlives
 * the lease it runs under. */
#include "server_poll.h"
#include "call_key.h"
#include "sc_log.h"
#include "sc_shutdown.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SP_MAX_IN_FLIGHT 64
#define LEASE_MARGIN_MS 1000 /* clocks and the claim's own round trip */
#define MIN_CALL_MS 500
#define WAIT_SLICE_MS 100

struct sp_engine {
	CURLM *multi;
	struct sp_daemon *list; /* claimed, a call in flight */
	int n;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void daemon_free(struct sp_daemon *d)
{
	dh_reply_free(&d->call.reply);
	json_decref(d->status);
	OPENSSL_cleanse(d->key, sizeof d->key);
	free(d->url);
	free(d->pin);
	free(d);
}

int sp_call(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d,
            enum sp_step step, const char *path, const char *method,
            const char *content_type, const void *body, size_t len)
{
	dh_reply_free(&d->call.reply);
	d->step = step;
	int64_t left = d->deadline_ms - mono_ms();
	if (left < MIN_CALL_MS) {
		memset(&d->call, 0, sizeof d->call);
		snprintf(d->call.reply.error, sizeof d->call.reply.error,
		         "no time left on this scheduler's lease (%ld s) for the call",
		         s->server_poll_lease_seconds);
		return sp_answered(s, now, d, false);
	}
	if (dh_start(s->sp->multi, &d->call, &d->peer, path, method, content_type, body,
	             len, (long)left, d))
		return sp_answered(s, now, d, false);
	return SP_CALLING;
}

/* Claims due daemons and starts their first call. */
static int claim(struct scheduler *s, const struct sched_now *now)
{
	struct sp_engine *e = s->sp;
	char lease[24], max[24];
	snprintf(lease, sizeof lease, "%ld", s->server_poll_lease_seconds);
	snprintf(max, sizeof max, "%d", SP_MAX_IN_FLIGHT - e->n);
	const char *p[] = {now->text, lease, max};
	int64_t t0 = mono_ms();
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    "UPDATE sched.server_polls p SET lease_token = gen_random_uuid(), "
	    "lease_until = clock_timestamp() + make_interval(secs => $2::int) FROM "
	    "core.daemons d WHERE d.id = p.daemon_id AND p.daemon_id IN (SELECT "
	    "q.daemon_id FROM sched.server_polls q JOIN core.daemons e ON e.id = "
	    "q.daemon_id WHERE e.mode = 'server_poll' AND e.url IS NOT NULL AND "
	    "e.call_key_sealed IS NOT NULL AND coalesce(q.lease_until, '-infinity') < "
	    "clock_timestamp() AND coalesce(q.last_poll_at, '-infinity') < "
	    "$1::timestamptz AND (q.next_poll_at <= $1::timestamptz OR (q.failures = 0 "
	    "AND EXISTS (SELECT 1 FROM sched.sessions s WHERE s.daemon_id = e.id AND "
	    "s.dispatch = 'server' AND ((s.state = 'pending' AND "
	    "coalesce(s.next_dispatch_at, '-infinity') <= $1::timestamptz) OR (s.state "
	    "= 'cancelled' AND s.cancel_pending))))) ORDER BY q.next_poll_at LIMIT "
	    "$3::int FOR UPDATE OF q SKIP LOCKED) RETURNING d.id, d.org_id, "
	    "d.network_id, d.url, encode(d.call_key_sealed, 'hex'), d.tls_pin, "
	    "p.lease_token",
	    3, p);
	if (!r)
		return -1;
	int rc = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		struct sp_daemon *d = calloc(1, sizeof *d);
		if (!d || !(d->url = strdup(PQgetvalue(r, i, 3))) ||
		    (!PQgetisnull(r, i, 5) && !(d->pin = strdup(PQgetvalue(r, i, 5))))) {
			if (d)
				daemon_free(d);
			continue; /* out of memory: its lease lapses */
		}
		snprintf(d->id, sizeof d->id, "%s", PQgetvalue(r, i, 0));
		snprintf(d->org, sizeof d->org, "%s", PQgetvalue(r, i, 1));
		snprintf(d->net, sizeof d->net, "%s", PQgetvalue(r, i, 2));
		snprintf(d->token, sizeof d->token, "%s", PQgetvalue(r, i, 6));
		d->peer =
		    (struct dh_peer){.url = d->url, .key = d->key, .tls_pin = d->pin};
		d->deadline_ms =
		    t0 + s->server_poll_lease_seconds * 1000 - LEASE_MARGIN_MS;
		int st;
		if (call_key_open_hex(s->secret_key, d->id, PQgetvalue(r, i, 4), d->key,
		                      sizeof d->key)) {
			snprintf(
			    d->call.reply.error, sizeof d->call.reply.error,
			    "its call key does not open with this scheduler's secret "
			    "key file (is it the gateway's?)");
			st = sp_answered(s, now, d, false); /* SP_STATUS failed */
		} else {
			st = sp_begin(s, now, d);
		}
		if (st == SP_CALLING) {
			d->next = e->list;
			e->list = d;
			e->n++;
		} else {
			rc = st == SP_DB_ERROR ? -1 : rc;
			daemon_free(d);
		}
	}
	PQclear(r);
	return rc;
}

/* Runs what is ready and handles the calls that finished; -1 when a record
 * failed on the database. */
static int pump(struct scheduler *s)
{
	struct sp_engine *e = s->sp;
	int running, left, rc = 0;
	curl_multi_perform(e->multi, &running);
	CURLMsg *m;
	while ((m = curl_multi_info_read(e->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct sp_daemon *d = NULL;
		CURLcode res = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
		bool ok = dh_finish(e->multi, &d->call, res) == 0;
		struct sched_now now;
		int st = sched_now(s, &now) ? SP_DB_ERROR : sp_answered(s, &now, d, ok);
		if (st == SP_CALLING)
			continue;
		rc = st == SP_DB_ERROR ? -1 : rc;
		struct sp_daemon **pp = &e->list;
		while (*pp != d)
			pp = &(*pp)->next;
		*pp = d->next;
		e->n--;
		daemon_free(d);
	}
	return rc;
}

int sched_server_poll(struct scheduler *s, const struct sched_now *now)
{
	if (!s->have_daemons || !s->have_secret_key)
		return 0;
	if (!s->sp) {
		s->sp = calloc(1, sizeof *s->sp);
		if (!s->sp || !(s->sp->multi = curl_multi_init())) {
			free(s->sp);
			s->sp = NULL;
			return -1;
		}
	}
	if (sc_pg_exec(s->svc.pg,
	               "INSERT INTO sched.server_polls (daemon_id, org_id) SELECT id, "
	               "org_id FROM core.daemons WHERE mode = 'server_poll' AND url IS "
	               "NOT NULL ON CONFLICT DO NOTHING",
	               0, NULL))
		return -1;
	int rc = s->sp->n < SP_MAX_IN_FLIGHT ? claim(s, now) : 0;
	return pump(s) || rc ? -1 : 0;
}

void sched_server_poll_wait(struct scheduler *s, long ms)
{
	int64_t end = mono_ms() + ms;
	while (s->sp && s->sp->list && !sc_shutdown_requested()) {
		int64_t left = end - mono_ms();
		if (left <= 0)
			return;
		curl_multi_poll(s->sp->multi, NULL, 0,
		                (int)(left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS), NULL);
		if (pump(s))
			atomic_store(&s->svc.pg_ok, false);
	}
	int64_t left = end - mono_ms();
	if (left > 0)
		sc_shutdown_sleep((long)left);
}

void sched_server_poll_stop(struct scheduler *s)
{
	if (!s->sp)
		return;
	while (s->sp->list) {
		struct sp_daemon *d = s->sp->list;
		s->sp->list = d->next;
		dh_abort(s->sp->multi, &d->call);
		/* Claimable again at once, not only when the lease expires. */
		const char *p[] = {d->id, d->token};
		if (s->svc.pg)
			sc_pg_exec(
			    s->svc.pg,
			    "UPDATE sched.server_polls SET lease_token = NULL, "
			    "lease_until = NULL WHERE daemon_id = $1 AND lease_token "
			    "= $2",
			    2, p);
		daemon_free(d);
	}
	curl_multi_cleanup(s->sp->multi);
	free(s->sp);
	s->sp = NULL;
}
