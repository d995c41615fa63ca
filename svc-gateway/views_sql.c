#include "views_sql.h"

/* Every view is a few passes over the network's rows, joined on indexed
 * columns and aggregated once, never a subquery per host: at 10,000 hosts a
 * per-host subquery costs more than the whole view. JSON is built with json_*
 * (text), not jsonb_* (binary, key-sorted): the result leaves as text anyway.
 *
 * hb: every host of the network with its label, lowest address, addresses and
 * main category. hs: the hosts the view shows: fresh unless stale ones are
 * wanted, in the subnet, running a service of the category, matching the text
 * by name or address. Stale: not seen for 7 days. */
#define HOST_BASE                                                                        \
	"ad AS (SELECT a.host_id, min(a.ip) AS ip, json_agg(host(a.ip) ORDER BY a.ip) "  \
	"AS ips FROM inv.addresses a WHERE a.network_id = $1 GROUP BY a.host_id), ct "   \
	"AS "                                                                            \
	"(SELECT DISTINCT ON (s.host_id) s.host_id, s.category FROM inv.services s "     \
	"JOIN "                                                                          \
	"inv.hosts h ON h.id = s.host_id AND h.network_id = $1 WHERE s.category IS NOT " \
	"NULL ORDER BY s.host_id, s.confidence DESC, s.port), hb AS MATERIALIZED "       \
	"(SELECT h.id, h.kind, coalesce(h.user_name, h.name, host(ad.ip), h.id::text) "  \
	"AS label, host(ad.ip) AS ip, h.last_seen < now() - interval '7 days' AS "       \
	"stale, "                                                                        \
	"h.name, h.user_name, h.is_daemon, h.last_seen, ct.category, coalesce(ad.ips, "  \
	"'[]'::json) AS ips FROM inv.hosts h LEFT JOIN ad ON ad.host_id = h.id LEFT "    \
	"JOIN ct ON ct.host_id = h.id WHERE h.network_id = $1)"

#define HOSTS                                                                            \
	HOST_BASE                                                                        \
	", hs AS MATERIALIZED (SELECT hb.* FROM hb WHERE ($5::boolean OR NOT "           \
	"hb.stale) AND ($2::cidr IS NULL OR EXISTS (SELECT 1 FROM inv.addresses a "      \
	"WHERE a.host_id = hb.id AND a.ip << $2::cidr)) AND ($3::text IS NULL OR "       \
	"EXISTS "                                                                        \
	"(SELECT 1 FROM inv.services s WHERE s.host_id = hb.id AND s.category = "        \
	"$3)) "                                                                          \
	"AND ($4::text IS NULL OR strpos(lower(coalesce(hb.user_name, '') || ' ' "       \
	"|| "                                                                            \
	"coalesce(hb.name, '')), lower($4)) > 0 OR EXISTS (SELECT 1 FROM "               \
	"inv.addresses "                                                                 \
	"a WHERE a.host_id = hb.id AND strpos(host(a.ip), $4) > 0)))"

#define HOST_NODE(h)                                                                     \
	"json_build_object('id', 'h:' || " h ".id, 'kind', " h ".kind, 'label', " h      \
	".label, 'parent', NULL, 'host_id', " h ".id, 'category', " h                    \
	".category, 'ip', " h ".ip, 'stale', " h ".stale, 'data', json_build_object("    \
	"'name', " h ".name, 'user_name', " h ".user_name, 'daemon', " h                 \
	".is_daemon, 'last_seen', " h ".last_seen, 'addresses', " h ".ips))"

/* The same node with another parent. */
#define HOST_NODE_IN(h, parent)                                                          \
	"json_build_object('id', 'h:' || " h ".id, 'kind', " h ".kind, 'label', " h      \
	".label, 'parent', " parent ", 'host_id', " h ".id, 'category', " h              \
	".category, 'ip', " h ".ip, 'stale', " h ".stale, 'data', json_build_object("    \
	"'name', " h ".name, 'user_name', " h ".user_name, 'daemon', " h                 \
	".is_daemon, 'last_seen', " h ".last_seen, 'addresses', " h ".ips))"

/* L2: the cables of the hosts shown, with the hosts at both ends; hosts
 * without a cable are left out (unlinked ports are not shown). */
const char *const view_sql_l2 =
    "WITH " HOSTS ", ls AS MATERIALIZED (SELECT l.* FROM inv.links l WHERE "
    "l.network_id = $1 AND (l.a_host IN (SELECT id FROM hs) OR l.b_host IN "
    "(SELECT id FROM hs))), ends AS (SELECT a_host AS id "
    "FROM ls UNION SELECT b_host FROM ls), hv AS (SELECT hb.* FROM hb JOIN ends ON "
    "ends.id = hb.id) SELECT json_build_object('nodes', coalesce((SELECT "
    "json_agg(" HOST_NODE(
        "hv") " ORDER BY hv.label, hv.id) FROM hv), '[]'), 'edges', "
              "coalesce((SELECT json_agg(json_build_object('id', 'l:' || ls.id, "
              "'source', 'h:' "
              "|| ls.a_host, 'target', 'h:' || ls.b_host, 'kind', 'link', 'label', "
              "ls.a_port "
              "|| ' - ' || ls.b_port, 'data', json_build_object('source_port', "
              "ls.a_port, "
              "'target_port', ls.b_port, 'evidence', ls.source, 'last_seen', "
              "ls.last_seen)) "
              "ORDER BY ls.a_port, ls.b_port, ls.id) FROM ls), '[]'))::text";

/* L3: subnets, the hosts in them (parent: the subnet of their lowest
 * address), routers joining subnets (gateway and route edges) and each
 * daemon's default route. */
const char *const view_sql_l3 =
    "WITH " HOSTS ", sn AS MATERIALIZED (SELECT s.* FROM inv.subnets s WHERE "
    "s.network_id = $1 AND ($2::cidr IS NULL OR s.cidr && $2::cidr) AND s.kind <> "
    "'loopback'), mem AS MATERIALIZED (SELECT DISTINCT a.host_id, a.subnet_id, a.ip "
    "FROM inv.addresses a JOIN hs ON hs.id = a.host_id JOIN sn ON sn.id = "
    "a.subnet_id WHERE a.network_id = $1), par AS (SELECT DISTINCT ON (host_id) "
    "host_id, subnet_id FROM mem ORDER BY host_id, ip), nodes AS (SELECT 'subnet' AS k, "
    "sn.cidr::text AS label, json_build_object('id', 's:' || sn.id, 'kind', "
    "'subnet', 'label', sn.cidr::text, 'parent', NULL, 'host_id', NULL, 'category', "
    "NULL, 'ip', NULL, 'stale', sn.last_seen < now() - interval '7 days', 'data', "
    "json_build_object('cidr', sn.cidr, 'type', sn.kind, 'gateway', "
    "host(sn.gateway), 'vlan_id', sn.vlan_id, 'source', sn.source)) AS n FROM sn "
    "UNION ALL SELECT hs.kind, hs.label, " HOST_NODE_IN(
        "hs", "'s:' || par.subnet_id") " FROM hs JOIN par ON par.host_id = hs.id), "
                                       "edges AS (SELECT 'g:' || m.host_id || ':' || "
                                       "m.subnet_id AS id, json_build_object('id', "
                                       "'g:' || "
                                       "m.host_id || ':' || m.subnet_id, 'source', 'h:' "
                                       "|| m.host_id, 'target', 's:' || "
                                       "m.subnet_id, 'kind', CASE WHEN sn.gateway = m.ip "
                                       "THEN 'gateway' ELSE 'route' "
                                       "END, 'label', host(m.ip), 'data', "
                                       "json_build_object('ip', host(m.ip))) AS e FROM "
                                       "mem m JOIN sn ON sn.id = m.subnet_id JOIN hs ON "
                                       "hs.id = m.host_id WHERE hs.kind "
                                       "= 'router' OR sn.gateway = m.ip UNION ALL SELECT "
                                       "'r:' || d.id || ':' || "
                                       "g.host_id, json_build_object('id', 'r:' || d.id "
                                       "|| ':' || g.host_id, 'source', "
                                       "'h:' || d.id, 'target', 'h:' || g.host_id, "
                                       "'kind', 'route', 'label', 'default "
                                       "route', 'data', json_build_object('via', "
                                       "host(g.ip))) FROM hs d JOIN mem dm ON "
                                       "dm.host_id = d.id JOIN sn ON sn.id = "
                                       "dm.subnet_id AND sn.gateway IS NOT NULL "
                                       "JOIN mem g ON g.subnet_id = sn.id AND g.ip = "
                                       "sn.gateway AND g.host_id <> d.id "
                                       "WHERE d.is_daemon) SELECT "
                                       "json_build_object('nodes', coalesce((SELECT "
                                       "json_agg(n ORDER BY k DESC, label) FROM nodes), "
                                       "'[]'), 'edges', "
                                       "coalesce((SELECT json_agg(e ORDER BY id) FROM "
                                       "edges), '[]'))::text";

/* Workloads: hosts, the containers they run and the services of each. */
const char *const view_sql_workloads =
    "WITH " HOSTS ", ws AS MATERIALIZED (SELECT w.* FROM inv.workloads w JOIN hs ON "
    "hs.id = w.parent_host WHERE w.network_id = $1), sv AS MATERIALIZED (SELECT s.* "
    "FROM inv.services s JOIN hs ON hs.id = s.host_id WHERE $3::text IS NULL OR "
    "s.category = $3), wsv AS MATERIALIZED (SELECT w.id AS wid, x.s FROM ws w CROSS "
    "JOIN LATERAL jsonb_array_elements(w.services) x(s) WHERE $3::text IS NULL OR "
    "x.s->>'category' = $3), used AS (SELECT host_id AS id FROM sv UNION SELECT "
    "parent_host FROM ws), nodes AS (SELECT 'h:' || hs.id AS id, " HOST_NODE(
        "hs") " AS n FROM hs JOIN used ON used.id = hs.id UNION ALL SELECT 'c:' || "
              "ws.id, json_build_object('id', 'c:' || ws.id, 'kind', 'container', "
              "'label', "
              "coalesce(ws.name, ws.external_id), 'parent', 'h:' || ws.parent_host, "
              "'host_id', "
              "ws.parent_host, 'category', NULL, 'ip', ws.networks->0->>'ip', 'stale', "
              "ws.last_seen < now() - interval '7 days', 'data', "
              "json_build_object('image', "
              "ws.image, 'state', ws.state, 'project', ws.project, 'labels', ws.labels, "
              "'ports', ws.ports, 'networks', ws.networks)) FROM ws UNION ALL SELECT "
              "'v:' || "
              "sv.host_id || ':' || sv.protocol || ':' || sv.port || ':' || "
              "sv.definition_id, "
              "json_build_object('id', 'v:' || sv.host_id || ':' || sv.protocol || ':' "
              "|| "
              "sv.port || ':' || sv.definition_id, 'kind', 'service', 'label', sv.name "
              "|| ' ' "
              "|| sv.port || '/' || sv.protocol, 'parent', 'h:' || sv.host_id, "
              "'host_id', "
              "sv.host_id, 'category', sv.category, 'ip', NULL, 'stale', sv.last_seen < "
              "now() "
              "- interval '7 days', 'data', json_build_object('port', sv.port, "
              "'protocol', "
              "sv.protocol, 'product', sv.product, 'version', sv.version, 'confidence', "
              "sv.confidence, 'definition_id', sv.definition_id)) FROM sv UNION ALL "
              "SELECT "
              "'v:' || wsv.wid || ':' || (wsv.s->>'protocol') || ':' || (wsv.s->>'port') "
              "|| ':' "
              "|| (wsv.s->>'definition_id'), json_build_object('id', 'v:' || wsv.wid || "
              "':' || "
              "(wsv.s->>'protocol') || ':' || (wsv.s->>'port') || ':' || "
              "(wsv.s->>'definition_id'), 'kind', 'service', 'label', (wsv.s->>'name') "
              "|| ' ' "
              "|| (wsv.s->>'port') || '/' || (wsv.s->>'protocol'), 'parent', 'c:' || "
              "wsv.wid, "
              "'host_id', NULL, 'category', wsv.s->>'category', 'ip', NULL, 'stale', "
              "false, "
              "'data', wsv.s) FROM wsv), edges AS (SELECT 'run:' || ws.id AS id, "
              "json_build_object('id', 'run:' || ws.id, 'source', 'h:' || "
              "ws.parent_host, "
              "'target', 'c:' || ws.id, 'kind', 'runs', 'label', NULL, 'data', "
              "'{}'::json) AS "
              "e FROM ws UNION ALL SELECT 'run:' || x.v, json_build_object('id', 'run:' "
              "|| "
              "x.v, 'source', x.src, 'target', 'v:' || x.v, 'kind', 'runs', 'label', "
              "NULL, "
              "'data', '{}'::json) FROM (SELECT 'h:' || sv.host_id AS src, sv.host_id || "
              "':' || "
              "sv.protocol || ':' || sv.port || ':' || sv.definition_id AS v FROM sv "
              "UNION ALL "
              "SELECT 'c:' || wsv.wid, wsv.wid || ':' || (wsv.s->>'protocol') || ':' || "
              "(wsv.s->>'port') || ':' || (wsv.s->>'definition_id') FROM wsv) x) SELECT "
              "json_build_object('nodes', coalesce((SELECT json_agg(n ORDER BY id) FROM "
              "nodes), '[]'), 'edges', coalesce((SELECT json_agg(e ORDER BY id) FROM "
              "edges), "
              "'[]'))::text";

/* Applications: each with its member containers and their dependencies. */
const char *const view_sql_applications =
    "WITH " HOSTS ", ap AS (SELECT a.* FROM inv.applications a WHERE a.network_id = "
    "$1), mb AS MATERIALIZED (SELECT m.application_id, m.role, w.* FROM "
    "inv.application_members m JOIN ap ON ap.id = m.application_id JOIN "
    "inv.workloads w ON w.id = m.workload_id WHERE w.parent_host IS NULL OR "
    "w.parent_host IN (SELECT id FROM hs)), ap2 AS (SELECT * FROM ap WHERE "
    "EXISTS (SELECT 1 FROM mb WHERE mb.application_id = ap.id)), nodes AS (SELECT "
    "'a:' || ap2.id AS id, json_build_object('id', 'a:' || ap2.id, 'kind', "
    "'application', 'label', ap2.name, 'parent', NULL, 'host_id', NULL, 'category', "
    "NULL, 'ip', NULL, 'stale', ap2.last_seen < now() - interval '7 days', 'data', "
    "json_build_object('source', ap2.source)) AS n FROM ap2 UNION ALL SELECT 'c:' || "
    "mb.id, json_build_object('id', 'c:' || mb.id, 'kind', 'container', 'label', "
    "coalesce(mb.name, mb.external_id), 'parent', 'a:' || mb.application_id, "
    "'host_id', mb.parent_host, 'category', NULL, 'ip', mb.networks->0->>'ip', "
    "'stale', mb.last_seen < now() - interval '7 days', 'data', "
    "json_build_object('role', mb.role, 'image', mb.image, 'host', "
    "coalesce(hb.user_name, hb.name), 'services', mb.services)) FROM mb LEFT JOIN hb "
    "ON hb.id = mb.parent_host), edges AS (SELECT 'm:' || mb.application_id || ':' "
    "|| mb.id AS id, json_build_object('id', 'm:' || mb.application_id || ':' || "
    "mb.id, 'source', 'a:' || mb.application_id, 'target', 'c:' || mb.id, 'kind', "
    "'member', 'label', mb.role, 'data', '{}'::json) AS e FROM mb UNION ALL SELECT "
    "'d:' || e.source_id || ':' || e.target_id, json_build_object('id', 'd:' || "
    "e.source_id || ':' || e.target_id, 'source', 'c:' || e.source_id, 'target', "
    "'c:' || e.target_id, 'kind', e.kind, 'label', NULL, 'data', "
    "json_build_object('inferred', e.inferred, 'reason', e.reason)) FROM "
    "inv.application_edges e JOIN ap2 ON ap2.id = e.application_id WHERE "
    "e.source_id IN (SELECT id FROM mb) AND e.target_id IN (SELECT id FROM mb)) SELECT "
    "json_build_object('nodes', coalesce((SELECT "
    "json_agg(n ORDER BY id) FROM nodes), '[]'), 'edges', coalesce((SELECT "
    "json_agg(e ORDER BY id) FROM edges), '[]'))::text";

/* The view as the topology service rendered it ahead ($1 network, $2 view),
 * if current: of the network's generation, and no node's stale flag flipped
 * since. Its tag (a weak ETag) changes with each rendering. */
const char *const view_sql_cached =
    "SELECT 'W/\"v' || c.generation || '.' || (extract(epoch FROM c.built_at) * "
    "1000000)::bigint || '\"', c.doc FROM inv.view_cache c JOIN inv.view_state s "
    "ON s.network_id = c.network_id AND s.generation = c.generation WHERE "
    "c.network_id = $1 AND c.view = $2 AND (c.fresh_until IS NULL OR "
    "c.fresh_until > now())";
