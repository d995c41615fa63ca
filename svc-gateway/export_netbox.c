/* GET /api/v1/networks/{id}/exports/netbox.json: the network as NetBox
 * objects, in the shapes NetBox's REST API (4.2 and later) takes when a list
 * is POSTed for bulk creation (dcim/sites, dcim/manufacturers,
 * dcim/device-types, dcim/device-roles, ipam/vlans, ipam/prefixes,
 * dcim/devices, dcim/interfaces, ipam/ip-addresses, dcim/cables), in that
 * order. Related objects are named the way NetBox resolves nested
 * references, by attributes ({"slug": ...}, a device by {"name": ...}, a VLAN
 * by its vid, site and S-VLAN). NetBox takes an IP's interface, a cable's
 * ends and a prefix's scope by numeric id only; those carry the object's
 * natural key ({"device": {"name"}, "name"}, {"slug"}) in `assigned_object`
 * / `object` / `scope`, for the importer to swap for the id NetBox answered
 * when it created that object. */
#include "db.h"
#include "http.h"
#include "reply.h"
#include "routes.h"

/* Devices: one per host, named uniquely; interfaces: the host's own (with
 * their port VLANs), one per address that has none, and each port a cable
 * ends on. */
#define NB_DEVICES                                                                       \
	"WITH net AS (SELECT n.name, trim(both '-' FROM "                                \
	"regexp_replace(lower(n.name), '[^a-z0-9_]+', '-', 'g')) AS slug FROM "          \
	"core.networks n WHERE n.id = $1), dev AS (SELECT h.id, h.kind, "                \
	"h.description, coalesce(h.user_name, h.name, (SELECT host(min(a.ip)) FROM "     \
	"inv.addresses a WHERE a.host_id = h.id), h.id::text) AS base FROM inv.hosts h " \
	"WHERE h.network_id = $1), devn AS (SELECT d.*, CASE WHEN count(*) OVER "        \
	"(PARTITION BY lower(d.base)) > 1 THEN d.base || ' (' || left(d.id::text, 8) "   \
	"|| ')' ELSE d.base END AS name FROM dev d), "
#define NB_INTERFACES                                                                    \
	"ifs AS (SELECT f.host_id, coalesce(f.name, f.mac::text) AS name, f.mac::text "  \
	"AS mac, f.pvid, f.tagged_vlans AS tagged FROM inv.interfaces f JOIN devn d ON " \
	"d.id = f.host_id UNION SELECT a.host_id, 'addr-' || host(a.ip), a.mac::text, "  \
	"NULL::int, NULL::int[] FROM inv.addresses a JOIN devn d ON d.id = a.host_id "   \
	"WHERE NOT EXISTS (SELECT 1 FROM inv.interfaces f WHERE f.host_id = a.host_id "  \
	"AND f.mac = a.mac) UNION SELECT l.a_host, l.a_port, NULL, NULL, NULL FROM "     \
	"inv.links l WHERE l.network_id = $1 UNION SELECT l.b_host, l.b_port, NULL, "    \
	"NULL, NULL FROM inv.links l WHERE l.network_id = $1), ifn AS (SELECT host_id, " \
	"name, max(mac) AS mac, max(pvid) AS pvid, max(tagged) AS tagged FROM ifs "      \
	"GROUP BY host_id, name), ips AS (SELECT a.host_id, host(a.ip) || '/' || "       \
	"coalesce(masklen(s.cidr), CASE WHEN family(a.ip) = 4 THEN 32 ELSE 128 END) AS " \
	"address, coalesce((SELECT coalesce(f.name, f.mac::text) FROM inv.interfaces f " \
	"WHERE f.host_id = a.host_id AND f.mac = a.mac ORDER BY f.name LIMIT 1), "       \
	"'addr-' || host(a.ip)) AS ifname FROM inv.addresses a JOIN devn d ON d.id = "   \
	"a.host_id LEFT JOIN inv.subnets s ON s.id = a.subnet_id), "

/* Prefixes and their VLAN (o: the S-VLAN a C-VLAN vid is in, else 0): the
 * one a daemon reported for the subnet (a VLAN interface), else the one every
 * address of the subnet was heard tagged with, when they all agree. VLANs
 * (vl): the network's, and every one a port, a prefix or a C-VLAN names; a
 * VLAN that C-VLANs are heard in is a QinQ S-VLAN. vr.ref: how NetBox finds
 * one, unambiguous (a C-VLAN by its S-VLAN, any other by having none). */
#define NB_VLANS                                                                         \
	"pv AS (SELECT s.cidr, s.kind, CASE WHEN s.vlan_id BETWEEN 1 AND 4094 THEN 0 "   \
	"ELSE x.o END AS o, CASE WHEN s.vlan_id BETWEEN 1 AND 4094 THEN s.vlan_id ELSE " \
	"x.vid END AS vid FROM inv.subnets s LEFT JOIN (SELECT a.subnet_id, CASE WHEN "  \
	"min(a.inner_vlan_id) IS NULL THEN 0 ELSE min(a.vlan_id) END AS o, "             \
	"coalesce(min(a.inner_vlan_id), min(a.vlan_id)) AS vid FROM inv.addresses a "    \
	"WHERE a.network_id = $1 AND a.subnet_id IS NOT NULL GROUP BY a.subnet_id "      \
	"HAVING count(*) = count(a.vlan_id) AND count(DISTINCT (a.vlan_id, "             \
	"coalesce(a.inner_vlan_id, 0))) = 1) x ON x.subnet_id = s.id WHERE "             \
	"s.network_id = $1), vl AS (SELECT o, vid, max(name) AS name FROM (SELECT "      \
	"v.outer_vlan_id AS o, v.vlan_id AS vid, v.name FROM inv.vlans v WHERE "         \
	"v.network_id = $1 UNION ALL SELECT 0, v.outer_vlan_id, NULL FROM inv.vlans v "  \
	"WHERE v.network_id = $1 AND v.outer_vlan_id > 0 UNION ALL SELECT 0, i.pvid, "   \
	"NULL FROM ifn i WHERE i.pvid IS NOT NULL UNION ALL SELECT 0, t, NULL FROM ifn " \
	"i CROSS JOIN unnest(i.tagged) t UNION ALL SELECT p.o, p.vid, NULL FROM pv p "   \
	"WHERE p.vid IS NOT NULL UNION ALL SELECT 0, p.o, NULL FROM pv p WHERE p.o > "   \
	"0) x WHERE vid BETWEEN 1 AND 4094 AND o BETWEEN 0 AND 4094 GROUP BY o, vid), "  \
	"vr AS (SELECT v.o, v.vid, v.name, CASE WHEN v.o > 0 THEN 'cvlan' WHEN EXISTS "  \
	"(SELECT 1 FROM vl w WHERE w.o = v.vid) THEN 'svlan' END AS role, "              \
	"jsonb_build_object('vid', v.vid, 'site', jsonb_build_object('slug', "           \
	"net.slug), 'qinq_svlan', CASE WHEN v.o > 0 THEN jsonb_build_object('vid', "     \
	"v.o, 'site', jsonb_build_object('slug', net.slug), 'qinq_svlan', NULL) END) "   \
	"AS ref FROM vl v, net) "

#define NB_HEAD                                                                          \
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
	"'4caf50')) v(k, c)), "

/* A VLAN's qinq_role and qinq_svlan are there only when it has them; S-VLANs
 * and VLANs of their own come first (C-VLANs name theirs). */
#define NB_LIST_VLANS                                                                    \
	"'vlans', coalesce((SELECT json_agg(jsonb_build_object('vid', v.vid, 'name', "   \
	"coalesce(v.name, 'VLAN ' || CASE WHEN v.o > 0 THEN v.o || '.' ELSE '' END || "  \
	"v.vid), 'status', 'active', 'site', jsonb_build_object('slug', net.slug)) || "  \
	"CASE WHEN v.role IS NULL THEN '{}' ELSE jsonb_build_object('qinq_role', "       \
	"v.role) END || CASE WHEN v.o > 0 THEN jsonb_build_object('qinq_svlan', "        \
	"v.ref -> 'qinq_svlan') ELSE '{}' END ORDER BY v.o > 0, v.o, v.vid) FROM vr "    \
	"v), '[]'), 'prefixes', coalesce((SELECT json_agg(json_build_object('prefix', "  \
	"p.cidr::text, 'status', 'active', 'description', p.kind, 'scope_type', "        \
	"'dcim.site', 'scope', json_build_object('slug', net.slug), 'vlan', r.ref) "     \
	"ORDER BY p.cidr) FROM pv p LEFT JOIN vr r ON r.o = p.o AND r.vid = p.vid), "    \
	"'[]'), "

#define NB_LIST_DEVICES                                                                  \
	"'devices', coalesce((SELECT json_agg(json_build_object('name', d.name, "        \
	"'device_type', json_build_object('slug', 'scanopy-' || d.kind), 'role', "       \
	"json_build_object('slug', CASE d.kind WHEN 'host' THEN 'server' ELSE d.kind "   \
	"END), 'site', json_build_object('slug', net.slug), 'status', 'active', "        \
	"'description', left(coalesce(d.description, ''), 200)) ORDER BY d.name) FROM "  \
	"devn d), '[]'), "

/* A port's 802.1Q mode: tagged when it carries tagged VLANs, access when it
 * has a native one only; its native VLAN is the untagged_vlan. A port with
 * neither has no mode. */
#define NB_LIST_INTERFACES                                                               \
	"'interfaces', coalesce((SELECT json_agg(jsonb_build_object('device', "          \
	"jsonb_build_object('name', d.name), 'name', i.name, 'type', 'other', "          \
	"'mac_address', i.mac) || CASE WHEN cardinality(i.tagged) > 0 THEN "             \
	"jsonb_build_object('mode', 'tagged', 'untagged_vlan', u.ref, 'tagged_vlans', "  \
	"(SELECT jsonb_agg(r.ref ORDER BY r.vid) FROM unnest(i.tagged) t JOIN vr r ON "  \
	"r.o = 0 AND r.vid = t)) WHEN u.ref IS NOT NULL THEN "                           \
	"jsonb_build_object('mode', "                                                    \
	"'access', 'untagged_vlan', u.ref, 'tagged_vlans', '[]'::jsonb) ELSE '{}' END "  \
	"ORDER BY d.name, i.name) FROM ifn i JOIN devn d ON d.id = i.host_id LEFT JOIN " \
	"vr u ON u.o = 0 AND u.vid = i.pvid), '[]'), "

/* An interface by natural key: {"device": {"name"}, "name"}. */
#define NB_LIST_ADDRESSES                                                                \
	"'ip_addresses', coalesce((SELECT json_agg(json_build_object('address', "        \
	"x.address, 'status', 'active', 'assigned_object_type', 'dcim.interface', "      \
	"'assigned_object', json_build_object('device', json_build_object('name', "      \
	"d.name), 'name', x.ifname)) ORDER BY x.address) FROM ips x JOIN devn d ON "     \
	"d.id = x.host_id), '[]'), "

#define NB_LIST_CABLES                                                                   \
	"'cables', coalesce((SELECT json_agg(json_build_object('a_terminations', "       \
	"json_build_array(json_build_object('object_type', 'dcim.interface', "           \
	"'object', json_build_object('device', json_build_object('name', da.name), "     \
	"'name', l.a_port))), 'b_terminations', "                                        \
	"json_build_array(json_build_object('object_type', 'dcim.interface', "           \
	"'object', json_build_object('device', json_build_object('name', db.name), "     \
	"'name', l.b_port))), 'status', 'connected', 'description', 'seen by ' || "      \
	"l.source) ORDER BY da.name, l.a_port) FROM inv.links l JOIN devn da ON da.id "  \
	"= l.a_host JOIN devn db ON db.id = l.b_host WHERE l.network_id = $1), "         \
	"'[]'))::text FROM net"

enum MHD_Result api_export_netbox_json(struct request *r)
{
	static const char sql[] = NB_DEVICES NB_INTERFACES NB_VLANS NB_HEAD NB_LIST_VLANS
	    NB_LIST_DEVICES NB_LIST_INTERFACES NB_LIST_ADDRESSES NB_LIST_CABLES;
	const char *p[] = {r->param[0]};
	request_add_header(r, "Content-Disposition",
	                   "attachment; filename=\"netbox.json\"");
	return reply_query_json(r, 200, sql, 1, p, 404, "no such network");
}
