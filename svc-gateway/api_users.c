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
#define USER_JSON                                                                        \
	"json_build_object('id', u.id, 'email', u.email, 'role', u.role, 'created_at', " \
	"u.created_at)::text"

/* GET /api/v1/users */
enum MHD_Result api_users_list(struct request *r)
{
	return reply_query_json(r, 200,
	                        "SELECT coalesce(json_agg(json_build_object('id', u.id, "
	                        "'email', u.email, 'role', u.role, 'created_at', "
	                        "u.created_at) ORDER BY u.email), '[]')::text FROM "
	                        "core.users u",
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

/* POST /api/v1/users {email, password, role} */
enum MHD_Result api_users_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *email = json_str(in, "email"), *password = json_str(in, "password");
	enum role role;
	char hash[256];
	const char *at = email ? strchr(email, '@') : NULL;
	if (!at || at == email || !strchr(at, '.') || strlen(email) > 254 ||
	    strchr(email, ' '))
		res = reply_error(r, 422, "invalid_field", "email: not an email address",
		                  "email");
	else if (!password || strlen(password) < MIN_PASSWORD || strlen(password) > 1024)
		res = reply_error(r, 422, "invalid_field",
		                  "password: at least 10 characters", "password");
	else if (!role_from(r, in, &role, &res))
		; /* answered */
	else if (auth_password_hash(password, hash, sizeof hash))
		res =
		    reply_error(r, 500, "internal", "could not hash the password", NULL);
	else {
		const char *p[] = {r->who.org_id, email, hash, auth_role_name(role)};
		res = reply_query_json(r, 201,
		                       "INSERT INTO core.users AS u (org_id, email, "
		                       "password_hash, role) VALUES "
		                       "($1, lower($2), $3, $4) ON CONFLICT (email) DO "
		                       "NOTHING RETURNING " USER_JSON,
		                       4, p, 409, "this email has an account already");
	}
	json_decref(in);
	return res;
}

/* The target user's role; replies (404, 403) and returns 0 when the caller
 * may not touch them. */
static enum role target_role(struct request *r, enum MHD_Result *replied)
{
	const char *p[] = {r->param[0]};
	PGresult *q = db_tenant_query(r->gw->db, r->who.org_id,
	                              "SELECT role FROM core.users WHERE id = $1", 1, p);
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
 * last one, and says 409. */
#define KEEPS_AN_OWNER                                                                   \
	"(u.role <> 'owner' OR EXISTS (SELECT 1 FROM core.users o WHERE o.role = "       \
	"'owner' AND o.id <> u.id))"

/* PATCH /api/v1/users/{id} {role} */
enum MHD_Result api_users_update(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	enum role role;
	if (role_from(r, in, &role, &res) && target_role(r, &res)) {
		const char *p[] = {r->param[0], auth_role_name(role)};
		res = reply_query_json(
		    r, 200,
		    "UPDATE core.users u SET role = $2 WHERE u.id = $1 AND "
		    "($2 = 'owner' OR " KEEPS_AN_OWNER ") RETURNING " USER_JSON,
		    2, p, 409, "the organisation must keep an owner");
	}
	json_decref(in);
	return res;
}

/* DELETE /api/v1/users/{id}: their sessions and keys go with them. */
enum MHD_Result api_users_delete(struct request *r)
{
	enum MHD_Result res;
	if (!target_role(r, &res))
		return res;
	const char *p[] = {r->param[0]};
	PGresult *q = db_tenant_query(
	    r->gw->db, r->who.org_id,
	    "DELETE FROM core.users u WHERE u.id = $1 AND " KEEPS_AN_OWNER " RETURNING 1",
	    1, p);
	if (!q)
		return reply_db_error(r);
	int n = PQntuples(q);
	PQclear(q);
	return n ? reply_empty(r, 204)
	         : reply_error(r, 409, "conflict", "the organisation must keep an owner",
	                       NULL);
}

/* GET /api/v1/api-keys: the caller's own keys (never the keys themselves). */
enum MHD_Result api_keys_list(struct request *r)
{
	const char *p[] = {r->who.user_id};
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(json_build_object('id', k.id, 'prefix', k.prefix, "
	    "'name', k.name, 'created_at', k.created_at, 'expires_at', k.expires_at, "
	    "'revoked_at', k.revoked_at) ORDER BY k.created_at DESC), '[]')::text FROM "
	    "core.api_keys k WHERE k.scope = 'user' AND k.user_id = $1",
	    1, p, 404, "no keys");
}

/* DELETE /api/v1/api-keys/{id}: revokes one of the caller's keys. */
enum MHD_Result api_keys_revoke(struct request *r)
{
	const char *p[] = {r->param[0], r->who.user_id};
	PGresult *q =
	    db_tenant_query(r->gw->db, r->who.org_id,
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
