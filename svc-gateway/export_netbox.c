/* GET /api/v1/networks/{id}/exports/netbox.json: the network as NetBox
 * objects, in the shapes NetBox's REST API takes when a list is POSTed for
 * bulk creation (dcim/sites, dcim/manufacturers, dcim/device-types,
 * dcim/device-roles, dcim/devices, dcim/interfaces, ipam/ip-addresses,
 * dcim/cables), in that order. Related objects are named the way NetBox
 * resolves nested references, by attributes ({"slug": ...}, a device by
 * {"name": ...}). NetBox takes an IP's interface and a cable's ends by numeric
 * id only; those carry the interface's natural key ({"device": {"name"},
 * "name"}) in `assigned_object` / `object`, for the importer to swap for the
 * id NetBox answered when it created that interface. */
#include "db.h"
#include "http.h"
#include "reply.h"
#include "routes.h"

/* Devices: one per host, named uniquely; interfaces: the host's own, one per
 * address that has none, and each port a cable ends on. */
#define NB_PARTS                                                                         \
	"WITH net AS (SELECT n.name, trim(both '-' FROM "                                \
	"regexp_replace(lower(n.name), '[^a-z0-9_]+', '-', 'g')) AS slug FROM "          \
	"core.networks n WHERE n.id = $1), dev AS (SELECT h.id, h.kind, "                \
	"h.description, coalesce(h.user_name, h.name, (SELECT host(min(a.ip)) FROM "     \
	"inv.addresses a WHERE a.host_id = h.id), h.id::text) AS base FROM inv.hosts h " \
	"WHERE h.network_id = $1), devn AS (SELECT d.*, CASE WHEN count(*) OVER "        \
	"(PARTITION BY lower(d.base)) > 1 THEN d.base || ' (' || left(d.id::text, 8) "   \
	"|| ')' ELSE d.base END AS name FROM dev d), ifs AS (SELECT f.host_id, "         \
	"coalesce(f.name, f.mac::text) AS name, f.mac::text AS mac FROM inv.interfaces " \
	"f JOIN devn d ON d.id = f.host_id UNION SELECT a.host_id, 'addr-' || "          \
	"host(a.ip), a.mac::text FROM inv.addresses a JOIN devn d ON d.id = a.host_id "  \
	"WHERE NOT EXISTS (SELECT 1 FROM inv.interfaces f WHERE f.host_id = a.host_id "  \
	"AND f.mac = a.mac) UNION SELECT l.a_host, l.a_port, NULL FROM inv.links l "     \
	"WHERE l.network_id = $1 UNION SELECT l.b_host, l.b_port, NULL FROM inv.links "  \
	"l WHERE l.network_id = $1), ifn AS (SELECT host_id, name, max(mac) AS mac "     \
	"FROM ifs GROUP BY host_id, name), ips AS (SELECT a.host_id, host(a.ip) || '/' " \
	"|| coalesce(masklen(s.cidr), CASE WHEN family(a.ip) = 4 THEN 32 ELSE 128 END) " \
	"AS address, coalesce((SELECT coalesce(f.name, f.mac::text) FROM "               \
	"inv.interfaces f WHERE f.host_id = a.host_id AND f.mac = a.mac ORDER BY "       \
	"f.name "                                                                        \
	"LIMIT 1), 'addr-' || host(a.ip)) AS ifname FROM inv.addresses a JOIN devn d "   \
	"ON "                                                                            \
	"d.id = a.host_id LEFT JOIN inv.subnets s ON s.id = a.subnet_id) "

#define NB_REF(dev, port)                                                                \
	"json_build_object('device', json_build_object('name', " dev "), 'name', " port  \
	")"
#define NB_END(dev, port)                                                                \
	"json_build_array(json_build_object('object_type', 'dcim.interface', "           \
	"'object', " NB_REF(dev, port) "))"

#define NB_DOC                                                                           \
	"SELECT json_build_object('format', 'netbox-bulk/1', 'sites', "                  \
	"json_build_array(json_build_object('name', net.name, 'slug', net.slug, "        \
	"'status', 'active')), 'manufacturers', "                                        \
	"json_build_array(json_build_object('name', 'Scanopy discovered', 'slug', "      \
	"'scanopy')), 'device_types', (SELECT json_agg(json_build_object("               \
	"'manufacturer', json_build_object('slug', 'scanopy'), 'model', 'Discovered ' "  \
	"|| k, 'slug', 'scanopy-' || k) ORDER BY k) FROM unnest(ARRAY['host', "          \
	"'router', 'switch']) k), 'device_roles', (SELECT "                              \
	"json_agg(json_build_object('name', initcap(k), 'slug', k, 'color', c) ORDER "   \
	"BY k) FROM (VALUES ('server', '2196f3'), ('router', 'ff9800'), ('switch', "     \
	"'4caf50')) v(k, c)), 'devices', coalesce((SELECT "                              \
	"json_agg(json_build_object('name', d.name, 'device_type', "                     \
	"json_build_object('slug', 'scanopy-' || d.kind), 'role', "                      \
	"json_build_object('slug', CASE d.kind WHEN 'host' THEN 'server' ELSE d.kind "   \
	"END), 'site', json_build_object('slug', net.slug), 'status', 'active', "        \
	"'description', left(coalesce(d.description, ''), 200)) ORDER BY d.name) FROM "  \
	"devn d), '[]'), 'interfaces', coalesce((SELECT "                                \
	"json_agg(json_build_object('device', json_build_object('name', d.name), "       \
	"'name', i.name, 'type', 'other', 'mac_address', i.mac) ORDER BY d.name, "       \
	"i.name) FROM ifn i JOIN devn d ON d.id = i.host_id), '[]'), 'ip_addresses', "   \
	"coalesce((SELECT json_agg(json_build_object('address', x.address, 'status', "   \
	"'active', 'assigned_object_type', 'dcim.interface', 'assigned_object', "        \
	"" NB_REF(                                                                       \
	    "d.name",                                                                    \
	    "x.ifname") ") ORDER BY x.address) FROM ips x JOIN devn d "                  \
	                "ON d.id = x.host_id), '[]'), 'cables', coalesce((SELECT "       \
	                "json_agg(json_build_object('a_terminations', " NB_END(          \
	                    "da.name",                                                   \
	                    "l.a_port") ", 'b_terminations', " NB_END("db.name",         \
	                                                              "l.b_port") ", "   \
	                                                                          "'sta" \
	                                                                          "tus'" \
	                                                                          ", "   \
	                                                                          "'con" \
	                                                                          "nect" \
	                                                                          "ed'," \
	                                                                          " '"   \
	                                                                          "desc" \
	                                                                          "ript" \
	                                                                          "ion'" \
	                                                                          ", "   \
	                                                                          "'see" \
	                                                                          "n "   \
	                                                                          "by "  \
	                                                                          "' "   \
	                                                                          "|| "  \
	                                                                          "l."   \
	                                                                          "sour" \
	                                                                          "ce) " \
	                                                                          "ORDE" \
	                                                                          "R "   \
	                                                                          "BY "  \
	                                                                          "da."  \
	                                                                          "name" \
	                                                                          ", "   \
	                                                                          "l.a_" \
	                                                                          "port" \
	                                                                          ") "   \
	                                                                          "FROM" \
	                                                                          " inv" \
	                                                                          ".lin" \
	                                                                          "ks "  \
	                                                                          "l "   \
	                                                                          "JOIN" \
	                                                                          " dev" \
	                                                                          "n "   \
	                                                                          "da "  \
	                                                                          "ON "  \
	                                                                          "da."  \
	                                                                          "id "  \
	                                                                          "= "   \
	                                                                          "l.a_" \
	                                                                          "host" \
	                                                                          " JOI" \
	                                                                          "N "   \
	                                                                          "devn" \
	                                                                          " db " \
	                                                                          "ON "  \
	                                                                          "db."  \
	                                                                          "id "  \
	                                                                          "= "   \
	                                                                          "l.b_" \
	                                                                          "host" \
	                                                                          " WHE" \
	                                                                          "RE "  \
	                                                                          "l."   \
	                                                                          "netw" \
	                                                                          "ork_" \
	                                                                          "id "  \
	                                                                          "= "   \
	                                                                          "$1)," \
	                                                                          " '[]" \
	                                                                          "')):" \
	                                                                          ":tex" \
	                                                                          "t "   \
	                                                                          "FROM" \
	                                                                          " net"

enum MHD_Result api_export_netbox_json(struct request *r)
{
	const char *p[] = {r->param[0]};
	request_add_header(r, "Content-Disposition",
	                   "attachment; filename=\"netbox.json\"");
	return reply_query_json(r, 200, NB_PARTS NB_DOC, 1, p, 404, "no such network");
}
