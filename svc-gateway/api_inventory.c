/* The inventory as the topology service keeps it, read through row-level
 * security: hosts with their interfaces, ports and services. */
#include "reply.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>

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

enum MHD_Result api_hosts_list(struct request *r)
{
	const char *net = request_query(r, "network_id");
	char limit[16], offset[16];
	if (net && !is_uuid(net))
		return reply_error(r, 422, "invalid_field", "network_id: not a UUID",
		                   "network_id");
	if (page(r, limit, offset))
		return reply_error(r, 422, "invalid_field", "limit 1..1000, offset >= 0",
		                   "limit");
	const char *p[] = {net, limit, offset};
	/* hostname: what the user typed, else the best discovered name.
	 * interfaces: one per address (with its MAC and subnet), then named
	 * interfaces without an address; links: this host's cables. */
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(x ORDER BY x.sort_ip NULLS LAST, x.id), "
	    "'[]')::text "
	    "FROM (SELECT (SELECT min(a.ip) FROM inv.addresses a WHERE a.host_id = h.id) "
	    "AS sort_ip, h.id, h.network_id, coalesce(h.user_name, h.name) AS hostname, "
	    "h.name AS discovered_name, h.user_name, h.kind, h.last_seen < now() - "
	    "interval '7 days' AS stale, (SELECT coalesce(json_agg(json_build_object("
	    "'ip', host(a.ip), 'mac', a.mac::text, 'subnet', s.cidr::text, 'name', "
	    "(SELECT f.name FROM "
	    "inv.interfaces f WHERE f.host_id = h.id AND f.mac = a.mac LIMIT 1)) ORDER "
	    "BY "
	    "a.ip), '[]') FROM inv.addresses a LEFT JOIN inv.subnets s ON s.id = "
	    "a.subnet_id WHERE a.host_id = h.id) AS interfaces, coalesce((SELECT "
	    "json_agg(json_build_object('protocol', p.protocol, 'port', p.port, "
	    "'status', "
	    "p.status) ORDER BY p.protocol, p.port) FROM inv.ports p WHERE p.host_id = "
	    "h.id), '[]') AS ports, coalesce((SELECT json_agg(json_build_object('name', "
	    "s.name, 'definition_id', s.definition_id, 'category', s.category, "
	    "'protocol', s.protocol, 'port', s.port, 'product', s.product, 'version', "
	    "s.version, 'confidence', s.confidence, 'evidence', s.evidence) ORDER BY "
	    "s.protocol, s.port) FROM inv.services s WHERE s.host_id = h.id), '[]') AS "
	    "services, coalesce((SELECT json_agg(json_build_object('port', CASE WHEN "
	    "l.a_host = h.id THEN l.a_port ELSE l.b_port END, 'peer_host_id', CASE WHEN "
	    "l.a_host = h.id THEN l.b_host ELSE l.a_host END, 'peer', (SELECT "
	    "coalesce(o.user_name, o.name) FROM inv.hosts o WHERE o.id = CASE WHEN "
	    "l.a_host = h.id THEN l.b_host ELSE l.a_host END), 'peer_port', CASE WHEN "
	    "l.a_host = h.id THEN l.b_port ELSE l.a_port END, 'source', l.source) ORDER "
	    "BY l.a_port, l.b_port) FROM inv.links l WHERE l.a_host = h.id OR l.b_host = "
	    "h.id), '[]') AS links, h.first_seen, h.last_seen FROM inv.hosts h WHERE "
	    "$1::uuid IS NULL OR h.network_id = $1::uuid ORDER BY (SELECT min(a.ip) FROM "
	    "inv.addresses a WHERE a.host_id = h.id) NULLS LAST, h.id LIMIT $2::int "
	    "OFFSET $3::int) x",
	    3, p, 404, "no hosts");
}
