/* SNMP credentials per network: POST/GET/DELETE
 * /api/v1/networks/{id}/snmp-credentials[/{cid}]. The secrets (community,
 * auth and privacy keys) are sealed with secretbox.c before they reach the
 * database, never returned by GET and never logged; they leave the gateway
 * only in the jobs handed to the network's daemons (snmp_credentials_json). */
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_log.h"
#include "sc_pg.h"
#include "secretbox.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CRED_JSON                                                                        \
	"json_build_object('id', c.id, 'network_id', c.network_id, 'name', c.name, "     \
	"'version', c.version, 'username', c.username, 'auth_protocol', "                \
	"c.auth_protocol, 'priv_protocol', c.priv_protocol, 'scope', c.scope, "          \
	"'created_at', c.created_at)"

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcasecmp(s, *list))
			return true;
	return false;
}

/* An IPv4/IPv6 address or CIDR. */
static bool valid_scope(const char *s)
{
	char buf[64];
	uint8_t a[16];
	if (!s || strlen(s) >= sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "%s", s);
	char *slash = strchr(buf, '/');
	long max = strchr(buf, ':') ? 128 : 32;
	if (slash) {
		char *end;
		*slash = 0;
		long p = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || p < 0 || p > max)
			return false;
	}
	return inet_pton(max == 32 ? AF_INET : AF_INET6, buf, a) == 1;
}

/* Checks the body; fills field/why for a 422. */
static bool validate(json_t *in, const char **field, const char **why)
{
	static const char *const auths[] = {"",        "MD5",     "SHA",     "SHA-224",
	                                    "SHA-256", "SHA-384", "SHA-512", NULL};
	static const char *const privs[] = {"", "DES", "AES", "AES-192", "AES-256", NULL};
	const char *v = json_str(in, "version");
	if (!v || (strcmp(v, "v1") && strcmp(v, "v2c") && strcmp(v, "v3"))) {
		*field = "version";
		*why = "version: v1, v2c or v3";
		return false;
	}
	const char *name = json_str(in, "name");
	if (name && strlen(name) > 200) {
		*field = "name";
		*why = "name: at most 200 characters";
		return false;
	}
	if (strcmp(v, "v3")) {
		const char *c = json_str(in, "community");
		if (!c || !*c || strlen(c) > 255) {
			*field = "community";
			*why = "community: 1 to 255 characters for v1/v2c";
			return false;
		}
	} else {
		const char *u = json_str(in, "username"),
		           *ap = json_str(in, "auth_protocol"),
		           *pp = json_str(in, "priv_protocol"),
		           *ak = json_str(in, "auth_key"), *pk = json_str(in, "priv_key");
		ap = ap ? ap : "";
		pp = pp ? pp : "";
		if (!u || !*u || strlen(u) > 32) {
			*field = "username";
			*why = "username: 1 to 32 characters for v3";
			return false;
		}
		if (!one_of(ap, auths)) {
			*field = "auth_protocol";
			*why = "auth_protocol: empty (noAuthNoPriv), MD5, SHA, SHA-224, "
			       "SHA-256, "
			       "SHA-384 or SHA-512";
			return false;
		}
		if (!one_of(pp, privs) || (*pp && !*ap)) {
			*field = "priv_protocol";
			*why = "priv_protocol: empty, DES, AES, AES-192 or AES-256, and "
			       "only with "
			       "an auth_protocol";
			return false;
		}
		if (*ap && (!ak || strlen(ak) < 8 || strlen(ak) > 255)) {
			*field = "auth_key";
			*why = "auth_key: 8 to 255 characters";
			return false;
		}
		if (*pp && (!pk || strlen(pk) < 8 || strlen(pk) > 255)) {
			*field = "priv_key";
			*why = "priv_key: 8 to 255 characters";
			return false;
		}
	}
	json_t *scope = json_object_get(in, "scope");
	size_t i;
	json_t *s;
	if (scope && (!json_is_array(scope) || json_array_size(scope) > 256)) {
		*field = "scope";
		*why = "scope: a list of at most 256 addresses or CIDRs";
		return false;
	}
	json_array_foreach(scope, i, s)
	{
		if (!valid_scope(json_string_value(s))) {
			*field = "scope";
			*why = "scope: each item an IPv4/IPv6 address or CIDR";
			return false;
		}
	}
	return true;
}

static char *hex(const uint8_t *b, size_t n)
{
	char *o = malloc(n * 2 + 1);
	for (size_t i = 0; o && i < n; i++)
		snprintf(o + i * 2, 3, "%02x", b[i]);
	if (o)
		o[n * 2] = 0;
	return o;
}

static enum MHD_Result no_key(struct request *r)
{
	return reply_error(
	    r, 503, "unavailable",
	    "the gateway has no usable secret key file (see its log), so it "
	    "cannot keep SNMP credentials",
	    NULL);
}

/* POST /api/v1/networks/{id}/snmp-credentials */
enum MHD_Result api_snmp_credentials_create(struct request *r)
{
	if (!r->gw->have_secret_key)
		return no_key(r);
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *field = NULL, *why = NULL;
	if (!validate(in, &field, &why)) {
		json_decref(in);
		return reply_error(r, 422, "invalid_field", why, field);
	}
	const char *v = json_str(in, "version");
	bool v3 = !strcmp(v, "v3");
	json_t *secret = json_pack(
	    "{s:s,s:s,s:s}", "community", v3 ? "" : json_str(in, "community"), "auth_key",
	    v3 && json_str(in, "auth_key") ? json_str(in, "auth_key") : "", "priv_key",
	    v3 && json_str(in, "priv_key") ? json_str(in, "priv_key") : "");
	char *plain = secret ? json_dumps(secret, JSON_COMPACT) : NULL;
	json_decref(secret);
	json_t *scope = json_object_get(in, "scope");
	char *scope_json = scope ? json_dumps(scope, JSON_COMPACT) : strdup("[]");
	size_t plen = plain ? strlen(plain) : 0, slen = 0;
	uint8_t *sealed = plain ? malloc(plen + SECRETBOX_OVERHEAD) : NULL;
	char *sealed_hex = NULL;
	if (sealed && secretbox_seal(r->gw->secret_key, r->param[0],
	                             (const uint8_t *)plain, plen, sealed, &slen) == 0)
		sealed_hex = hex(sealed, slen);
	if (plain) {
		memset(plain, 0, plen);
		free(plain);
	}
	free(sealed);
	if (!sealed_hex || !scope_json) {
		free(sealed_hex);
		free(scope_json);
		json_decref(in);
		return reply_error(r, 500, "internal", "the secret could not be sealed",
		                   NULL);
	}
	const char *name = json_str(in, "name"), *user = json_str(in, "username"),
	           *ap = json_str(in, "auth_protocol"),
	           *pp = json_str(in, "priv_protocol");
	const char *p[] = {r->who.org_id,
	                   r->param[0],
	                   name ? name : "",
	                   v,
	                   v3 && user ? user : "",
	                   v3 && ap ? ap : "",
	                   v3 && pp ? pp : "",
	                   scope_json,
	                   sealed_hex};
	/* The SELECT through RLS proves the network is this organisation's. */
	res = reply_query_json(r, 201,
	                       "WITH c AS (INSERT INTO core.snmp_credentials (org_id, "
	                       "network_id, name, version, "
	                       "username, auth_protocol, priv_protocol, scope, position, "
	                       "secret) SELECT $1, n.id, "
	                       "$3, $4, $5, upper($6), upper($7), ARRAY(SELECT "
	                       "json_array_elements_text($8::json)), "
	                       "coalesce((SELECT max(position) + 1 FROM "
	                       "core.snmp_credentials WHERE network_id = "
	                       "n.id), 0), decode($9, 'hex') FROM core.networks n WHERE "
	                       "n.id = $2 RETURNING *) "
	                       "SELECT " CRED_JSON "::text FROM c",
	                       9, p, 404, "no such network");
	free(sealed_hex);
	free(scope_json);
	json_decref(in);
	return res;
}

/* GET /api/v1/networks/{id}/snmp-credentials: without any secret. */
enum MHD_Result api_snmp_credentials_list(struct request *r)
{
	const char *p[] = {r->param[0]};
	return reply_query_json(
	    r, 200,
	    "SELECT CASE WHEN EXISTS (SELECT 1 FROM core.networks WHERE id = $1) THEN "
	    "coalesce((SELECT json_agg(" CRED_JSON
	    " ORDER BY c.position, c.created_at) FROM "
	    "core.snmp_credentials c WHERE c.network_id = $1), '[]')::text END",
	    1, p, 404, "no such network");
}

/* DELETE /api/v1/networks/{id}/snmp-credentials/{cid} */
enum MHD_Result api_snmp_credentials_delete(struct request *r)
{
	const char *p[] = {r->param[0], r->param[1]};
	PGresult *q =
	    db_tenant_query(r->gw->db, &r->who,
	                    "DELETE FROM core.snmp_credentials WHERE network_id = $1 "
	                    "AND id = $2 RETURNING 1",
	                    2, p);
	enum MHD_Result res;
	if (!q)
		res = reply_db_error(r);
	else if (PQntuples(q) == 0)
		res = reply_not_found(r, "no such SNMP credential in this network");
	else
		res = reply_empty(r, 204);
	PQclear(q);
	return res;
}

json_t *snmp_credentials_json(struct request *r, const char *network_id)
{
	if (!r->gw->have_secret_key)
		return json_array();
	const char *p[] = {network_id};
	PGresult *q = db_tenant_query(r->gw->db, &r->who,
	                              "SELECT version, username, auth_protocol, "
	                              "priv_protocol, array_to_json(scope)::text, "
	                              "encode(secret, 'hex') FROM core.snmp_credentials "
	                              "WHERE network_id = $1 ORDER BY "
	                              "position, created_at",
	                              1, p);
	json_t *arr = json_array();
	for (int i = 0; q && arr && i < PQntuples(q); i++) {
		char plain[2048];
		json_t *sec = NULL;
		if (secretbox_open_hex(r->gw->secret_key, network_id, PQgetvalue(q, i, 5),
		                       plain, sizeof plain) == 0)
			sec = json_loads(plain, 0, NULL);
		OPENSSL_cleanse(plain, sizeof plain);
		if (!sec) {
			sc_warn("an SNMP credential of network %s does not open with "
			        "this gateway's "
			        "secret key; it is left out of the job",
			        network_id);
			continue;
		}
		json_t *c = json_pack(
		    "{s:s,s:s,s:s,s:s,s:O,s:O,s:O}", "version", PQgetvalue(q, i, 0),
		    "username", PQgetvalue(q, i, 1), "auth_protocol", PQgetvalue(q, i, 2),
		    "priv_protocol", PQgetvalue(q, i, 3), "community",
		    json_object_get(sec, "community"), "auth_key",
		    json_object_get(sec, "auth_key"), "priv_key",
		    json_object_get(sec, "priv_key"));
		json_t *scope = json_loads(PQgetvalue(q, i, 4), 0, NULL);
		if (c)
			json_object_set_new(c, "scope", scope ? scope : json_array());
		else
			json_decref(scope);
		json_decref(sec);
		if (c)
			json_array_append_new(arr, c);
	}
	PQclear(q);
	return arr;
}
