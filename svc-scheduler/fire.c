/* Firing due schedules. One transaction per tick claims up to a batch of
 * due schedules (FOR UPDATE SKIP LOCKED: a schedule another replica is
 * firing is skipped, not waited for), computes each one's next run in C
 * (cron in its time zone, or interval), and in one statement moves them on
 * and inserts their sessions. Runs missed while no scheduler ran are not
 * replayed: a late schedule fires once and then keeps its rhythm. */
#include "sc_cron.h"
#include "sc_log.h"
#include "scheduler.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRE_BATCH 500
#define SC_S(x) #x
#define SC_XS(x) SC_S(x)

/* Appends to a growing text buffer; -1 when memory runs out. */
struct text {
	char *s;
	size_t len, cap;
};

static int append(struct text *t, const char *piece)
{
	size_t n = strlen(piece);
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *g = realloc(t->s, cap);
		if (!g)
			return -1;
		t->s = g;
		t->cap = cap;
	}
	memcpy(t->s + t->len, piece, n + 1);
	t->len += n;
	return 0;
}

/* The next run after a fire at `now` of a schedule due at `due`; -1 with a
 * reason when it cannot be computed. */
static int64_t next_run(struct scheduler *s, PGresult *r, int row, int64_t now, char *err,
                        size_t errlen)
{
	int64_t due = strtoll(PQgetvalue(r, row, 4), NULL, 10);
	if (!PQgetisnull(r, row, 1)) {
		int64_t iv = strtoll(PQgetvalue(r, row, 1), NULL, 10);
		if (iv <= 0) {
			snprintf(err, errlen, "interval is not positive");
			return -1;
		}
		return due + iv * (1 + (now > due ? (now - due) / iv : 0));
	}
	struct sc_cron c;
	if (sc_cron_parse(PQgetvalue(r, row, 2), &c, err, errlen))
		return -1;
	const struct sc_tz *tz = zone_get(s->zones, PQgetvalue(r, row, 3), err, errlen);
	if (!tz)
		return -1;
	int64_t next = sc_cron_next(&c, tz, now > due ? now : due);
	if (next < 0)
		snprintf(err, errlen, "the cron expression never fires");
	return next;
}

static int pause_broken(struct scheduler *s, const char *id, const char *why)
{
	const char *p[] = {id, why};
	sc_warn("schedule %s paused: %s", id, why);
	sc_metric_add(s->schedules_broken, 1);
	return sc_pg_exec(s->svc.pg,
	                  "UPDATE sched.schedules SET paused = true, last_error = $2, "
	                  "updated_at = now() WHERE id = $1",
	                  2, p);
}

int sched_fire_due(struct scheduler *s, const struct sched_now *now)
{
	PGconn *pg = s->svc.pg;
	if (sc_pg_exec(pg, "BEGIN", 0, NULL))
		return -1;
	const char *p1[] = {now->text};
	PGresult *r = sc_pg_query(
	    pg,
	    "SELECT id, interval_seconds, cron, time_zone, floor(extract(epoch FROM "
	    "next_run_at))::bigint FROM sched.schedules WHERE NOT paused AND "
	    "next_run_at <= $1::timestamptz ORDER BY next_run_at LIMIT " SC_XS(
	        FIRE_BATCH) " FOR UPDATE SKIP LOCKED",
	    1, p1);
	int rc = r ? 0 : -1;
	struct text ids = {0}, nexts = {0};
	int n = 0;
	rc = rc ? rc : append(&ids, "{") || append(&nexts, "{");
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		char err[200] = "", num[32];
		int64_t next = next_run(s, r, i, now->epoch, err, sizeof err);
		if (next < 0) {
			rc = pause_broken(s, PQgetvalue(r, i, 0), err);
			continue;
		}
		snprintf(num, sizeof num, "%" PRId64, next);
		rc = append(&ids, n ? "," : "") || append(&ids, PQgetvalue(r, i, 0)) ||
		     append(&nexts, n ? "," : "") || append(&nexts, num);
		n++;
	}
	PQclear(r);
	rc = rc ? rc : append(&ids, "}") || append(&nexts, "}");
	if (rc == 0 && n > 0) {
		/* run_count is the run's number after the update: every deep_every-th
		 * run of a schedule is deep. */
		const char *p[] = {ids.s, nexts.s, now->text};
		PGresult *q = sc_pg_query(
		    pg,
		    "WITH x AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) x(id, "
		    "nxt)), "
		    "u AS (UPDATE sched.schedules c SET next_run_at = "
		    "to_timestamp(x.nxt), "
		    "run_count = c.run_count + 1, last_run_at = $3::timestamptz, "
		    "last_error "
		    "= NULL FROM x WHERE c.id = x.id RETURNING c.*) "
		    "INSERT INTO sched.sessions (org_id, network_id, daemon_id, "
		    "schedule_id, "
		    "discovery_type, deep, targets, deep_targets, dispatch, started_by, "
		    "created_at) "
		    "SELECT "
		    "org_id, network_id, daemon_id, id, discovery_type, deep OR "
		    "(deep_every > "
		    "0 AND run_count % deep_every = 0), targets, deep_targets, dispatch, "
		    "'schedule', "
		    "$3::timestamptz FROM u",
		    3, p);
		rc = q ? 0 : -1;
		if (q) {
			int made = atoi(PQcmdTuples(q));
			sc_metric_add(s->sessions_created, made);
			sc_info("%d scheduled session(s) created", made);
		}
		PQclear(q);
	}
	free(ids.s);
	free(nexts.s);
	if (rc == 0)
		return sc_pg_exec(pg, "COMMIT", 0, NULL);
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}
