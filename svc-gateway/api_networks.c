/* Networks and the daemon keys bound to them. */
#include "auth.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_pg.h"

#include <stdio.h>
#include <string.h>

enum MHD_Result api_networks_list(struct request *r)
{
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(json_build_object('id', id, 'name', name, "
	    "'created_at', created_at) ORDER BY name), '[]')::text FROM core.networks",
	    0, NULL, 404, "no networks");
}

enum MHD_Result api_networks_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *name = json_str(in, "name");
	if (!name || !*name || strlen(name) > 200) {
		json_decref(in);
		return reply_error(r, 422, "invalid_field", "name: 1 to 200 characters",
		                   "name");
	}
	const char *p[] = {r->who.org_id, name};
	/* ON CONFLICT DO NOTHING: a duplicate name yields no row. */
	res = reply_query_json(
	    r, 201,
	    "INSERT INTO core.networks (org_id, name) VALUES ($1, $2) ON CONFLICT "
	    "(org_id, "
	    "name) DO NOTHING RETURNING json_build_object('id', id, 'name', name, "
	    "'created_at', created_at)::text",
	    2, p, 409, "a network with this name exists already");
	json_decref(in);
	return res;
}

/* POST /api/v1/networks/{id}/daemon-keys {name?} → {key} shown once. */
enum MHD_Result api_daemon_keys_create(struct request *r)
{
	char key[96], hash[AUTH_HASH_HEX], prefix[16];
	if (auth_new_secret("scp_d_", key, sizeof key))
		return reply_error(r, 500, "internal", "no randomness", NULL);
	auth_hash(key, hash);
	snprintf(prefix, sizeof prefix, "%.10s", key);
	const char *p[] = {r->who.org_id, r->param[0], prefix, hash};
	/* The SELECT through RLS proves the network is this organisation's. */
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "INSERT INTO core.api_keys (org_id, scope, network_id, prefix, key_hash, "
	    "name) "
	    "SELECT $1, 'daemon', n.id, $3, decode($4, 'hex'), 'daemon key' FROM "
	    "core.networks n WHERE n.id = $2 RETURNING id",
	    4, p);
	enum MHD_Result res;
	if (!q)
		res = reply_db_error(r);
	else if (PQntuples(q) == 0)
		res = reply_not_found(r, "no such network");
	else
		res = reply_json(r, 201,
		                 json_pack("{s:s, s:s, s:s, s:s}", "id",
		                           PQgetvalue(q, 0, 0), "key", key, "prefix",
		                           prefix, "network_id", r->param[0]));
	PQclear(q);
	return res;
}
