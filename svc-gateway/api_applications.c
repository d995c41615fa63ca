/* Users' applications: creating and editing them (and their own fields of
 * inferred ones), their members, and dependencies between applications.
 * Everything written here lives in columns and tables scans never write
 * (svc-topology's 0008_user_applications.sql), and every write leaves a row
 * in the network's change log. Each statement answers one row: the
 * application it touched (or NULL) and, when it touched none, why. */
#include "app_input.h"
#include "db.h"
#include "http.h"
#include "listq.h"
#include "reply.h"
#include "routes.h"
#include "sc_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reasons a statement gives for touching nothing, and their answers. */
static const struct {
	const char *why;
	unsigned status;
	const char *code, *message, *field;
} problems[] = {
    {"not_found", 404, "not_found", "no such application", NULL},
    {"no_network", 422, "invalid_field", "no such network", "network_id"},
    {"conflict", 409, "conflict", "exists already", NULL},
    {"inferred", 409, "conflict",
     "an inferred application comes from scans: clear its name, description and "
     "tags instead",
     NULL},
    {"name_required", 422, "invalid_field", "a user's application needs a name", "name"},
    {"no_workload", 422, "invalid_field", "no such workload in the application's network",
     "workload_id"},
    {"no_host", 422, "invalid_field", "no such host in the application's network",
     "host_id"},
    {"no_service", 422, "invalid_field", "no such service of the host", "port"},
    {"no_target", 422, "invalid_field", "no such application in this network",
     "target_application_id"},
    {"no_member", 422, "invalid_field",
     "no such member (added by a user) of that application", "source_member_id"},
    {"no_target_member", 422, "invalid_field",
     "no such member (added by a user) of that application", "target_member_id"},
    {"no_dependency", 404, "not_found", "no such dependency of this application", NULL},
    {"no_app_member", 404, "not_found", "no such member of this application", NULL},
};

static enum MHD_Result problem(struct request *r, const char *why)
{
	for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++)
		if (!strcmp(problems[i].why, why))
			return reply_error(r, problems[i].status, problems[i].code,
			                   problems[i].message, problems[i].field);
	return reply_error(r, 500, "internal", "unexpected answer", NULL);
}

/* The network lock the topology service holds while it applies a batch and
 * rebuilds the applications, by the network's id or an application's ($1). */
#define LOCK_NETWORK "SELECT inv.lock_network($1)"
#define LOCK_APP                                                                         \
	"SELECT inv.lock_network(network_id::text) FROM inv.applications WHERE id = "    \
	"$1::uuid"

/* Runs `lock` (its $1 the first of p), then `sql` (one row: the
 * application's id or NULL, and why NULL) in the caller's tenant
 * transaction, then answers `status` with the application as GET
 * /applications/{id} shows it (or no body for 204). */
static enum MHD_Result app_write(struct request *r, unsigned status, const char *lock,
                                 const char *sql, int n, const char *const *p)
{
	char one[8192];
	if (listq_one_sql(&listq_applications, one, sizeof one))
		return reply_error(r, 500, "internal", "query too long", NULL);
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	PGresult *w = NULL, *d = NULL;
	int rc = db_begin_tenant(c, &r->who);
	if (rc == 0 && sc_pg_exec(c, lock, 1, p))
		rc = -1;
	if (rc == 0 && !(w = sc_pg_query(c, sql, n, p)))
		rc = -1;
	bool done = rc == 0 && PQntuples(w) == 1 && !PQgetisnull(w, 0, 0);
	if (done && status != 204) {
		const char *id[] = {PQgetvalue(w, 0, 0)};
		if (!(d = sc_pg_query(c, one, 1, id)) || PQntuples(d) != 1)
			rc = -1;
	}
	rc = db_end(c, rc);
	db_release(r->gw->db, c);
	enum MHD_Result res;
	if (rc)
		res = reply_db_error(r);
	else if (!done)
		res = problem(r, PQntuples(w) == 1 && !PQgetisnull(w, 0, 1)
		                     ? PQgetvalue(w, 0, 1)
		                     : "not_found");
	else if (status == 204)
		res = reply_empty(r, 204);
	else
		res = reply_bytes(r, status, "application/json", PQgetvalue(d, 0, 0),
		                  (size_t)PQgetlength(d, 0, 0));
	PQclear(w);
	PQclear(d);
	return res;
}

static enum MHD_Result bad_input(struct request *r, json_t *in,
                                 const struct input_error *e)
{
	json_decref(in);
	return reply_error(r, 422, "invalid_field", e->message, e->field);
}

/* A change row for the application `a` (a CTE of the statement, with id,
 * org_id, network_id), of `kind`, detail built from the SQL expression. */
#define APP_CHANGE(cte, kind, host, detail)                                              \
	"INSERT INTO inv.changes (org_id, network_id, at, kind, host_id, detail) "       \
	"SELECT org_id, network_id, now(), '" kind "', " host ", " detail " FROM " cte

/* POST /api/v1/applications {network_id, name, description?, tags?}. */
enum MHD_Result api_applications_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	struct app_fields f;
	struct input_error e;
	if (app_fields_parse(in, true, &f, &e))
		return bad_input(r, in, &e);
	const char *p[] = {f.network_id,
	                   r->who.org_id,
	                   f.name,
	                   f.description,
	                   f.has_tags ? f.tags : NULL,
	                   r->who.user_id};
	/* The network read as the caller: a restricted member sees only theirs. */
	res = app_write(
	    r, 201, LOCK_NETWORK,
	    "WITH n AS (SELECT id FROM core.networks WHERE id = $1::uuid), a AS (INSERT "
	    "INTO inv.applications (org_id, network_id, name, user_name, source, "
	    "description, tags, created_by, first_seen, last_seen) SELECT $2::uuid, "
	    "n.id, "
	    "btrim($3), btrim($3), 'user', $4, coalesce($5::text[], '{}'), "
	    "nullif($6, '')::uuid, now(), now() FROM n ON CONFLICT (network_id, source, "
	    "name) DO NOTHING RETURNING id, org_id, network_id, name), c AS (" APP_CHANGE(
	        "a", "application_created", "NULL",
	        "jsonb_build_object('application_id', id, 'name', name, 'user', "
	        "$6::text)") ") SELECT (SELECT id FROM a), CASE WHEN NOT EXISTS (SELECT "
	                     "1 "
	                     "FROM n) THEN 'no_network' ELSE 'conflict' END",
	    6, p);
	json_decref(in);
	return res;
}

/* PATCH /api/v1/applications/{id} {name?, description?, tags?}: a user's
 * fields; on an inferred application the name is shown over the discovered
 * one (null gives that back), on a user's it is the name. */
enum MHD_Result api_application_patch(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	struct app_fields f;
	struct input_error e;
	if (app_fields_parse(in, false, &f, &e))
		return bad_input(r, in, &e);
	char *detail = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS);
	const char *p[] = {r->param[0],    f.has_name ? "t" : "f",
	                   f.name,         f.has_description ? "t" : "f",
	                   f.description,  f.has_tags ? f.tags : NULL,
	                   r->who.user_id, detail};
	res = app_write(
	    r, 200, LOCK_APP,
	    "WITH a AS (SELECT * FROM inv.applications WHERE id = $1::uuid), named AS "
	    "(SELECT nullif(btrim($3), '') AS v), clash AS (SELECT 1 FROM "
	    "inv.applications o, a, named WHERE $2::boolean AND a.source = 'user' AND "
	    "o.network_id = a.network_id AND o.source = 'user' AND o.name = named.v AND "
	    "o.id <> a.id), blank AS (SELECT 1 FROM a, named WHERE $2::boolean AND "
	    "a.source = 'user' AND named.v IS NULL), up AS (UPDATE inv.applications t "
	    "SET user_name = CASE WHEN $2::boolean THEN named.v ELSE t.user_name END, "
	    "name = CASE WHEN $2::boolean AND t.source = 'user' THEN named.v ELSE t.name "
	    "END, description = CASE WHEN $4::boolean THEN $5 ELSE t.description END, "
	    "tags = coalesce($6::text[], t.tags) FROM named WHERE t.id = $1::uuid AND "
	    "NOT "
	    "EXISTS (SELECT 1 FROM clash) AND NOT EXISTS (SELECT 1 FROM blank) RETURNING "
	    "t.id, t.org_id, t.network_id), c AS (" APP_CHANGE(
	        "up", "application_edited", "NULL",
	        "$8::jsonb || jsonb_build_object('application_id', id, 'user', "
	        "$7::text)") ") SELECT (SELECT id FROM up), CASE WHEN NOT EXISTS (SELECT "
	                     "1 FROM a) THEN 'not_found' WHEN EXISTS (SELECT 1 FROM "
	                     "blank) THEN 'name_required' ELSE 'conflict' END",
	    8, p);
	free(detail);
	json_decref(in);
	return res;
}

/* DELETE /api/v1/applications/{id}: a user's application, with its members
 * and the dependencies on it. */
enum MHD_Result api_application_delete(struct request *r)
{
	const char *p[] = {r->param[0], r->who.user_id};
	return app_write(
	    r, 204, LOCK_APP,
	    "WITH a AS (SELECT * FROM inv.applications WHERE id = $1::uuid), d AS "
	    "(DELETE FROM inv.applications t USING a WHERE t.id = a.id AND a.source = "
	    "'user' RETURNING t.id, t.org_id, t.network_id, t.name), c AS (" APP_CHANGE(
	        "d", "application_deleted", "NULL",
	        "jsonb_build_object('application_id', id, 'name', name, 'user', "
	        "$2::text)") ") SELECT (SELECT id FROM d), CASE WHEN NOT EXISTS (SELECT "
	                     "1 "
	                     "FROM a) THEN 'not_found' ELSE 'inferred' END",
	    2, p);
}

/* POST /api/v1/applications/{id}/members {workload_id | host_id [, protocol,
 * port]} [role]: the workload or host must be of the application's network
 * (a service: one the host runs now; it stays a member when scans no longer
 * see it). */
enum MHD_Result api_application_members_add(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	struct app_member m;
	struct input_error e;
	if (app_member_parse(in, &m, &e))
		return bad_input(r, in, &e);
	const char *p[] = {r->param[0], m.kind,        m.workload_id,
	                   m.host_id,   m.protocol,    m.port[0] ? m.port : NULL,
	                   m.role,      r->who.user_id};
	res = app_write(
	    r, 201, LOCK_APP,
	    "WITH a AS (SELECT * FROM inv.applications WHERE id = $1::uuid), ok AS "
	    "(SELECT CASE WHEN $2 = 'workload' THEN (SELECT CASE WHEN EXISTS (SELECT 1 "
	    "FROM inv.workloads w WHERE w.id = $3::uuid AND w.network_id = a.network_id) "
	    "THEN NULL ELSE 'no_workload' END) WHEN NOT EXISTS (SELECT 1 FROM inv.hosts "
	    "h "
	    "WHERE h.id = $4::uuid AND h.network_id = a.network_id) THEN 'no_host' WHEN "
	    "$2 = 'service' AND NOT EXISTS (SELECT 1 FROM inv.services s WHERE s.host_id "
	    "= $4::uuid AND s.protocol = $5 AND s.port = $6::int) THEN 'no_service' END "
	    "AS why FROM a), m AS (INSERT INTO inv.application_user_members "
	    "(application_id, org_id, network_id, kind, workload_id, host_id, protocol, "
	    "port, role, added_by) SELECT a.id, a.org_id, a.network_id, $2, $3::uuid, "
	    "$4::uuid, $5, $6::int, $7, nullif($8, '')::uuid FROM a, ok WHERE ok.why IS "
	    "NULL ON CONFLICT DO NOTHING RETURNING id, application_id, org_id, "
	    "network_id, kind, workload_id, host_id, protocol, port), c AS (" APP_CHANGE(
	        "m", "application_member_added", "host_id",
	        "jsonb_build_object('application_id', application_id, 'member_id', id, "
	        "'kind', kind, 'workload_id', workload_id, 'protocol', protocol, "
	        "'port', port, 'user', $8::text)") ") SELECT (SELECT application_id FROM "
	                                           "m), CASE WHEN NOT EXISTS (SELECT 1 "
	                                           "FROM a) THEN 'not_found' ELSE "
	                                           "coalesce((SELECT why FROM ok), "
	                                           "'conflict') END",
	    8, p);
	json_decref(in);
	return res;
}

/* DELETE /api/v1/applications/{id}/members/{member_id}: one a user added
 * (members scans inferred come and go with the scans). */
enum MHD_Result api_application_member_delete(struct request *r)
{
	const char *p[] = {r->param[0], r->param[1], r->who.user_id};
	return app_write(
	    r, 204, LOCK_APP,
	    "WITH d AS (DELETE FROM inv.application_user_members m WHERE m.id = "
	    "$2::uuid AND m.application_id = $1::uuid RETURNING m.*), c AS (" APP_CHANGE(
	        "d", "application_member_removed", "host_id",
	        "jsonb_build_object('application_id', application_id, 'member_id', id, "
	        "'kind', kind, 'workload_id', workload_id, 'protocol', protocol, "
	        "'port', port, 'user', $3::text)") ") SELECT (SELECT application_id FROM "
	                                           "d), 'no_app_member'",
	    3, p);
}

/* POST /api/v1/applications/{id}/dependencies {target_application_id,
 * source_member_id?, target_member_id?, kind?, description?}: this
 * application depends on the target (of the same network), or one member of
 * it on one of the target's. */
enum MHD_Result api_application_dependencies_add(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	struct app_dependency d;
	struct input_error e;
	if (app_dependency_parse(in, r->param[0], &d, &e))
		return bad_input(r, in, &e);
	const char *p[] = {r->param[0], d.target_app,  d.source_member, d.target_member,
	                   d.kind,      d.description, r->who.user_id};
	res = app_write(
	    r, 201, LOCK_APP,
	    "WITH a AS (SELECT * FROM inv.applications WHERE id = $1::uuid), b AS "
	    "(SELECT t.* FROM inv.applications t, a WHERE t.id = $2::uuid AND "
	    "t.network_id = a.network_id), ok AS (SELECT CASE WHEN NOT EXISTS (SELECT 1 "
	    "FROM b) THEN 'no_target' WHEN $3::uuid IS NOT NULL AND NOT EXISTS (SELECT 1 "
	    "FROM inv.application_user_members m WHERE m.id = $3::uuid AND "
	    "m.application_id = $1::uuid) THEN 'no_member' WHEN $4::uuid IS NOT NULL AND "
	    "NOT EXISTS (SELECT 1 FROM inv.application_user_members m WHERE m.id = "
	    "$4::uuid AND m.application_id = $2::uuid) THEN 'no_target_member' END AS "
	    "why FROM a), d AS (INSERT INTO inv.application_dependencies (org_id, "
	    "network_id, source_app, target_app, source_member, target_member, kind, "
	    "description, created_by) SELECT a.org_id, a.network_id, a.id, b.id, "
	    "$3::uuid, $4::uuid, $5, $6, nullif($7, '')::uuid FROM a, b, ok WHERE ok.why "
	    "IS NULL ON CONFLICT DO NOTHING RETURNING id, org_id, network_id, "
	    "source_app, target_app, kind), c AS (" APP_CHANGE(
	        "d", "application_dependency_added", "NULL",
	        "jsonb_build_object('application_id', source_app, 'dependency_id', id, "
	        "'target_application_id', target_app, 'kind', kind, 'user', "
	        "$7::text)") ") SELECT (SELECT source_app FROM d), CASE WHEN NOT EXISTS "
	                     "(SELECT 1 FROM a) THEN 'not_found' ELSE coalesce((SELECT "
	                     "why FROM ok), 'conflict') END",
	    7, p);
	json_decref(in);
	return res;
}

/* DELETE /api/v1/applications/{id}/dependencies/{dependency_id}: one the
 * application takes part in, either side. */
enum MHD_Result api_application_dependency_delete(struct request *r)
{
	const char *p[] = {r->param[0], r->param[1], r->who.user_id};
	return app_write(
	    r, 204, LOCK_APP,
	    "WITH d AS (DELETE FROM inv.application_dependencies x WHERE x.id = $2::uuid "
	    "AND $1::uuid IN (x.source_app, x.target_app) RETURNING x.*), c AS "
	    "(" APP_CHANGE(
	        "d", "application_dependency_removed", "NULL",
	        "jsonb_build_object('application_id', source_app, 'dependency_id', id, "
	        "'target_application_id', target_app, 'kind', kind, 'user', "
	        "$3::text)") ") SELECT (SELECT source_app FROM d), 'no_dependency'",
	    3, p);
}
