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
	return reply_query_json(
	    r, 200,
	    "SELECT coalesce(json_agg(x ORDER BY x.sort_ip), '[]')::text FROM (SELECT "
	    "h.ip "
	    "AS sort_ip, h.id, h.network_id, h.hostname, json_build_array("
	    "json_build_object('ip', host(h.ip), 'mac', h.mac::text, 'subnet', NULL)) AS "
	    "interfaces, coalesce((SELECT json_agg(json_build_object('protocol', "
	    "p.protocol, 'port', p.port, 'status', p.status) ORDER BY p.protocol, "
	    "p.port) "
	    "FROM inv.ports p WHERE p.host_id = h.id), '[]') AS ports, coalesce((SELECT "
	    "json_agg(json_build_object('name', s.name, 'definition_id', "
	    "s.definition_id, "
	    "'category', s.category, 'protocol', s.protocol, 'port', s.port, 'product', "
	    "s.product, 'version', s.version, 'confidence', s.confidence, 'evidence', "
	    "s.evidence) ORDER BY s.protocol, s.port) FROM inv.services s WHERE "
	    "s.host_id "
	    "= h.id), '[]') AS services, h.first_seen, h.last_seen FROM inv.hosts h "
	    "WHERE "
	    "$1::uuid IS NULL OR h.network_id = $1::uuid ORDER BY h.ip LIMIT $2::int "
	    "OFFSET "
	    "$3::int) x",
	    3, p, 404, "no hosts");
}
