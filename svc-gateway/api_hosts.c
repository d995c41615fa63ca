/* One host in full (GET /hosts/{id}), users' own fields (PATCH), merging two
 * hosts a scan could not join (POST /hosts/{id}/merge), splitting one a scan
 * wrongly joined (POST /hosts/{id}/split), and a network's change
 * log (GET /networks/{id}/changes). Users' fields are columns scans never
 * write; a merge moves the other host's identity keys, so later scans resolve
 * to the merged host. */
#include "app_input.h"
#include "db.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_pg.h"
#include "tags.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_DETAIL                                                                      \
	"SELECT json_build_object('id', h.id, 'network_id', h.network_id, 'name', "      \
	"coalesce(h.user_name, h.name), 'discovered_name', h.name, 'user_name', "        \
	"h.user_name, 'description', h.description, 'tags', h.tags, 'kind', h.kind, "    \
	"'first_seen', h.first_seen, 'last_seen', h.last_seen, 'stale', h.last_seen < "  \
	"now() - interval '7 days', 'gone_at', h.gone_at, 'gone_reason', CASE WHEN "     \
	"h.gone_at IS NOT NULL THEN coalesce(h.gone_reason, 'stale') END, 'sys_descr', " \
	"h.sys_descr, 'os', h.os, "                                                      \
	"'provenance', "                                                                 \
	"h.provenance, 'identity', coalesce((SELECT json_agg(json_build_object('kind', " \
	"i.kind, 'value', i.value, 'reason', i.reason, 'daemon_id', i.daemon_id, "       \
	"'last_seen', i.last_seen) ORDER BY i.kind, i.value) FROM inv.host_identities "  \
	"i "                                                                             \
	"WHERE i.host_id = h.id), '[]'), 'interfaces', coalesce((SELECT "                \
	"json_agg(json_build_object('name', f.name, 'mac', f.mac::text, 'addresses', "   \
	"coalesce((SELECT json_agg(host(a.ip) ORDER BY a.ip) FROM inv.addresses a "      \
	"WHERE "                                                                         \
	"a.host_id = h.id AND a.mac = f.mac), '[]'), 'vlan_ids', coalesce((SELECT "      \
	"json_agg(DISTINCT a.vlan_id) FROM inv.addresses a WHERE a.host_id = h.id AND "  \
	"a.mac = f.mac AND a.vlan_id IS NOT NULL), '[]'), 'pvid', f.pvid, "              \
	"'tagged_vlans', f.tagged_vlans, 'vlans_source', f.vlans_source, "               \
	"'vlans_daemon_id', f.vlans_daemon_id, 'vlans_seen', f.vlans_seen) ORDER BY "    \
	"f.name, f.mac) FROM "                                                           \
	"inv.interfaces f WHERE f.host_id = h.id), '[]')::jsonb || coalesce((SELECT "    \
	"jsonb_agg(jsonb_build_object('name', NULL, 'mac', a.mac::text, 'addresses', "   \
	"jsonb_build_array(host(a.ip)), 'vlan_ids', CASE WHEN a.vlan_id IS NULL THEN "   \
	"'[]'::jsonb ELSE jsonb_build_array(a.vlan_id) END, 'pvid', NULL, "              \
	"'tagged_vlans', NULL, 'vlans_source', NULL, 'vlans_daemon_id', NULL, "          \
	"'vlans_seen', NULL) ORDER BY a.ip) FROM "                                       \
	"inv.addresses a WHERE "                                                         \
	"a.host_id = h.id AND NOT EXISTS (SELECT 1 FROM inv.interfaces f WHERE "         \
	"f.host_id "                                                                     \
	"= h.id AND f.mac = a.mac)), '[]'), 'addresses', coalesce((SELECT "              \
	"json_agg(json_build_object('ip', host(a.ip), 'mac', a.mac::text, 'vlan_id', "   \
	"a.vlan_id, 'inner_vlan_id', a.inner_vlan_id, 'swept_at', a.swept_at, "          \
	"'first_seen', a.first_seen, 'last_seen', a.last_seen) ORDER BY a.ip) FROM "     \
	"inv.addresses a WHERE a.host_id = h.id), '[]'), 'ports', coalesce((SELECT "     \
	"json_agg(json_build_object('protocol', p.protocol, 'port', p.port, 'status', "  \
	"p.status, 'ip', host(p.ip), 'first_seen', p.first_seen, 'last_seen', "          \
	"p.last_seen) ORDER BY p.protocol, p.port) FROM inv.ports p WHERE p.host_id = "  \
	"h.id), '[]'), 'services', coalesce((SELECT json_agg(json_build_object('port', " \
	"s.port, 'protocol', s.protocol, 'name', s.name, 'definition_id', "              \
	"s.definition_id, 'category', s.category, 'product', s.product, 'version', "     \
	"s.version, 'confidence', s.confidence, 'evidence', s.evidence) ORDER BY "       \
	"s.protocol, s.port, s.definition_id) FROM inv.services s WHERE s.host_id = "    \
	"h.id), '[]'), 'containers', coalesce((SELECT json_agg(json_build_object('id', " \
	"w.id, 'container_id', w.external_id, 'name', w.name, 'image', w.image, "        \
	"'state', "                                                                      \
	"w.state, 'project', w.project, 'ports', w.ports, 'networks', w.networks, "      \
	"'services', w.services) ORDER BY w.name) FROM inv.workloads w WHERE "           \
	"w.parent_host = h.id AND w.kind = 'container'), '[]'), 'virtual', "             \
	"inv.host_virtual(h.id), 'vms', inv.host_vms(h.id), 'hypervisor', "              \
	"inv.host_hypervisor(h.id), 'changes', coalesce((SELECT "                        \
	"json_agg(json_build_object('at', c.at, 'kind', c.kind, 'detail', c.detail) "    \
	"ORDER BY c.at DESC, c.id DESC) FROM (SELECT * FROM inv.changes c WHERE "        \
	"c.host_id = h.id ORDER BY c.at DESC, c.id DESC LIMIT 100) c), '[]'))::text "    \
	"FROM "                                                                          \
	"inv.hosts h WHERE h.id = $1"

/* Runs `sql` (params p) and then answers the host's detail, in one tenant
 * transaction: a data-modifying CTE's effect is not visible to its own outer
 * query, so the detail is a statement of its own. 404 when sql touched no
 * row. */
static enum MHD_Result then_detail(struct request *r, const char *sql, int n,
                                   const char *const *p)
{
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	PGresult *u = NULL, *d = NULL;
	const char *id[] = {r->param[0]};
	int rc = db_begin_tenant(c, &r->who);
	if (rc == 0 && !(u = sc_pg_query(c, sql, n, p)))
		rc = -1;
	bool found = u && strcmp(PQcmdTuples(u), "0") && strcmp(PQcmdTuples(u), "");
	if (rc == 0 && found && !(d = sc_pg_query(c, HOST_DETAIL, 1, id)))
		rc = -1;
	rc = db_end(c, rc);
	db_release(r->gw->db, c);
	enum MHD_Result res;
	if (rc)
		res = reply_db_error(r);
	else if (!found || !d || PQntuples(d) == 0)
		res = reply_not_found(r, "no such host");
	else
		res = reply_bytes(r, 200, "application/json", PQgetvalue(d, 0, 0),
		                  (size_t)PQgetlength(d, 0, 0));
	PQclear(u);
	PQclear(d);
	return res;
}

enum MHD_Result api_host_get(struct request *r)
{
	const char *p[] = {r->param[0]};
	return reply_query_json(r, 200, HOST_DETAIL, 1, p, 404, "no such host");
}

/* PATCH /api/v1/hosts/{id} {name?, description?, tags?}: null clears. */
enum MHD_Result api_host_patch(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	json_t *name = json_object_get(in, "name"),
	       *desc = json_object_get(in, "description"),
	       *tags = json_object_get(in, "tags");
	char tlit[TAGS_LITERAL_MAX];
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v) if (strcmp(key, "name") &&
	                                    strcmp(key, "description") &&
	                                    strcmp(key, "tags"))
	{
		json_decref(in);
		return reply_error(r, 422, "invalid_field",
		                   "only name, description and tags", key);
	}
	if (name && !json_is_null(name) &&
	    (!json_is_string(name) || strlen(json_string_value(name)) > 255))
		res = reply_error(r, 422, "invalid_field", "name: a string up to 255",
		                  "name");
	else if (desc && !json_is_null(desc) &&
	         (!json_is_string(desc) || strlen(json_string_value(desc)) > 4000))
		res = reply_error(r, 422, "invalid_field", "description: up to 4000",
		                  "description");
	else if (tags && tags_json_literal(tags, tlit, sizeof tlit))
		res = reply_error(r, 422, "invalid_field",
		                  "tags: up to 32 strings of 1-64", "tags");
	else {
		char *detail = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS);
		const char *p[] = {
		    r->param[0],      name ? "t" : "f",        json_string_value(name),
		    desc ? "t" : "f", json_string_value(desc), tags ? tlit : NULL,
		    detail,           r->who.user_id};
		/* Blank names mean none; a change row records who edited what. */
		res = then_detail(
		    r,
		    "WITH up AS (UPDATE inv.hosts SET user_name = CASE WHEN $2 THEN "
		    "nullif(btrim($3), '') ELSE user_name END, description = CASE WHEN "
		    "$4 "
		    "THEN $5 ELSE description END, tags = coalesce($6::text[], tags) "
		    "WHERE "
		    "id = $1 RETURNING id, org_id, network_id) INSERT INTO inv.changes "
		    "(org_id, network_id, at, kind, host_id, detail) SELECT org_id, "
		    "network_id, now(), 'user_edited', id, $7::jsonb || "
		    "jsonb_build_object('user', $8::text) FROM up",
		    8, p);
		free(detail);
	}
	json_decref(in);
	return res;
}

/* The network's lock, the one the topology service takes while applying a
 * batch, so no batch interleaves with a user's merge or split. */
static int network_lock(PGconn *c, const char *network)
{
	return sc_pg_exec(c, "SELECT inv.lock_network($1)", 1, &network);
}

/* Cables and subnets placed again after hosts were joined or split. */
static int rebuild_network(PGconn *c, const char *network)
{
	return sc_pg_exec(c, "SELECT inv.rebuild_links($1), inv.rebuild_l3($1)", 1,
	                  &network);
}

/* POST /api/v1/hosts/{id}/merge {"other": uuid}: other becomes id. */
enum MHD_Result api_host_merge(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *other = json_str(in, "other");
	if (!other || !is_uuid(other) || !strcmp(other, r->param[0])) {
		json_decref(in);
		return reply_error(r, 422, "invalid_field", "other: another host's id",
		                   "other");
	}
	char by[64], reason[96];
	snprintf(by, sizeof by, "user:%s", r->who.user_id);
	snprintf(reason, sizeof reason, "merged by a user");
	const char *p[] = {r->param[0], other, reason, by};
	PGconn *c = db_acquire(r->gw->db);
	if (!c) {
		json_decref(in);
		return reply_db_error(r);
	}
	int rc = db_begin_tenant(c, &r->who);
	PGresult *q = NULL, *d = NULL;
	int found = 0;
	if (rc == 0) {
		/* Both in one network (of this org). */
		q = sc_pg_query(
		    c,
		    "SELECT a.network_id FROM inv.hosts a JOIN inv.hosts b ON "
		    "b.network_id = a.network_id WHERE a.id = $1 AND b.id = $2",
		    2, p);
		rc = q ? 0 : -1;
		found = q && PQntuples(q) == 1;
	}
	if (rc == 0 && found) {
		const char *net = PQgetvalue(q, 0, 0);
		rc = network_lock(c, net) ||
		             sc_pg_exec(c, "SELECT inv.merge_hosts($1, $2, $3, $4)", 4,
		                        p) ||
		             sc_pg_exec(
		                 c,
		                 "INSERT INTO inv.changes (org_id, network_id, at, "
		                 "kind, host_id, detail) SELECT org_id, network_id, "
		                 "now(), 'hosts_merged', id, jsonb_build_object("
		                 "'merged', $2::text, 'user', $3::text) FROM "
		                 "inv.hosts WHERE id = $1",
		                 3, (const char *[]){p[0], p[1], p[3]}) ||
		             rebuild_network(c, net)
		         ? -1
		         : 0;
		if (rc == 0)
			rc = (d = sc_pg_query(c, HOST_DETAIL, 1, p)) ? 0 : -1;
	}
	rc = db_end(c, rc);
	db_release(r->gw->db, c);
	if (rc)
		res = reply_db_error(r);
	else if (!found)
		res = reply_not_found(r, "no such hosts in one network");
	else
		res = reply_bytes(r, 200, "application/json", PQgetvalue(d, 0, 0),
		                  (size_t)PQgetlength(d, 0, 0));
	PQclear(q);
	PQclear(d);
	json_decref(in);
	return res;
}

/* keys: 1 to 32 {"kind", "value"} objects; NULL when well formed, else why.
 * Whether they are the host's is the database's to say. */
static const char *split_keys_problem(const json_t *keys)
{
	if (!json_is_array(keys) || json_array_size(keys) == 0 ||
	    json_array_size(keys) > 32)
		return "keys: 1 to 32 identity keys of the host, as {kind, value}";
	size_t i;
	const json_t *k;
	json_array_foreach(keys, i, k)
	{
		const char *kind = json_string_value(json_object_get(k, "kind")),
		           *value = json_string_value(json_object_get(k, "value"));
		if (!kind || !*kind || strlen(kind) > 32 || !value || !*value ||
		    strlen(value) > 512 || json_object_size(k) != 2)
			return "keys: each {kind, value}, as the host's identity lists "
			       "them";
	}
	return NULL;
}

/* POST /api/v1/hosts/{id}/split {"keys": [{kind, value}...], "name"?}: the
 * keys, with the addresses, interfaces, ports and services that hang on them,
 * become a new host, which later scans keep apart from this one. Answers the
 * new host. */
enum MHD_Result api_host_split(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	json_t *keys = json_object_get(in, "keys"), *jname = json_object_get(in, "name");
	const char *problem = split_keys_problem(keys), *name = json_string_value(jname);
	if (problem || (jname && (!name || !*name || strlen(name) > 200))) {
		res = reply_error(r, 422, "invalid_field",
		                  problem ? problem : "name: 1 to 200 characters",
		                  problem ? "keys" : "name");
		json_decref(in);
		return res;
	}
	char *keys_json = json_dumps(keys, JSON_COMPACT);
	char by[64];
	snprintf(by, sizeof by, "user:%s", r->who.user_id);
	PGconn *c = keys_json ? db_acquire(r->gw->db) : NULL;
	if (!c) {
		free(keys_json);
		json_decref(in);
		return reply_db_error(r);
	}
	int rc = db_begin_tenant(c, &r->who);
	PGresult *n = NULL, *d = NULL;
	/* Checks, the network's lock and the split, in one statement. */
	if (rc == 0)
		rc = (n = sc_pg_query(
		          c,
		          "SELECT new_id, network_id, coalesce(problem, '') FROM "
		          "inv.split_host($1, $2::json, $3)",
		          3, (const char *[]){r->param[0], keys_json, by}))
		         ? 0
		         : -1;
	const char *problem_db = rc == 0 ? PQgetvalue(n, 0, 2) : "";
	if (rc == 0 && !*problem_db) {
		const char *nid = PQgetvalue(n, 0, 0), *net = PQgetvalue(n, 0, 1);
		const char *p[] = {r->param[0], nid, keys_json, by};
		if (name)
			rc = sc_pg_exec(
			    c, "UPDATE inv.hosts SET user_name = $2 WHERE id = $1", 2,
			    (const char *[]){nid, name});
		if (rc == 0)
			rc = sc_pg_exec(
			    c,
			    "INSERT INTO inv.changes (org_id, network_id, at, kind, "
			    "host_id, "
			    "detail) SELECT org_id, network_id, now(), 'host_split', id, "
			    "jsonb_build_object('from', $1::text, 'into', $2::text, "
			    "'keys', "
			    "$3::jsonb, 'user', $4::text) FROM inv.hosts WHERE id IN "
			    "($1::uuid, $2::uuid)",
			    4, p);
		if (rc == 0)
			rc = rebuild_network(c, net);
		if (rc == 0)
			rc = (d = sc_pg_query(c, HOST_DETAIL, 1, &nid)) ? 0 : -1;
	}
	rc = db_end(c, rc);
	db_release(r->gw->db, c);
	if (rc)
		res = reply_db_error(r);
	else if (!strcmp(problem_db, "not_found"))
		res = reply_not_found(r, "no such host");
	else if (!strcmp(problem_db, "not_its_keys"))
		res = reply_error(r, 422, "invalid_field",
		                  "keys: each must be one of this host's identity keys",
		                  "keys");
	else if (*problem_db)
		res = reply_error(r, 422, "invalid_field",
		                  "keys: a split must leave the host at least one key",
		                  "keys");
	else
		res = reply_bytes(r, 201, "application/json", PQgetvalue(d, 0, 0),
		                  (size_t)PQgetlength(d, 0, 0));
	PQclear(n);
	PQclear(d);
	free(keys_json);
	json_decref(in);
	return res;
}

/* GET /api/v1/networks/{id}/changes?since=ISO8601&limit=N (newest first). */
enum MHD_Result api_changes_list(struct request *r)
{
	const char *since = request_query(r, "since"), *l = request_query(r, "limit");
	char limit[16] = "100", *end;
	if (l) {
		long v = strtol(l, &end, 10);
		if (*end || v < 1 || v > 1000)
			return reply_error(r, 422, "invalid_field", "limit 1..1000",
			                   "limit");
		snprintf(limit, sizeof limit, "%ld", v);
	}
	if (since &&
	    (strlen(since) > 40 || strspn(since, "0123456789-:.TZ+ ") != strlen(since) ||
	     strlen(since) < 10))
		return reply_error(r, 422, "invalid_field", "since: an ISO 8601 time",
		                   "since");
	const char *p[] = {r->param[0], since, limit};
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(json_build_object('id', c.id, 'at', c.at, 'kind', "
	    "c.kind, 'host_id', c.host_id, 'host', (SELECT coalesce(h.user_name, h.name) "
	    "FROM inv.hosts h WHERE h.id = c.host_id), 'detail', c.detail, 'daemon_id', "
	    "c.daemon_id) ORDER BY c.at DESC, c.id DESC), '[]')::text FROM (SELECT * "
	    "FROM "
	    "inv.changes WHERE network_id = $1 AND ($2::timestamptz IS NULL OR at > "
	    "$2::timestamptz) ORDER BY at DESC, id DESC LIMIT $3::int) c",
	    3, p, 404, "no changes");
}
