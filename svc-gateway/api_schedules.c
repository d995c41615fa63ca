/* Discovery schedules: list, create, read, edit (pause with {"paused":true}),
 * delete, and run now. A schedule belongs to one daemon (and so to its
 * network); it fires on a cron expression in an IANA time zone or on a plain
 * interval. The gateway computes the first run; the scheduler fires it and
 * every run after. Validation errors answer 400 with the field named. */
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_cron.h"
#include "sc_pg.h"
#include "sched_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEDULE_JSON                                                                    \
	"json_build_object('id', c.id, 'network_id', c.network_id, 'daemon_id', "        \
	"c.daemon_id, 'name', c.name, 'type', c.discovery_type, 'cron', c.cron, "        \
	"'interval_seconds', c.interval_seconds, 'time_zone', c.time_zone, 'deep', "     \
	"c.deep, 'deep_every', c.deep_every, 'targets', c.targets, 'deep_targets', "     \
	"c.deep_targets, 'paused', "                                                     \
	"c.paused, 'next_run_at', c.next_run_at, 'last_run_at', c.last_run_at, "         \
	"'run_count', c.run_count, 'last_error', c.last_error, 'created_at', "           \
	"c.created_at, 'updated_at', c.updated_at)"

/* What a create or edit asked for; NULL/-1 members were not given. */
struct schedule_in {
	const char *name, *type, *cron, *zone;
	long interval, deep_every, first_run_in;
	int deep, paused;                           /* -1 absent, 0, 1 */
	bool has_targets, has_deep_targets, timing; /* timing: cron, interval or
	                                                zone given */
	char targets[4096], deep_targets[4096];
	char next[24]; /* the first run, unix seconds, when computed */
};

static long int_member(json_t *in, const char *key, long min, long max, bool *bad)
{
	json_t *v = json_object_get(in, key);
	if (!v || json_is_null(v))
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		*bad = true;
	return (long)json_integer_value(v);
}

static int bool_member(json_t *in, const char *key, bool *bad)
{
	json_t *v = json_object_get(in, key);
	if (!v)
		return -1;
	if (!json_is_boolean(v))
		*bad = true;
	return json_is_true(v);
}

/* Reads and checks the body's members. On a problem fills msg and *field and
 * returns -1. */
static int read_input(json_t *in, struct schedule_in *s, char *msg, size_t len,
                      const char **field)
{
	memset(s, 0, sizeof *s);
	bool bad = false;
	s->name = json_str(in, "name");
	s->type = json_str(in, "type");
	s->cron = json_str(in, "cron");
	s->zone = json_str(in, "time_zone");
	s->timing = json_object_get(in, "cron") ||
	            json_object_get(in, "interval_seconds") ||
	            json_object_get(in, "time_zone");
#define BAD(f, ...)                                                                      \
	do {                                                                             \
		snprintf(msg, len, __VA_ARGS__);                                         \
		*field = f;                                                              \
		return -1;                                                               \
	} while (0)
	if ((s->interval = int_member(in, "interval_seconds", 60, 86400 * 366, &bad)),
	    bad)
		BAD("interval_seconds", "interval_seconds: 60 to 31622400");
	if ((s->deep_every = int_member(in, "deep_every", 0, 1000, &bad)), bad)
		BAD("deep_every",
		    "deep_every: 0 (never) to 1000 (every 1000th run deep)");
	if ((s->first_run_in =
	         int_member(in, "first_run_in_seconds", 0, 86400 * 366, &bad)),
	    bad)
		BAD("first_run_in_seconds", "first_run_in_seconds: 0 to 31622400");
	if ((s->deep = bool_member(in, "deep", &bad)), bad)
		BAD("deep", "deep: true or false");
	if ((s->paused = bool_member(in, "paused", &bad)), bad)
		BAD("paused", "paused: true or false");
	json_t *name = json_object_get(in, "name");
	if (name && (!s->name || strlen(s->name) > 200))
		BAD("name", "name: up to 200 characters");
	if (json_object_get(in, "type") && !discovery_type_valid(s->type))
		BAD("type", "type: self_report, network, snmp, docker or unified");
	if (json_object_get(in, "cron") && !json_is_null(json_object_get(in, "cron")) &&
	    !s->cron)
		BAD("cron", "cron: a string such as \"30 2 * * *\"");
	if (json_object_get(in, "time_zone") && !s->zone)
		BAD("time_zone", "time_zone: an IANA name such as \"Europe/Berlin\"");
	json_t *targets = json_object_get(in, "targets");
	if (targets) {
		s->has_targets = true;
		if (!json_is_array(targets) || json_array_size(targets) > 64 ||
		    targets_literal(targets, s->targets, sizeof s->targets))
			BAD("targets", "targets: up to 64 CIDRs or addresses (IPv6: "
			               "addresses or prefixes of /120 or longer)");
	}
	json_t *deep_targets = json_object_get(in, "deep_targets");
	if (deep_targets) {
		s->has_deep_targets = true;
		if (!json_is_array(deep_targets) || json_array_size(deep_targets) > 64 ||
		    targets_literal(deep_targets, s->deep_targets,
		                    sizeof s->deep_targets))
			BAD("deep_targets",
			    "deep_targets: up to 64 CIDRs or addresses (IPv6: /120 or "
			    "longer) to "
			    "scan on every port");
	}
	return 0;
}

/* Checks the effective timing (cron or interval, and the zone) and computes
 * the first run into s->next. */
static int check_timing(struct schedule_in *s, const char *cron, long interval,
                        const char *zone, char *msg, size_t len, const char **field)
{
	if ((cron != NULL) == (interval > 0))
		BAD(cron ? "cron" : "interval_seconds",
		    "give either cron or interval_seconds (one of them)");
	char err[200];
	struct sc_tz *tz = sc_tz_load(zone, err, sizeof err);
	if (!tz)
		BAD("time_zone", "time_zone: %s", err);
	int64_t now = (int64_t)time(NULL), next;
	if (s->first_run_in >= 0)
		next = now + s->first_run_in;
	else if (interval > 0)
		next = now + interval;
	else {
		struct sc_cron c;
		if (sc_cron_parse(cron, &c, err, sizeof err)) {
			sc_tz_free(tz);
			BAD("cron", "cron: %s", err);
		}
		next = sc_cron_next(&c, tz, now);
	}
	sc_tz_free(tz);
	if (next < 0)
		BAD("cron", "cron: the expression never fires");
	snprintf(s->next, sizeof s->next, "%" PRId64, next);
	return 0;
}
#undef BAD

static char *num(char *buf, size_t len, long v)
{
	if (v < 0)
		return NULL;
	snprintf(buf, len, "%ld", v);
	return buf;
}

static const char *flag(int v)
{
	return v < 0 ? NULL : v ? "t" : "f";
}

/* GET /api/v1/schedules?network_id=&daemon_id= */
enum MHD_Result api_schedules_list(struct request *r)
{
	const char *net = request_query(r, "network_id"),
	           *daemon = request_query(r, "daemon_id");
	if ((net && !is_uuid(net)) || (daemon && !is_uuid(daemon)))
		return reply_error(r, 400, "invalid_field",
		                   "network_id, daemon_id: UUIDs",
		                   net && !is_uuid(net) ? "network_id" : "daemon_id");
	const char *p[] = {net, daemon};
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(" SCHEDULE_JSON " ORDER BY c.created_at, c.id), "
	    "'[]')::text FROM sched.schedules c WHERE ($1::uuid IS NULL OR c.network_id "
	    "= "
	    "$1::uuid) AND ($2::uuid IS NULL OR c.daemon_id = $2::uuid)",
	    2, p, 404, "no schedules");
}

/* POST /api/v1/schedules {daemon_id, type, cron|interval_seconds, time_zone?,
 * name?, deep?, deep_every?, targets?, deep_targets?, paused?,
 * first_run_in_seconds?} */
enum MHD_Result api_schedules_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	struct schedule_in s;
	char msg[300];
	const char *field = NULL, *daemon = json_str(in, "daemon_id");
	if (read_input(in, &s, msg, sizeof msg, &field) == 0) {
		if (!daemon || !is_uuid(daemon)) {
			snprintf(msg, sizeof msg, "daemon_id: the UUID of a daemon");
			field = "daemon_id";
		} else if (!s.type) {
			snprintf(msg, sizeof msg,
			         "type: self_report, network, snmp, docker or unified");
			field = "type";
		} else {
			check_timing(&s, s.cron, s.interval, s.zone ? s.zone : "UTC", msg,
			             sizeof msg, &field);
		}
	}
	if (field) {
		json_decref(in);
		return reply_error(r, 400, "invalid_field", msg, field);
	}
	if (s.has_deep_targets && strcmp(s.deep_targets, "{}") &&
	    deep_targets_within(r, daemon, NULL, NULL, s.has_targets ? s.targets : "{}",
	                        s.deep_targets, &res)) {
		json_decref(in);
		return res;
	}
	char iv[24], de[24];
	const char *p[] = {daemon,
	                   s.name,
	                   s.type,
	                   num(iv, sizeof iv, s.interval),
	                   s.cron,
	                   s.zone ? s.zone : "UTC",
	                   s.deep == 1 ? "t" : "f",
	                   num(de, sizeof de, s.deep_every < 0 ? 0 : s.deep_every),
	                   s.has_targets ? s.targets : "{}",
	                   s.paused == 1 ? "t" : "f",
	                   s.next,
	                   s.has_deep_targets ? s.deep_targets : "{}"};
	res = reply_query_json(
	    r, 201,
	    "WITH d AS (SELECT id, org_id, network_id, mode FROM core.daemons WHERE id = "
	    "$1), c AS (INSERT INTO sched.schedules (org_id, network_id, daemon_id, "
	    "name, "
	    "discovery_type, interval_seconds, cron, time_zone, deep, deep_every, "
	    "targets, deep_targets, paused, dispatch, next_run_at) SELECT d.org_id, "
	    "d.network_id, d.id, "
	    "$2, $3, $4::int, $5, $6, $7::boolean, $8::int, $9::text[], $12::text[], "
	    "$10::boolean, " DISPATCH_OF_DAEMON
	    ", to_timestamp($11::bigint) FROM d RETURNING *) "
	    "SELECT " SCHEDULE_JSON "::text FROM c",
	    12, p, 404, "no such daemon");
	json_decref(in);
	return res;
}

/* GET /api/v1/schedules/{id} */
enum MHD_Result api_schedule_get(struct request *r)
{
	const char *p[] = {r->param[0]};
	return reply_query_json(r, 200,
	                        "SELECT " SCHEDULE_JSON
	                        "::text FROM sched.schedules c WHERE c.id = $1",
	                        1, p, 404, "no such schedule");
}

/* PATCH /api/v1/schedules/{id}: any member of the create body but daemon_id;
 * giving cron clears interval_seconds and the other way round; a new timing
 * (or first_run_in_seconds) recomputes the next run. */
enum MHD_Result api_schedule_patch(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	struct schedule_in s;
	char msg[300];
	const char *field = NULL;
	if (json_object_get(in, "daemon_id")) {
		snprintf(
		    msg, sizeof msg,
		    "daemon_id cannot change; create a schedule for the other daemon");
		field = "daemon_id";
	} else if (read_input(in, &s, msg, sizeof msg, &field) == 0 &&
	           (s.timing || s.first_run_in >= 0)) {
		/* The effective timing: what was given over what is stored. */
		const char *p[] = {r->param[0]};
		PGresult *q =
		    db_tenant_query(r->gw->db, &r->who,
		                    "SELECT cron, interval_seconds, time_zone FROM "
		                    "sched.schedules WHERE id = $1",
		                    1, p);
		if (!q || PQntuples(q) == 0) {
			json_decref(in);
			res = q ? reply_not_found(r, "no such schedule")
			        : reply_db_error(r);
			PQclear(q);
			return res;
		}
		bool given = json_object_get(in, "cron") ||
		             json_object_get(in, "interval_seconds");
		const char *cron = given                  ? s.cron
		                   : PQgetisnull(q, 0, 0) ? NULL
		                                          : PQgetvalue(q, 0, 0);
		long interval = given                  ? s.interval
		                : PQgetisnull(q, 0, 1) ? -1
		                                       : atol(PQgetvalue(q, 0, 1));
		char zone[128];
		snprintf(zone, sizeof zone, "%s", s.zone ? s.zone : PQgetvalue(q, 0, 2));
		check_timing(&s, cron, interval, zone, msg, sizeof msg, &field);
		if (!field && given) { /* the other kind is cleared */
			s.cron = cron;
			s.interval = interval;
		}
		s.timing = given; /* from here: whether cron/interval are replaced */
		PQclear(q);
	}
	if (field) {
		json_decref(in);
		return reply_error(r, 400, "invalid_field", msg, field);
	}
	if ((s.has_targets || s.has_deep_targets) &&
	    deep_targets_within(r, NULL, NULL, r->param[0],
	                        s.has_targets ? s.targets : NULL,
	                        s.has_deep_targets ? s.deep_targets : NULL, &res)) {
		json_decref(in);
		return res;
	}
	char iv[24], de[24];
	const char *p[] = {r->param[0],
	                   s.name,
	                   s.type,
	                   s.timing ? "t" : "f",
	                   num(iv, sizeof iv, s.interval),
	                   s.cron,
	                   s.zone,
	                   flag(s.deep),
	                   num(de, sizeof de, s.deep_every),
	                   s.has_targets ? s.targets : NULL,
	                   flag(s.paused),
	                   s.next[0] ? s.next : NULL,
	                   s.has_deep_targets ? s.deep_targets : NULL};
	res = reply_query_json(
	    r, 200,
	    "UPDATE sched.schedules c SET name = coalesce($2, c.name), discovery_type = "
	    "coalesce($3, c.discovery_type), interval_seconds = CASE WHEN $4::boolean "
	    "THEN $5::int ELSE c.interval_seconds END, cron = CASE WHEN $4::boolean THEN "
	    "$6 ELSE c.cron END, time_zone = coalesce($7, c.time_zone), deep = "
	    "coalesce($8::boolean, c.deep), deep_every = coalesce($9::int, "
	    "c.deep_every), "
	    "targets = coalesce($10::text[], c.targets), deep_targets = "
	    "coalesce($13::text[], c.deep_targets), paused = coalesce($11::boolean, "
	    "c.paused), next_run_at = coalesce(to_timestamp($12::bigint), "
	    "c.next_run_at), "
	    "last_error = CASE WHEN $11::boolean = false THEN NULL ELSE c.last_error "
	    "END, "
	    "updated_at = now() WHERE c.id = $1 RETURNING " SCHEDULE_JSON "::text",
	    13, p, 404, "no such schedule");
	json_decref(in);
	return res;
}

/* DELETE /api/v1/schedules/{id}: its past sessions stay, unlinked. */
enum MHD_Result api_schedule_delete(struct request *r)
{
	const char *p[] = {r->param[0]};
	PGresult *q = db_tenant_query(r->gw->db, &r->who,
	                              "DELETE FROM sched.schedules WHERE id = $1", 1, p);
	enum MHD_Result res = !q ? reply_db_error(r)
	                      : atoi(PQcmdTuples(q)) == 0
	                          ? reply_not_found(r, "no such schedule")
	                          : reply_empty(r, 204);
	PQclear(q);
	return res;
}

/* POST /api/v1/schedules/{id}/run: an ad-hoc run now, outside the rhythm
 * (the next scheduled run stays where it is). Works on paused schedules. */
enum MHD_Result api_schedule_run(struct request *r)
{
	char started_by[64];
	snprintf(started_by, sizeof started_by, "user:%s", r->who.user_id);
	const char *p[] = {r->param[0], started_by};
	return reply_query_json(
	    r, 201,
	    "WITH s AS (INSERT INTO sched.sessions (org_id, network_id, daemon_id, "
	    "schedule_id, discovery_type, deep, targets, deep_targets, dispatch, "
	    "started_by) SELECT org_id, network_id, daemon_id, id, discovery_type, deep, "
	    "targets, deep_targets, dispatch, $2 FROM sched.schedules WHERE id = $1 "
	    "RETURNING *) SELECT " SESSION_JSON " FROM s",
	    2, p, 404, "no such schedule");
}
