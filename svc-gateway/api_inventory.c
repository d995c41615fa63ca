/* The inventory as the topology service keeps it, read through row-level
 * security: hosts with their interfaces, ports and services. */
#include "http.h"
#include "reply.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses ?limit= and ?offset= within bounds; -1 on a bad value. */
static int page(struct request *r, char *limit, char *offset)
{
	const char *l = request_query(r, "limit"), *o = request_query(r, "offset");
	char *end;
	long lv = l ? strtol(l, &end, 10) : 100, ov = o ? strtol(o, &end, 10) : 0;
	if ((l && (lv < 1 || lv > 1000)) || (o && (ov < 0 || ov > 100000000)))
		return -1;
	snprintf(limit, 16, "%ld", lv);
	snprintf(offset, 16, "%ld", ov);
	return 0;
}

/* ?sort= keys and their ORDER BY (fixed text: never built from input). */
static const struct {
	const char *key, *order;
} sorts[] = {
    {"ip", "x.sort_ip NULLS LAST, x.id"},
    {"-ip", "x.sort_ip DESC NULLS LAST, x.id"},
    {"name", "lower(x.hostname) NULLS LAST, x.sort_ip NULLS LAST, x.id"},
    {"-name", "lower(x.hostname) DESC NULLS LAST, x.sort_ip NULLS LAST, x.id"},
    {"last_seen", "x.last_seen, x.id"},
    {"-last_seen", "x.last_seen DESC, x.id"},
    {"first_seen", "x.first_seen, x.id"},
    {"-first_seen", "x.first_seen DESC, x.id"},
};

/* The hosts a list shows: in the network (if given), matching ?q= by name or
 * address, fresh or stale as ?stale= asks. $1 network, $2 q, $3 stale. */
#define HOSTS_WHERE                                                                      \
	"($1::uuid IS NULL OR h.network_id = $1::uuid) AND ($2::text IS NULL OR "        \
	"strpos(lower(coalesce(h.user_name, '') || ' ' || coalesce(h.name, '')), "       \
	"lower($2)) > 0 OR EXISTS (SELECT 1 FROM inv.addresses a WHERE a.host_id = "     \
	"h.id AND strpos(host(a.ip), $2) > 0)) AND ($3::boolean IS NULL OR "             \
	"(h.last_seen "                                                                  \
	"< now() - interval '7 days') = $3::boolean)"

/* hostname: what the user typed, else the best discovered name. interfaces:
 * one per address (with its MAC and subnet); links: this host's cables. */
#define HOST_ROW                                                                         \
	"SELECT (SELECT min(a.ip) FROM inv.addresses a WHERE a.host_id = h.id) AS "      \
	"sort_ip, h.id, h.network_id, coalesce(h.user_name, h.name) AS hostname, "       \
	"h.name "                                                                        \
	"AS discovered_name, h.user_name, h.kind, h.last_seen < now() - interval '7 "    \
	"days' AS stale, (SELECT coalesce(json_agg(json_build_object('ip', host(a.ip), " \
	"'mac', a.mac::text, 'subnet', s.cidr::text, 'name', (SELECT f.name FROM "       \
	"inv.interfaces f WHERE f.host_id = h.id AND f.mac = a.mac LIMIT 1)) ORDER BY "  \
	"a.ip), '[]') FROM inv.addresses a LEFT JOIN inv.subnets s ON s.id = "           \
	"a.subnet_id WHERE a.host_id = h.id) AS interfaces, coalesce((SELECT "           \
	"json_agg(json_build_object('protocol', p.protocol, 'port', p.port, 'status', "  \
	"p.status) ORDER BY p.protocol, p.port) FROM inv.ports p WHERE p.host_id = "     \
	"h.id), '[]') AS ports, coalesce((SELECT json_agg(json_build_object('name', "    \
	"s.name, 'definition_id', s.definition_id, 'category', s.category, 'protocol', " \
	"s.protocol, 'port', s.port, 'product', s.product, 'version', s.version, "       \
	"'confidence', s.confidence, 'evidence', s.evidence) ORDER BY s.protocol, "      \
	"s.port) FROM inv.services s WHERE s.host_id = h.id), '[]') AS services, "       \
	"coalesce((SELECT json_agg(json_build_object('port', CASE WHEN l.a_host = h.id " \
	"THEN l.a_port ELSE l.b_port END, 'peer_host_id', CASE WHEN l.a_host = h.id "    \
	"THEN l.b_host ELSE l.a_host END, 'peer', (SELECT coalesce(o.user_name, "        \
	"o.name) FROM inv.hosts o WHERE o.id = CASE WHEN l.a_host = h.id THEN l.b_host " \
	"ELSE l.a_host END), 'peer_port', CASE WHEN l.a_host = h.id THEN l.b_port ELSE " \
	"l.a_port END, 'source', l.source) ORDER BY l.a_port, l.b_port) FROM inv.links " \
	"l WHERE l.a_host = h.id OR l.b_host = h.id), '[]') AS links, h.first_seen, "    \
	"h.last_seen FROM inv.hosts h WHERE " HOSTS_WHERE

/* GET /api/v1/hosts[?network_id=&q=&stale=&sort=&limit=&offset=]: one page,
 * filtered and sorted on the server; X-Total-Count says how many match. */
enum MHD_Result api_hosts_list(struct request *r)
{
	const char *net = request_query(r, "network_id"), *q = request_query(r, "q"),
	           *stale = request_query(r, "stale"), *sort = request_query(r, "sort");
	char limit[16], offset[16];
	if (net && !is_uuid(net))
		return reply_error(r, 422, "invalid_field", "network_id: not a UUID",
		                   "network_id");
	if (page(r, limit, offset))
		return reply_error(r, 422, "invalid_field", "limit 1..1000, offset >= 0",
		                   "limit");
	if (stale && strcmp(stale, "true") && strcmp(stale, "false"))
		return reply_error(r, 422, "invalid_field", "stale: true or false",
		                   "stale");
	if (q && (!*q || strlen(q) > 200))
		q = NULL;
	const char *order = sorts[0].order;
	if (sort) {
		size_t i = 0;
		while (i < sizeof sorts / sizeof sorts[0] && strcmp(sort, sorts[i].key))
			i++;
		if (i == sizeof sorts / sizeof sorts[0])
			return reply_error(
			    r, 422, "invalid_field",
			    "sort: ip, name, last_seen or first_seen, - first "
			    "for descending",
			    "sort");
		order = sorts[i].order;
	}
	const char *p[] = {net, q, stale, limit, offset};
	PGresult *count =
	    db_tenant_query(r->gw->db, &r->who,
	                    "SELECT count(*) FROM inv.hosts h WHERE " HOSTS_WHERE, 3, p);
	if (!count)
		return reply_db_error(r);
	request_add_header(r, "X-Total-Count", PQgetvalue(count, 0, 0));
	PQclear(count);
	char sql[8192];
	snprintf(
	    sql, sizeof sql,
	    "SELECT coalesce(json_agg(x ORDER BY %s), '[]')::text FROM (SELECT * FROM "
	    "(" HOST_ROW ") x ORDER BY %s LIMIT $4::int OFFSET $5::int) x",
	    order, order);
	return reply_query_json(r, 200, sql, 5, p, 404, "no hosts");
}
