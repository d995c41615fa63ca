/* Organisations for MSPs: a user is a member of many organisations with a role
 * in each, and acts in one at a time (a session's current organisation, which
 * POST /auth/switch changes; a user key's own, or the one its request names in
 * X-Scanopy-Organization). Which organisations a user belongs to is not any one
 * tenant's data, so those statements run outside the tenant role, each keyed
 * by the authenticated caller's own user id. */
#include "auth.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One organisation as the caller sees it; $2 is the current one. */
#define ORG_JSON                                                                         \
	"json_build_object('id', o.id, 'name', o.name, 'role', m.role, 'current', o.id " \
	"= $2::uuid, 'created_at', o.created_at)"

/* Replies with the answer of a statement outside any tenant, whose first
 * column of the first row is JSON text; no row (or NULL) is a 404. */
static enum MHD_Result reply_own_json(struct request *r, unsigned status, const char *sql,
                                      int n, const char *const *p, const char *missing)
{
	PGresult *q = db_query(r->gw->db, sql, n, p);
	enum MHD_Result res;
	if (!q)
		res = reply_db_error(r);
	else if (PQntuples(q) == 0 || PQgetisnull(q, 0, 0))
		res = reply_not_found(r, missing);
	else
		res = reply_bytes(r, status, "application/json", PQgetvalue(q, 0, 0),
		                  (size_t)PQgetlength(q, 0, 0));
	PQclear(q);
	return res;
}

/* The caller as GET /auth/me shows them, acting in organisation `org`. */
static enum MHD_Result reply_me(struct request *r, const char *org)
{
	const char *p[] = {r->who.user_id, org};
	return reply_own_json(
	    r, 200,
	    "SELECT json_build_object('id', u.id, 'email', u.email, 'org_id', m.org_id, "
	    "'role', m.role, 'all_networks', m.all_networks OR m.role IN ('owner', "
	    "'admin'), 'organization', json_build_object('id', c.id, 'name', c.name), "
	    "'organizations', (SELECT json_agg(" ORG_JSON " ORDER BY lower(o.name), "
	    "o.id) FROM core.memberships m JOIN core.organizations o ON o.id = "
	    "m.org_id WHERE m.user_id = u.id))::text FROM core.users u JOIN "
	    "core.memberships m ON m.user_id = u.id AND m.org_id = $2::uuid JOIN "
	    "core.organizations c ON c.id = m.org_id WHERE u.id = $1",
	    2, p, "not a member of this organisation");
}

/* GET /api/v1/auth/me */
enum MHD_Result api_me(struct request *r)
{
	return reply_me(r, r->who.org_id);
}

/* POST /api/v1/auth/switch {organization_id}: the session's current
 * organisation becomes that one, if the user is a member there. Keys have no
 * session: they name the organisation per request (X-Scanopy-Organization). */
enum MHD_Result api_switch(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *org = json_str(in, "organization_id");
	if (!is_uuid(org)) {
		res = reply_error(r, 422, "invalid_field", "organization_id: a UUID",
		                  "organization_id");
	} else if (!r->who.via_cookie) {
		res = reply_error(r, 400, "not_a_session",
		                  "API keys choose the organisation per request with the "
		                  "X-Scanopy-Organization header",
		                  NULL);
	} else {
		const char *p[] = {r->who.session_id, org};
		PGresult *q = db_query(
		    r->gw->db,
		    "UPDATE core.user_sessions s SET org_id = $2 WHERE s.id = $1 AND "
		    "EXISTS (SELECT 1 FROM core.memberships m WHERE m.user_id = "
		    "s.user_id AND m.org_id = $2) RETURNING 1",
		    2, p);
		if (!q)
			res = reply_db_error(r);
		else if (PQntuples(q) == 0)
			res = reply_not_found(r, "no such organisation of yours");
		else
			res = reply_me(r, org);
		PQclear(q);
	}
	json_decref(in);
	return res;
}

/* GET /api/v1/organizations[?limit=&offset=]: the caller's organisations,
 * by name; X-Total-Count says how many in all. */
enum MHD_Result api_orgs_list(struct request *r)
{
	const char *l = request_query(r, "limit"), *o = request_query(r, "offset");
	char *end = NULL;
	long lv = l ? strtol(l, &end, 10) : 100;
	if (l && (*end || lv < 1 || lv > 1000))
		return reply_error(r, 422, "invalid_field", "limit: 1 to 1000", "limit");
	long ov = o ? strtol(o, &end, 10) : 0;
	if (o && (*end || ov < 0))
		return reply_error(r, 422, "invalid_field", "offset: 0 or more",
		                   "offset");
	char limit[16], offset[24];
	snprintf(limit, sizeof limit, "%ld", lv);
	snprintf(offset, sizeof offset, "%ld", ov);
	const char *p[] = {r->who.user_id, r->who.org_id, limit, offset};
	PGresult *q = db_query(
	    r->gw->db,
	    "SELECT coalesce(json_agg(x.j ORDER BY x.k, x.id), '[]')::text, (SELECT "
	    "count(*) FROM core.memberships WHERE user_id = $1) FROM (SELECT " ORG_JSON
	    " AS j, lower(o.name) AS k, o.id FROM core.memberships m JOIN "
	    "core.organizations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY "
	    "lower(o.name), o.id LIMIT $3::int OFFSET $4::bigint) x",
	    4, p);
	if (!q)
		return reply_db_error(r);
	request_add_header(r, "X-Total-Count", PQgetvalue(q, 0, 1));
	enum MHD_Result res = reply_bytes(r, 200, "application/json", PQgetvalue(q, 0, 0),
	                                  (size_t)PQgetlength(q, 0, 0));
	PQclear(q);
	return res;
}

static const char *org_name(struct request *r, json_t *in, enum MHD_Result *replied)
{
	const char *name = json_str(in, "name");
	if (!name || !*name || strlen(name) > 200) {
		*replied = reply_error(r, 422, "invalid_field",
		                       "name: 1 to 200 characters", "name");
		return NULL;
	}
	return name;
}

/* POST /api/v1/organizations {name}: an owner or admin of their current
 * organisation (an MSP's) creates a client organisation and becomes its
 * owner. */
enum MHD_Result api_orgs_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *name = org_name(r, in, &res);
	if (name) {
		const char *p[] = {name, r->who.org_id, r->who.user_id};
		res = reply_own_json(
		    r, 201,
		    "WITH o AS (INSERT INTO core.organizations (name) VALUES ($1) "
		    "RETURNING id, name, created_at), m AS (INSERT INTO core.memberships "
		    "(org_id, user_id, role) SELECT id, $3, 'owner' FROM o RETURNING "
		    "role) SELECT " ORG_JSON "::text FROM o, m",
		    3, p, "not created");
	}
	json_decref(in);
	return res;
}

/* The caller's role in organisation `org` (0: no member). -1 on a database
 * error. */
static int role_in(struct request *r, const char *org)
{
	const char *p[] = {r->who.user_id, org};
	PGresult *q = db_query(r->gw->db,
	                       "SELECT role FROM core.memberships WHERE user_id = $1 "
	                       "AND org_id = $2",
	                       2, p);
	if (!q)
		return -1;
	int role = PQntuples(q) ? (int)auth_role(PQgetvalue(q, 0, 0)) : 0;
	PQclear(q);
	return role;
}

/* Replies 404/403 unless the caller owns organisation {id}. */
static bool owner_of_param(struct request *r, enum MHD_Result *replied)
{
	int role = role_in(r, r->param[0]);
	if (role < 0)
		*replied = reply_db_error(r);
	else if (role == 0)
		*replied = reply_not_found(r, "no such organisation of yours");
	else if (role != ROLE_OWNER)
		*replied = reply_error(
		    r, 403, "forbidden",
		    "only an owner may change or delete an organisation", NULL);
	return role == ROLE_OWNER;
}

/* PATCH /api/v1/organizations/{id} {name}: owners only. */
enum MHD_Result api_orgs_patch(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *name = org_name(r, in, &res);
	if (name && owner_of_param(r, &res)) {
		const char *p[] = {r->param[0], r->who.org_id, name, r->who.user_id};
		res = reply_own_json(
		    r, 200,
		    "WITH o AS (UPDATE core.organizations SET name = $3 WHERE id = $1 "
		    "RETURNING id, name, created_at) SELECT " ORG_JSON "::text FROM o "
		    "JOIN core.memberships m ON m.org_id = o.id AND m.user_id = $4",
		    4, p, "no such organisation of yours");
	}
	json_decref(in);
	return res;
}

/* DELETE /api/v1/organizations/{id}: owners only, and only an organisation
 * with no networks left (deleting networks is a decision of its own), other
 * than the one the caller acts in. Members whose account was made there keep
 * it if they belong elsewhere: it moves to another of their organisations. */
enum MHD_Result api_orgs_delete(struct request *r)
{
	enum MHD_Result res;
	if (!strcmp(r->param[0], r->who.org_id))
		return reply_error(
		    r, 409, "conflict",
		    "this is the organisation you act in; switch to another "
		    "first",
		    NULL);
	if (!owner_of_param(r, &res))
		return res;
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	const char *p[] = {r->param[0]};
	PGresult *n = NULL;
	int rc = sc_pg_exec(c, "BEGIN", 0, NULL);
	if (!rc)
		rc = (n = sc_pg_query(c,
		                      "SELECT 1 FROM core.networks WHERE org_id = $1 FOR "
		                      "SHARE LIMIT 1",
		                      1, p))
		         ? 0
		         : -1;
	bool empty = n && PQntuples(n) == 0;
	if (!rc && empty)
		rc = sc_pg_exec(
		         c,
		         "UPDATE core.users u SET org_id = (SELECT m.org_id FROM "
		         "core.memberships m WHERE m.user_id = u.id AND m.org_id <> "
		         "$1 ORDER BY m.created_at LIMIT 1) WHERE u.org_id = $1 AND "
		         "EXISTS (SELECT 1 FROM core.memberships m WHERE m.user_id "
		         "= u.id AND m.org_id <> $1)",
		         1, p) ||
		     sc_pg_exec(c, "DELETE FROM core.organizations WHERE id = $1", 1, p);
	rc = db_end(c, rc);
	db_release(r->gw->db, c);
	PQclear(n);
	if (rc)
		return reply_db_error(r);
	if (!empty)
		return reply_error(
		    r, 409, "conflict",
		    "the organisation still has networks; delete them first", NULL);
	return reply_empty(r, 204);
}
