#include "auth.h"

#include "sc_log.h"
#include "sc_pg.h"

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

/* argon2id parameters: 3 passes over 64 MiB, one lane (OWASP's minimum is
 * 2 passes over 19 MiB); about 0.1 s per login on these machines. */
#define ARGON_T 3
#define ARGON_M (64 * 1024)
#define ARGON_P 1
#define SESSION_COOKIE "scanopy_session="

static const char *const role_names[] = {NULL, "viewer", "member", "admin", "owner"};

enum role auth_role(const char *name)
{
	for (int i = ROLE_VIEWER; i <= ROLE_OWNER; i++)
		if (name && !strcmp(name, role_names[i]))
			return (enum role)i;
	return 0;
}

const char *auth_role_name(enum role role)
{
	return role >= ROLE_VIEWER && role <= ROLE_OWNER ? role_names[role] : "none";
}

void auth_hash(const char *secret, char out[AUTH_HASH_HEX])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(secret, strlen(secret), md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int auth_new_secret(const char *prefix, char *out, size_t len)
{
	static const char b64url[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33];
	size_t plen = strlen(prefix);
	if (len < plen + 45 || RAND_bytes(raw, sizeof raw) != 1)
		return -1;
	memcpy(out, prefix, plen);
	size_t k = plen;
	for (size_t i = 0; i < sizeof raw; i += 3) {
		unsigned v =
		    (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		for (int s = 18; s >= 0; s -= 6)
			out[k++] = b64url[(v >> s) & 63];
	}
	out[k] = '\0';
	return 0;
}

int auth_password_hash(const char *password, char *out, size_t len)
{
	unsigned char salt[16];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return -1;
	int rc = argon2id_hash_encoded(ARGON_T, ARGON_M, ARGON_P, password,
	                               strlen(password), salt, sizeof salt, 32, out, len);
	return rc == ARGON2_OK ? 0 : -1;
}

bool auth_password_ok(const char *encoded, const char *password)
{
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

static const char *bearer_token(struct request *r)
{
	const char *h = request_header(r, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

static int cookie_token(struct request *r, char *out, size_t len)
{
	const char *c =
	    MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "scanopy_session");
	if (!c || !*c || strlen(c) >= len)
		return -1;
	snprintf(out, len, "%s", c);
	return 0;
}

/* Fills the role and network restriction from a membership row's role and
 * all_networks columns. */
static void take_membership(struct principal *w, const char *role, const char *all)
{
	w->role = auth_role(role);
	w->restricted = w->role < ROLE_ADMIN && strcmp(all, "t");
}

/* Key lookups run before the tenant is known, so outside any tenant role:
 * the hash is the only input and it selects at most one row. A user key acts
 * in its own organisation, or in the one X-Scanopy-Organization names if its
 * user is a member there; a daemon key only ever in its network's. A key's
 * last use is recorded, at most once a minute so requests rarely write. */
static int resolve_key(PGconn *c, struct request *r, const char *token)
{
	char hash[AUTH_HASH_HEX];
	auth_hash(token, hash);
	const char *org = request_header(r, "X-Scanopy-Organization");
	if (org && !is_uuid(org)) {
		r->who.not_member = true;
		return 0;
	}
	const char *p[] = {hash, org};
	PGresult *res = sc_pg_query(
	    c,
	    "WITH k AS (SELECT * FROM core.api_keys k WHERE k.key_hash = decode($1, "
	    "'hex') AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR "
	    "k.expires_at > now())), used AS (UPDATE core.api_keys u SET "
	    "last_used_at = now() FROM k WHERE u.id = k.id AND (u.last_used_at IS "
	    "NULL OR u.last_used_at < now() - interval '1 minute')) SELECT CASE WHEN "
	    "k.scope = 'user' THEN coalesce($2::uuid, k.org_id) ELSE k.org_id END, "
	    "k.scope, k.user_id, k.network_id, m.role, m.all_networks FROM k LEFT "
	    "JOIN core.memberships m ON m.user_id = k.user_id AND m.org_id = "
	    "coalesce($2::uuid, k.org_id)",
	    2, p);
	if (!res)
		return -1;
	if (PQntuples(res) == 1) {
		struct principal *w = &r->who;
		snprintf(w->org_id, sizeof w->org_id, "%s", PQgetvalue(res, 0, 0));
		if (!strcmp(PQgetvalue(res, 0, 1), "daemon")) {
			w->kind = WHO_DAEMON_KEY;
			snprintf(w->network_id, sizeof w->network_id, "%s",
			         PQgetvalue(res, 0, 3));
		} else if (PQgetisnull(res, 0, 4)) {
			w->not_member = org != NULL; /* else: left its organisation */
		} else {
			w->kind = WHO_USER;
			snprintf(w->user_id, sizeof w->user_id, "%s",
			         PQgetvalue(res, 0, 2));
			take_membership(w, PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5));
		}
	}
	PQclear(res);
	return 0;
}

/* A session acts in its current organisation (POST /auth/switch changes it)
 * for as long as its user is a member there. */
static int resolve_session(PGconn *c, struct request *r, const char *token)
{
	char hash[AUTH_HASH_HEX];
	auth_hash(token, hash);
	const char *p[] = {hash};
	PGresult *res = sc_pg_query(
	    c,
	    "SELECT s.org_id, s.user_id, m.role, s.csrf_token, s.id, m.all_networks "
	    "FROM core.user_sessions s JOIN core.memberships m ON m.user_id = "
	    "s.user_id AND m.org_id = s.org_id WHERE s.token_hash = decode($1, "
	    "'hex') AND s.expires_at > now()",
	    1, p);
	if (!res)
		return -1;
	if (PQntuples(res) == 1) {
		struct principal *w = &r->who;
		w->kind = WHO_USER;
		w->via_cookie = true;
		snprintf(w->org_id, sizeof w->org_id, "%s", PQgetvalue(res, 0, 0));
		snprintf(w->user_id, sizeof w->user_id, "%s", PQgetvalue(res, 0, 1));
		take_membership(w, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 5));
		snprintf(w->csrf, sizeof w->csrf, "%s", PQgetvalue(res, 0, 3));
		snprintf(w->session_id, sizeof w->session_id, "%s",
		         PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return 0;
}

int auth_resolve(PGconn *c, struct request *r)
{
	memset(&r->who, 0, sizeof r->who);
	const char *key = bearer_token(r);
	if (key)
		return strlen(key) < 200 ? resolve_key(c, r, key) : 0;
	char token[128];
	if (cookie_token(r, token, sizeof token) == 0)
		return resolve_session(c, r, token);
	return 0;
}
