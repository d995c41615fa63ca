/* First-run setup, login and logout, and user API keys. */
#include "auth.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_log.h"
#include "sc_pg.h"

#include <stdio.h>
#include <string.h>

#define SESSION_HOURS 12
#define MIN_PASSWORD 10

static bool valid_email(const char *e)
{
	const char *at = e ? strchr(e, '@') : NULL;
	return at && at != e && strchr(at, '.') && strlen(e) <= 254 && !strchr(e, ' ');
}

static bool valid_name(const char *s)
{
	return s && *s && strlen(s) <= 200;
}

/* POST /api/v1/setup {organization, email, password}: first run only. */
enum MHD_Result api_setup(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *org = json_str(in, "organization"), *email = json_str(in, "email"),
	           *password = json_str(in, "password");
	char hash[256];
	if (!valid_name(org))
		res = reply_error(r, 422, "invalid_field",
		                  "organization: 1 to 200 characters", "organization");
	else if (!valid_email(email))
		res = reply_error(r, 422, "invalid_field", "email: not an email address",
		                  "email");
	else if (!password || strlen(password) < MIN_PASSWORD || strlen(password) > 1024)
		res = reply_error(r, 422, "invalid_field",
		                  "password: at least 10 characters", "password");
	else if (auth_password_hash(password, hash, sizeof hash))
		res =
		    reply_error(r, 500, "internal", "could not hash the password", NULL);
	else {
		PGconn *c = db_acquire(r->gw->db);
		if (!c) {
			json_decref(in);
			return reply_db_error(r);
		}
		const char *p[] = {org, email, hash};
		/* One setup at a time; only when no organisation exists yet. */
		PGresult *q = NULL;
		int rc = sc_pg_exec(c, "BEGIN", 0, NULL);
		if (!rc)
			rc = sc_pg_exec(
			    c, "SELECT pg_advisory_xact_lock(hashtext('scanopy.setup'))",
			    0, NULL);
		if (!rc)
			q = sc_pg_query(
			    c,
			    "WITH o AS (INSERT INTO core.organizations (name) SELECT $1 "
			    "WHERE "
			    "NOT EXISTS (SELECT 1 FROM core.organizations) RETURNING id, "
			    "name), "
			    "u AS (INSERT INTO core.users (org_id, email, password_hash, "
			    "role) "
			    "SELECT id, lower($2), $3, 'owner' FROM o RETURNING id, "
			    "email, role, "
			    "org_id) SELECT json_build_object('organization', "
			    "json_build_object("
			    "'id', o.id, 'name', o.name), 'user', "
			    "json_build_object('id', u.id, "
			    "'email', u.email, 'role', u.role))::text FROM o, u",
			    3, p);
		rc = db_end(c, q ? 0 : -1);
		db_release(r->gw->db, c);
		if (!q || rc)
			res = reply_db_error(r);
		else if (PQntuples(q) == 0)
			res = reply_error(
			    r, 409, "already_set_up",
			    "this installation has an organisation already; sign in",
			    NULL);
		else
			res =
			    reply_json(r, 201, json_loads(PQgetvalue(q, 0, 0), 0, NULL));
		PQclear(q);
	}
	json_decref(in);
	return res;
}

/* Creates the session row and sets the cookie; fills csrf. */
static int start_session(PGconn *c, struct request *r, const char *org_id,
                         const char *user_id, char *csrf, size_t csrf_len)
{
	char token[96], hash[AUTH_HASH_HEX], cookie[256];
	if (auth_new_secret("scs_", token, sizeof token) ||
	    auth_new_secret("", csrf, csrf_len))
		return -1;
	auth_hash(token, hash);
	const char *p[] = {org_id, user_id, hash, csrf};
	if (sc_pg_exec(
	        c,
	        "INSERT INTO core.user_sessions (org_id, user_id, token_hash, "
	        "csrf_token, expires_at) VALUES ($1, $2, decode($3, 'hex'), $4, now() + "
	        "interval '" SC_STR(SESSION_HOURS) " hours')",
	        4, p))
		return -1;
	snprintf(cookie, sizeof cookie,
	         "scanopy_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
	         token, SESSION_HOURS * 3600,
	         sc_tls_pem_on(&r->gw->tls) ? "; Secure" : "");
	request_add_header(r, "Set-Cookie", cookie);
	return 0;
}

/* POST /api/v1/auth/login {email, password} → session cookie + CSRF token. */
enum MHD_Result api_login(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *email = json_str(in, "email"), *password = json_str(in, "password");
	if (!email || !password || strlen(password) > 1024) {
		json_decref(in);
		return reply_error(r, 422, "invalid_field",
		                   "email and password are required",
		                   !email ? "email" : "password");
	}
	PGconn *c = db_acquire(r->gw->db);
	if (!c) {
		json_decref(in);
		return reply_db_error(r);
	}
	const char *p[] = {email};
	PGresult *q =
	    sc_pg_query(c,
	                "SELECT u.id, m.org_id, m.role, u.password_hash, u.email FROM "
	                "core.users u LEFT JOIN LATERAL (SELECT m.org_id, m.role FROM "
	                "core.memberships m WHERE m.user_id = u.id ORDER BY m.org_id = "
	                "u.org_id DESC, m.created_at LIMIT 1) m ON true WHERE u.email = "
	                "lower($1)",
	                1, p);
	char csrf[96];
	if (!q) {
		res = reply_db_error(r);
	} else if (PQntuples(q) != 1 ||
	           !auth_password_ok(PQgetvalue(q, 0, 3), password) ||
	           PQgetisnull(q, 0, 1)) { /* no organisation left: no sign-in */
		res = reply_error(r, 401, "invalid_credentials",
		                  "wrong email or password", NULL);
	} else if (start_session(c, r, PQgetvalue(q, 0, 1), PQgetvalue(q, 0, 0), csrf,
	                         sizeof csrf)) {
		res = reply_db_error(r);
	} else {
		res = reply_json(r, 200,
		                 json_pack("{s:{s:s, s:s, s:s, s:s}, s:s}", "user", "id",
		                           PQgetvalue(q, 0, 0), "org_id",
		                           PQgetvalue(q, 0, 1), "email",
		                           PQgetvalue(q, 0, 4), "role",
		                           PQgetvalue(q, 0, 2), "csrf_token", csrf));
	}
	PQclear(q);
	db_release(r->gw->db, c);
	json_decref(in);
	return res;
}

enum MHD_Result api_logout(struct request *r)
{
	const char *p[] = {r->who.user_id};
	PGresult *q = NULL;
	if (r->who.via_cookie) {
		q = db_tenant_query(r->gw->db, &r->who,
		                    "DELETE FROM core.user_sessions WHERE user_id = $1",
		                    1, p);
		if (!q)
			return reply_db_error(r);
		PQclear(q);
	}
	request_add_header(r, "Set-Cookie",
	                   "scanopy_session=; Path=/; HttpOnly; Max-Age=0");
	return reply_empty(r, 204);
}

/* POST /api/v1/api-keys {name?, expires_in_days?} → {key} shown once. */
enum MHD_Result api_keys_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = r->body_len ? request_json(r, &res) : json_object();
	if (!in)
		return res;
	const char *name = json_str(in, "name");
	json_t *days = json_object_get(in, "expires_in_days");
	char key[96], hash[AUTH_HASH_HEX], ndays[16] = "";
	if (days && (!json_is_integer(days) || json_integer_value(days) < 1 ||
	             json_integer_value(days) > 3650)) {
		json_decref(in);
		return reply_error(r, 422, "invalid_field", "expires_in_days: 1 to 3650",
		                   "expires_in_days");
	}
	if (days)
		snprintf(ndays, sizeof ndays, "%lld",
		         (long long)json_integer_value(days));
	if (auth_new_secret("scp_u_", key, sizeof key)) {
		json_decref(in);
		return reply_error(r, 500, "internal", "no randomness", NULL);
	}
	auth_hash(key, hash);
	char prefix[16];
	snprintf(prefix, sizeof prefix, "%.10s", key);
	const char *p[] = {r->who.org_id, r->who.user_id, prefix,
	                   hash,          name,           days ? ndays : NULL};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "INSERT INTO core.api_keys (org_id, scope, user_id, prefix, key_hash, name, "
	    "expires_at) VALUES ($1, 'user', $2, $3, decode($4, 'hex'), $5, now() + "
	    "make_interval(days => $6::int)) RETURNING id, to_json(expires_at)::text",
	    6, p);
	if (!q)
		res = reply_db_error(r);
	else
		res = reply_json(
		    r, 201,
		    json_pack("{s:s, s:s, s:s, s:o?}", "id", PQgetvalue(q, 0, 0), "key",
		              key, "prefix", prefix, "expires_at",
		              json_loads(PQgetvalue(q, 0, 1), JSON_DECODE_ANY, NULL)));
	PQclear(q);
	json_decref(in);
	return res;
}
