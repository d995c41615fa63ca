/* The organisation's people and their roles, and a user's own API keys.
 * Nobody grants a role above their own or changes someone ranked above them,
 * and an organisation always keeps an owner. */
#include "auth.h"
#include "http.h"
#include "reply.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_PASSWORD 10
/* A member of the organisation: their account and their membership (m). */
#define USER_JSON                                                                        \
	"json_build_object('id', u.id, 'email', u.email, 'role', m.role, "               \
	"'all_networks', m.all_networks, 'created_at', u.created_at)"

/* GET /api/v1/users: the organisation's members. */
enum MHD_Result api_users_list(struct request *r)
{
	return reply_query_json(r, 200,
	                        "SELECT coalesce(json_agg(" USER_JSON
	                        " ORDER BY u.email), '[]')::text FROM core.memberships m "
	                        "JOIN core.users u ON u.id = m.user_id",
	                        0, NULL, 404, "no users");
}

/* The role named by a request body, if the caller may grant it; else
 * replies (422, 403) and returns false. */
static bool role_from(struct request *r, json_t *in, enum role *role,
                      enum MHD_Result *replied)
{
	*role = auth_role(json_str(in, "role"));
	if (!*role)
		*replied = reply_error(r, 422, "invalid_field",
		                       "role: owner, admin, member or viewer", "role");
	else if (*role > r->who.role)
		*replied = reply_error(r, 403, "forbidden",
		                       "you cannot grant a role above your own", "role");
	return *role && *role <= r->who.role;
}

static bool valid_email(const char *email)
{
	const char *at = email ? strchr(email, '@') : NULL;
	return at && at != email && strchr(at, '.') && strlen(email) <= 254 &&
	       !strchr(email, ' ');
}

/* The id of the account with this email, in any organisation ("" when none):
 * an existing account joins the organisation rather than getting a second
 * one. -1 on a database error. */
static int account_of(struct request *r, const char *email, char id[40])
{
	const char *p[] = {email};
	PGresult *q = db_query(r->gw->db,
	                       "SELECT id FROM core.users WHERE email = lower($1)", 1, p);
	if (!q)
		return -1;
	snprintf(id, 40, "%s", PQntuples(q) ? PQgetvalue(q, 0, 0) : "");
	PQclear(q);
	return 0;
}

/* Adds an existing account to the organisation with `role`. */
static enum MHD_Result add_member(struct request *r, const char *user_id, enum role role)
{
	const char *p[] = {r->who.org_id, user_id, auth_role_name(role)};
	PGresult *q = db_tenant_query(r->gw->db, &r->who,
	                              "INSERT INTO core.memberships (org_id, user_id, "
	                              "role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING "
	                              "RETURNING 1",
	                              3, p);
	if (!q)
		return reply_db_error(r);
	int added = PQntuples(q);
	PQclear(q);
	if (!added)
		return reply_error(r, 409, "conflict",
		                   "this email is a member of the organisation already",
		                   NULL);
	return reply_query_json(r, 201,
	                        "SELECT " USER_JSON "::text FROM core.memberships m JOIN "
	                        "core.users u ON u.id = m.user_id WHERE u.id = $1",
	                        1, (const char *[]){user_id}, 404, "no such user");
}

/* POST /api/v1/users {email, password, role}: a new account, or (an email
 * with an account in another organisation) a new membership of that account,
 * whose password stays its own. */
enum MHD_Result api_users_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *email = json_str(in, "email"), *password = json_str(in, "password");
	enum role role;
	char hash[256], existing[40] = "";
	if (!valid_email(email))
		res = reply_error(r, 422, "invalid_field", "email: not an email address",
		                  "email");
	else if (!role_from(r, in, &role, &res))
		; /* answered */
	else if (account_of(r, email, existing))
		res = reply_db_error(r);
	else if (*existing)
		res = add_member(r, existing, role);
	else if (!password || strlen(password) < MIN_PASSWORD || strlen(password) > 1024)
		res = reply_error(r, 422, "invalid_field",
		                  "password: at least 10 characters", "password");
	else if (auth_password_hash(password, hash, sizeof hash))
		res =
		    reply_error(r, 500, "internal", "could not hash the password", NULL);
	else {
		/* The membership comes with the account (a trigger), as in setup. */
		const char *p[] = {r->who.org_id, email, hash, auth_role_name(role)};
		res = reply_query_json(
		    r, 201,
		    "WITH u AS (INSERT INTO core.users (org_id, email, "
		    "password_hash, role) VALUES ($1, lower($2), $3, $4) "
		    "ON CONFLICT (email) DO NOTHING RETURNING *), m AS "
		    "(SELECT $4::text AS role, true AS all_networks) "
		    "SELECT " USER_JSON "::text FROM u, m",
		    4, p, 409, "this email has an account already");
	}
	json_decref(in);
	return res;
}

/* The target member's role; replies (404, 403) and returns 0 when the caller
 * may not touch them. */
static enum role target_role(struct request *r, enum MHD_Result *replied)
{
	const char *p[] = {r->param[0]};
	PGresult *q =
	    db_tenant_query(r->gw->db, &r->who,
	                    "SELECT role FROM core.memberships WHERE user_id = $1", 1, p);
	if (!q) {
		*replied = reply_db_error(r);
		return 0;
	}
	enum role role = PQntuples(q) ? auth_role(PQgetvalue(q, 0, 0)) : 0;
	PQclear(q);
	if (!role)
		*replied = reply_not_found(r, "no such user");
	else if (role > r->who.role) {
		*replied = reply_error(r, 403, "forbidden",
		                       "this user's role is above yours", NULL);
		role = 0;
	}
	return role;
}

/* Keeps an owner: the statement changes nothing when it would remove the
 * organisation's last one, and says 409. */
#define KEEPS_AN_OWNER                                                                   \
	"(m.role <> 'owner' OR EXISTS (SELECT 1 FROM core.memberships o WHERE o.role = " \
	"'owner' AND o.user_id <> m.user_id))"

/* PATCH /api/v1/users/{id} {role?, all_networks?}: all_networks false holds a
 * member or viewer to the networks granted under /networks/{id}/access. */
enum MHD_Result api_users_update(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	enum role role = 0;
	json_t *all = json_object_get(in, "all_networks");
	if (all && !json_is_boolean(all))
		res = reply_error(r, 422, "invalid_field", "all_networks: true or false",
		                  "all_networks");
	else if (!all && !json_object_get(in, "role"))
		res =
		    reply_error(r, 422, "invalid_field", "role or all_networks", "role");
	else if ((!json_object_get(in, "role") || role_from(r, in, &role, &res)) &&
	         target_role(r, &res)) {
		const char *p[] = {r->param[0], role ? auth_role_name(role) : NULL,
		                   all ? (json_is_true(all) ? "t" : "f") : NULL};
		res = reply_query_json(
		    r, 200,
		    "UPDATE core.memberships m SET role = coalesce($2, m.role), "
		    "all_networks = coalesce($3::boolean, m.all_networks) FROM "
		    "core.users "
		    "u WHERE u.id = m.user_id AND m.user_id = $1 AND (coalesce($2, "
		    "'owner') = 'owner' OR " KEEPS_AN_OWNER ") RETURNING " USER_JSON
		    "::text",
		    3, p, 409, "the organisation must keep an owner");
	}
	json_decref(in);
	return res;
}

/* DELETE /api/v1/users/{id}: the user leaves the organisation, with their
 * sessions in it; an account left in no organisation is deleted. */
enum MHD_Result api_users_delete(struct request *r)
{
	enum MHD_Result res;
	if (!target_role(r, &res))
		return res;
	const char *p[] = {r->param[0]};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "WITH m AS (DELETE FROM core.memberships m WHERE m.user_id = $1 AND "
	    "" KEEPS_AN_OWNER " RETURNING m.user_id), s AS (DELETE FROM "
	    "core.user_sessions s USING m WHERE s.user_id = m.user_id) SELECT 1 FROM m",
	    1, p);
	if (!q)
		return reply_db_error(r);
	int n = PQntuples(q);
	PQclear(q);
	if (!n)
		return reply_error(r, 409, "conflict",
		                   "the organisation must keep an owner", NULL);
	q = db_query(r->gw->db,
	             "DELETE FROM core.users u WHERE u.id = $1 AND NOT EXISTS (SELECT 1 "
	             "FROM core.memberships m WHERE m.user_id = u.id)",
	             1, p);
	if (!q)
		return reply_db_error(r);
	PQclear(q);
	return reply_empty(r, 204);
}

/* GET /api/v1/api-keys: for admins and owners every key of the organisation
 * (users' and daemons'), for others their own; never the keys themselves. */
enum MHD_Result api_keys_list(struct request *r)
{
	const char *p[] = {r->who.user_id, r->who.role >= ROLE_ADMIN ? "t" : "f"};
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(json_build_object('id', k.id, 'prefix', k.prefix, "
	    "'name', k.name, 'scope', k.scope, 'user_id', k.user_id, 'user', (SELECT "
	    "u.email FROM core.users u WHERE u.id = k.user_id), 'network_id', "
	    "k.network_id, 'network', (SELECT n.name FROM core.networks n WHERE n.id = "
	    "k.network_id), 'mine', k.user_id IS NOT DISTINCT FROM $1::uuid, "
	    "'created_at', k.created_at, 'expires_at', k.expires_at, 'revoked_at', "
	    "k.revoked_at, 'last_used_at', k.last_used_at) ORDER BY k.created_at DESC, "
	    "k.id), '[]')::text FROM core.api_keys k WHERE (k.scope = 'user' AND "
	    "k.user_id = $1::uuid) OR $2::boolean",
	    2, p, 404, "no keys");
}

/* DELETE /api/v1/api-keys/{id}: revokes one of the caller's keys. */
enum MHD_Result api_keys_revoke(struct request *r)
{
	const char *p[] = {r->param[0], r->who.user_id};
	PGresult *q =
	    db_tenant_query(r->gw->db, &r->who,
	                    "UPDATE core.api_keys SET revoked_at = now() WHERE id = "
	                    "$1 AND scope = 'user' AND user_id = $2 AND revoked_at "
	                    "IS NULL RETURNING 1",
	                    2, p);
	if (!q)
		return reply_db_error(r);
	int n = PQntuples(q);
	PQclear(q);
	return n ? reply_empty(r, 204) : reply_not_found(r, "no such key of yours");
}
