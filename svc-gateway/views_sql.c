#include "views_sql.h"

/* Every view is a few passes over the network's rows, joined on indexed
 * columns and aggregated once, never a subquery per host: at 10,000 hosts a
 * per-host subquery costs more than the whole view. JSON is built with json_*
 * (text), not jsonb_* (binary, key-sorted): the result leaves as text anyway.
 *
 * A filtered view costs what it shows: the hosts the filter keeps are picked
 * first (sel), by the indexes where the filter has one, and the base row of
 * a host (hb, below) is built only for the hosts the view shows. The
 * statements are planned with their parameters' values (libpq's unnamed
 * statements), so a test of a parameter against NULL is decided when
 * planning and the branches and conditions of absent filters cost nothing.
 *
 * sel: the hosts the view keeps: fresh unless stale ones are wanted, in the
 * subnet, running a service of the category, matching the text by name or
 * address, carrying every tag asked for (said with tags <> '{}', so the
 * partial GIN index on tags serves it). Stale: not seen for 7 days. With a
 * subnet the candidates are the hosts of its addresses (the primary key on
 * network and address), else with a category those running a service of it,
 * else with a text those matching it by name or address: branches of their
 * own, as a condition under OR never becomes a join (nor is it counted
 * right: the planner takes one under OR to keep half the hosts, and plans
 * what follows for that many); every condition is then checked on each
 * candidate. The text is matched with LIKE, its %, _ and \ escaped (the
 * same test as a substring search), which the planner expects few rows to
 * pass. */
#define LIKE_ANYWHERE(x)                                                                 \
	"('%' || replace(replace(replace(" x ", '\\', '\\\\'), '%', '\\%'), '_', "       \
	"'\\_') || '%')"
/* What ?q= matches a host's names in, and its text as a LIKE pattern. */
#define NAMES_OF(h)                                                                      \
	"lower(coalesce(" h ".user_name, '') || ' ' || coalesce(" h ".name, ''))"
#define Q_NAMES LIKE_ANYWHERE("lower($4)")
#define Q_ADDRESS LIKE_ANYWHERE("$4")
/* Each condition of the filter, true when its parameter is NULL. */
#define KEEP_FRESH(h) "($5::boolean OR NOT " h ".last_seen < now() - interval '7 days')"
#define KEEP_SUBNET(h)                                                                   \
	"($2::cidr IS NULL OR EXISTS (SELECT 1 FROM inv.addresses a WHERE a.host_id "    \
	"= " h ".id AND a.ip << $2::cidr))"
#define KEEP_CATEGORY(h)                                                                 \
	"($3::text IS NULL OR EXISTS (SELECT 1 FROM inv.services s WHERE s.host_id = " h \
	".id AND s.category = $3))"
#define KEEP_TEXT(h)                                                                     \
	"($4::text IS NULL OR " NAMES_OF(h) " LIKE " Q_NAMES                             \
	                                    " OR EXISTS (SELECT 1 FROM "                 \
	                                    "inv.addresses a WHERE a.host_id = " h       \
	                                    ".id AND host(a.ip) LIKE " Q_ADDRESS "))"
#define KEEP_TAGS(h)                                                                     \
	"($6::text[] IS NULL OR (" h ".tags @> $6::text[] AND " h ".tags <> '{}'))"
/* A branch: its candidates (a condition ending in AND, or nothing), then
 * every condition checked on each. */
#define SEL_BRANCH(when, candidates)                                                     \
	"SELECT h.id FROM inv.hosts h WHERE " when                                       \
	" AND h.network_id = $1 AND " candidates                                         \
	    KEEP_FRESH("h") " AND " KEEP_SUBNET("h") " AND " KEEP_CATEGORY(              \
	        "h") " AND " KEEP_TEXT("h") " AND " KEEP_TAGS("h")
/* The branches: with a subnet, the hosts of its addresses; else with a
 * category, those running a service of it; else with a text, those matching
 * it by name or address; else every host of the network. */
#define SEL_SUBNET                                                                       \
	SEL_BRANCH(                                                                      \
	    "$2::cidr IS NOT NULL",                                                      \
	    "h.id IN (SELECT a.host_id FROM inv.addresses a WHERE a.network_id = "       \
	    "$1 AND a.ip << $2::cidr) AND ")
#define SEL_CATEGORY                                                                     \
	SEL_BRANCH("$2::cidr IS NULL AND $3::text IS NOT NULL",                          \
	           "h.id IN (SELECT s.host_id FROM inv.services s WHERE s.category = "   \
	           "$3) AND ")
#define SEL_TEXT                                                                         \
	SEL_BRANCH("$2::cidr IS NULL AND $3::text IS NULL AND $4::text IS NOT NULL",     \
	           "h.id IN (SELECT t.id FROM inv.hosts t WHERE t.network_id = $1 "      \
	           "AND " NAMES_OF("t") " LIKE " Q_NAMES                                 \
	                                " UNION ALL SELECT a.host_id FROM "              \
	                                "inv.addresses a WHERE a.network_id = $1 AND "   \
	                                "host(a.ip) LIKE " Q_ADDRESS ") AND ")
#define SEL_REST                                                                         \
	SEL_BRANCH("$2::cidr IS NULL AND $3::text IS NULL AND $4::text IS NULL", "")
#define HOST_SEL                                                                         \
	"sel AS MATERIALIZED (" SEL_SUBNET " UNION ALL " SEL_CATEGORY                    \
	" UNION ALL " SEL_TEXT " UNION ALL " SEL_REST ")"

/* Whether the view is unfiltered (as the topology service renders it
 * ahead): then every host of the network is kept. */
#define UNFILTERED                                                                       \
	"($2::cidr IS NULL AND $3::text IS NULL AND $4::text IS NULL AND $5::boolean "   \
	"AND $6::text[] IS NULL)"

/* hb: the base row of a host: its label, lowest address, addresses, main
 * category, the VLANs its addresses were heard tagged with (vlan_id when
 * that is one) and the QinQ (outer, inner) pairs among them, and the vendor
 * of a virtual MAC. One definition for the four views, filtered or not. A
 * switch's port VLANs are on the L2 view's cables, not on its node: folding
 * them in cost a second pass over every host's interfaces in every view (3x
 * the view time at 10,000 hosts whose ports all had VLANs). A gone host's
 * node says since when and why (HOST_DATA).
 *
 * Unfiltered, hb holds every host of the network, each part aggregated in
 * one pass over the network's rows (ad, ct, vo) and joined. Filtered, only
 * the hosts of `need` (distinct host ids of the network: those the view
 * shows), each part looked up by its index per host (LATERAL): linear in
 * the hosts shown whatever the planner expects of them, where joining
 * aggregates it expects to be small can cost the square of their size. */
#define HB_COLUMNS                                                                       \
	"h.id, h.kind, coalesce(h.user_name, h.name, host(ad.ip), h.id::text) AS "       \
	"label, host(ad.ip) AS ip, h.last_seen < now() - interval '7 days' AS stale, "   \
	"h.gone_at, CASE WHEN h.gone_at IS NOT NULL THEN coalesce(h.gone_reason, "       \
	"'stale') END AS gone_reason, h.name, h.user_name, h.tags, CASE WHEN h.tags = "  \
	"'{}' THEN '[]'::json ELSE to_json(h.tags) END AS tags_json, h.is_daemon, "      \
	"h.last_seen, ct.category, coalesce(ad.ips, '[]'::json) AS ips, "                \
	"coalesce(ad.vlans, '[]'::json) AS vlans, ad.vlan_id, coalesce(ad.qinq, "        \
	"'[]'::jsonb) AS qinq, vo.vendor AS virtual"
#define AD_AGGREGATES                                                                    \
	"min(a.ip) AS ip, json_agg(host(a.ip) ORDER BY a.ip) AS ips, json_agg(DISTINCT " \
	"a.vlan_id) FILTER (WHERE a.vlan_id IS NOT NULL) AS vlans, CASE WHEN "           \
	"count(DISTINCT a.vlan_id) = 1 THEN min(a.vlan_id) END AS vlan_id, "             \
	"jsonb_agg(DISTINCT jsonb_build_array(a.vlan_id, a.inner_vlan_id)) FILTER "      \
	"(WHERE a.inner_vlan_id IS NOT NULL) AS qinq"
#define HOST_BASE(need)                                                                  \
	"ad AS (SELECT a.host_id, " AD_AGGREGATES                                        \
	" FROM inv.addresses a WHERE " UNFILTERED                                        \
	" AND a.network_id = $1 GROUP BY a.host_id), ct AS (SELECT "                     \
	"DISTINCT ON (s.host_id) s.host_id, s.category FROM inv.services s JOIN "        \
	"inv.hosts h ON h.id = s.host_id AND h.network_id = $1 WHERE " UNFILTERED        \
	" AND s.category IS NOT NULL ORDER BY s.host_id, s.confidence DESC, s.port), "   \
	"vo AS (SELECT DISTINCT ON (i.host_id) i.host_id, o.vendor FROM "                \
	"inv.host_identities i JOIN inv.virtual_ouis o ON o.oui = left(i.value, 8) "     \
	"WHERE " UNFILTERED " AND i.network_id = $1 AND i.kind = 'mac' ORDER BY "        \
	"i.host_id, i.value), hb AS MATERIALIZED (SELECT " HB_COLUMNS " FROM "           \
	"inv.hosts h LEFT JOIN ad ON ad.host_id = h.id LEFT JOIN ct ON ct.host_id = "    \
	"h.id LEFT JOIN vo ON vo.host_id = h.id WHERE " UNFILTERED " AND h.network_id "  \
	"= $1 UNION ALL SELECT " HB_COLUMNS " FROM " need " n JOIN inv.hosts h ON h.id " \
	"= n.id LEFT JOIN LATERAL (SELECT " AD_AGGREGATES " FROM inv.addresses a "       \
	"WHERE a.host_id = h.id AND a.network_id = $1) ad ON true LEFT JOIN LATERAL "    \
	"(SELECT s.category FROM inv.services s WHERE s.host_id = h.id AND s.category "  \
	"IS NOT NULL ORDER BY s.confidence DESC, s.port LIMIT 1) ct ON true LEFT JOIN "  \
	"LATERAL (SELECT o.vendor FROM inv.host_identities i JOIN inv.virtual_ouis o "   \
	"ON o.oui = left(i.value, 8) WHERE i.host_id = h.id AND i.network_id = $1 AND "  \
	"i.kind = 'mac' ORDER BY i.value LIMIT 1) vo ON true WHERE NOT " UNFILTERED      \
	" AND h.network_id = $1)"
/* Of hb, the hosts of `ids` (a relation of host ids): all of hb when
 * filtered (it holds only those), else a hashed test. */
#define HB_IN(ids) "(NOT " UNFILTERED " OR hb.id IN (SELECT id FROM " ids "))"

/* A host node's data: what is known of the host, and when it is gone, since
 * when and why (gone_at, gone_reason). Only a gone host's carries those two:
 * written for every host they cost each view a tenth of its time. */
#define HOST_DATA_FIELDS(h)                                                              \
	"'name', " h ".name, 'user_name', " h ".user_name, 'daemon', " h                 \
	".is_daemon, 'last_seen', " h ".last_seen, 'addresses', " h ".ips, 'tags', " h   \
	".tags_json, 'virtual', " h ".virtual, 'vlan_id', " h ".vlan_id, 'vlans', " h    \
	".vlans, 'qinq', " h ".qinq"
#define GONE_FIELDS(h) "'gone_at', " h ".gone_at, 'gone_reason', " h ".gone_reason"
#define HOST_DATA_LIVE(h) "json_build_object(" HOST_DATA_FIELDS(h) ")"
#define HOST_DATA_GONE(h) "json_build_object(" HOST_DATA_FIELDS(h) ", " GONE_FIELDS(h) ")"
#define HOST_DATA(h)                                                                     \
	"CASE WHEN " h                                                                   \
	".gone_at IS NULL THEN " HOST_DATA_LIVE(h) " ELSE " HOST_DATA_GONE(h) " END"

#define HOST_NODE(h) HOST_NODE_IN(h, "NULL")

/* The same node with a parent. */
#define HOST_NODE_IN(h, parent)                                                          \
	"json_build_object('id', 'h:' || " h ".id, 'kind', " h ".kind, 'label', " h      \
	".label, 'parent', " parent ", 'host_id', " h ".id, 'category', " h              \
	".category, 'ip', " h ".ip, 'stale', " h ".stale, 'data', " HOST_DATA(h) ")"

/* L2: the cables of the hosts shown, with the hosts at both ends; hosts
 * without a cable are left out (unlinked ports are not shown). lk: the
 * cables with a kept host at one end or both, tested against the kept hosts
 * hashed once (a join the planner might run as a loop over them). A cable one
 * of whose ends' switch reported that port's VLANs carries both ends' (native
 * pvid, tagged list; null when unknown) and vlans, every VLAN on either end;
 * other cables carry none of these keys. */
/* SQL laid out by hand: clang-format cuts it into pieces. */
// clang-format off
const char *const view_sql_l2 =
    "WITH "
    HOST_SEL
    ", lk AS (SELECT l.* FROM inv.links l WHERE l.network_id = $1 AND (l.a_host IN "
    "(SELECT id FROM sel) OR l.b_host IN (SELECT id FROM sel))), ls AS MATERIALIZED "
    "(SELECT l.*, fa.pvid AS a_pvid, fa.tagged_vlans AS a_tagged, fb.pvid AS b_pvid, "
    "fb.tagged_vlans AS b_tagged FROM lk l LEFT JOIN inv.interfaces fa ON fa.host_id "
    "= l.a_host AND fa.name = l.a_port LEFT JOIN inv.interfaces fb ON fb.host_id = "
    "l.b_host AND fb.name = l.b_port), ends AS (SELECT a_host AS id FROM ls UNION "
    "SELECT b_host FROM ls), "
    HOST_BASE("ends")
    " SELECT json_build_object('nodes', coalesce((SELECT json_agg("
    HOST_NODE("hb")
    " ORDER BY hb.label, hb.id) FROM hb WHERE "
    HB_IN("ends")
    "), '[]'), 'edges', coalesce((SELECT json_agg(json_build_object('id', 'l:' || "
    "ls.id, 'source', 'h:' || ls.a_host, 'target', 'h:' || ls.b_host, 'kind', "
    "'link', 'label', ls.a_port || ' - ' || ls.b_port, 'data', CASE WHEN ls.a_tagged "
    "IS NULL AND ls.b_tagged IS NULL THEN json_build_object('source_port', "
    "ls.a_port, 'target_port', ls.b_port, 'evidence', ls.source, 'last_seen', "
    "ls.last_seen) ELSE json_build_object('source_port', ls.a_port, 'target_port', "
    "ls.b_port, 'evidence', ls.source, 'last_seen', ls.last_seen, 'source_pvid', "
    "ls.a_pvid, 'source_tagged_vlans', ls.a_tagged, 'target_pvid', ls.b_pvid, "
    "'target_tagged_vlans', ls.b_tagged, 'vlans', ARRAY(SELECT DISTINCT x FROM "
    "unnest(ls.a_tagged || ls.a_pvid || ls.b_tagged || ls.b_pvid) x WHERE x IS NOT "
    "NULL ORDER BY 1)) END) ORDER BY ls.a_port, ls.b_port, ls.id) FROM ls), "
    "'[]'))::text";
// clang-format on

/* L3: subnets, the hosts in them (parent: the subnet of their lowest
 * address), routers joining subnets (gateway and route edges) and each
 * daemon's default route. */
/* L3's edges: a router's (or a subnet's gateway's) membership of a subnet,
 * with `host` (a relation and its id column) joined on the member (kind:
 * its kind) where `when`; a daemon's
 * default route, from the source, target and via columns given. Unfiltered
 * the network-wide rows are joined as they always were; filtered, through
 * the base tables and the two small sets dmem (the daemons' memberships) and
 * gw (the gateways'), which no join of large sets the planner expects to be
 * small can turn into a loop over one for each row of the other. */
#define L3_GATEWAY_EDGES(host, kind, when)                                               \
	"SELECT 'g:' || m.host_id || ':' || m.subnet_id AS id, json_build_object('id', " \
	"'g:' || m.host_id || ':' || m.subnet_id, 'source', 'h:' || m.host_id, "         \
	"'target', 's:' || m.subnet_id, 'kind', CASE WHEN sn.gateway = m.ip THEN "       \
	"'gateway' ELSE 'route' END, 'label', host(m.ip), 'data', "                      \
	"json_build_object('ip', host(m.ip))) AS e FROM mem m JOIN sn ON sn.id = "       \
	"m.subnet_id JOIN " host " = m.host_id WHERE " when " AND (" kind " = 'router' " \
	"OR sn.gateway = m.ip)"
#define L3_ROUTE_EDGES(src, dst, via)                                                    \
	"SELECT 'r:' || " src " || ':' || " dst ", json_build_object('id', 'r:' || " src \
	" || ':' || " dst ", 'source', 'h:' || " src ", 'target', 'h:' || " dst          \
	", 'kind', 'route', 'label', 'default route', 'data', "                          \
	"json_build_object('via', host(" via ")))"

/* L3's parts: the subnets' nodes; the hosts' nodes under the subnet of
 * their lowest address in one, from par unfiltered, else looked up per host
 * (the lowest address in a subnet shown); the daemons' default routes,
 * unfiltered from the network-wide memberships, else from dmem and gw. */
#define L3_SUBNET_NODES                                                                  \
	"SELECT 'subnet' AS k, sn.cidr::text AS label, 's:' || sn.id AS id, "            \
	"json_build_object('id', 's:' || sn.id, 'kind', 'subnet', 'label', "             \
	"sn.cidr::text, 'parent', NULL, 'host_id', NULL, 'category', NULL, 'ip', NULL, " \
	"'stale', sn.last_seen < now() - interval '7 days', 'data', "                    \
	"json_build_object('cidr', sn.cidr, 'type', sn.kind, 'gateway', "                \
	"host(sn.gateway), 'vlan_id', sn.vlan_id, 'source', sn.source)) AS n FROM sn"
#define L3_HOST_NODES_ALL                                                                \
	"SELECT hb.kind, hb.label, 'h:' || hb.id, " HOST_NODE_IN(                        \
	    "hb", "'s:' || par.subnet_id") " FROM hb JOIN par ON par.host_id = hb.id "   \
	                                   "WHERE " UNFILTERED
#define L3_HOST_NODES_KEPT                                                               \
	"SELECT hb.kind, hb.label, 'h:' || hb.id, " HOST_NODE_IN(                        \
	    "hb", "'s:' || p.subnet_id") " FROM hb JOIN LATERAL (SELECT a.subnet_id "    \
	                                 "FROM inv.addresses a WHERE a.host_id = hb.id " \
	                                 "AND a.network_id = $1 AND a.subnet_id IN "     \
	                                 "(SELECT id FROM sn) ORDER BY a.ip LIMIT 1) p " \
	                                 "ON true WHERE NOT " UNFILTERED
#define L3_ROUTES_ALL                                                                    \
	L3_ROUTE_EDGES("d.id", "g.host_id", "g.ip")                                      \
	" FROM hb d JOIN mem dm ON dm.host_id = d.id JOIN sn ON sn.id = dm.subnet_id "   \
	"AND sn.gateway IS NOT NULL JOIN mem g ON g.subnet_id = sn.id AND g.ip = "       \
	"sn.gateway AND g.host_id <> d.id WHERE " UNFILTERED " AND d.is_daemon"
#define L3_ROUTES_KEPT                                                                   \
	L3_ROUTE_EDGES("d.host_id", "g.host_id", "g.ip")                                 \
	" FROM dmem d JOIN gw g ON g.subnet_id = d.subnet_id AND g.host_id <> d.host_id"
#define L3_EDGES                                                                         \
	L3_GATEWAY_EDGES("hb ON hb.id", "hb.kind", UNFILTERED)                           \
	" UNION ALL " L3_GATEWAY_EDGES("inv.hosts h ON h.id", "h.kind",                  \
	                               "NOT " UNFILTERED) " UNION ALL " L3_ROUTES_ALL    \
	                                                  " UNION ALL " L3_ROUTES_KEPT

/* SQL laid out by hand: clang-format cuts it into pieces. */
// clang-format off
const char *const view_sql_l3 =
    "WITH "
    HOST_SEL
    ", sn AS MATERIALIZED (SELECT s.* FROM inv.subnets s WHERE s.network_id = $1 AND "
    "($2::cidr IS NULL OR s.cidr && $2::cidr) AND s.kind <> 'loopback'), mem AS "
    "MATERIALIZED (SELECT DISTINCT a.host_id, a.subnet_id, a.ip FROM inv.addresses a "
    "JOIN sel ON sel.id = a.host_id JOIN sn ON sn.id = a.subnet_id WHERE "
    "a.network_id = $1), mh AS (SELECT DISTINCT host_id AS id FROM mem), "
    HOST_BASE("mh")
    ", par AS MATERIALIZED (SELECT DISTINCT ON (host_id) host_id, subnet_id FROM mem "
    "ORDER BY host_id, ip), dmem AS MATERIALIZED (SELECT m.* FROM mem m JOIN "
    "inv.hosts d ON d.id = m.host_id WHERE NOT "
    UNFILTERED
    " AND d.is_daemon), gw AS MATERIALIZED (SELECT m.* FROM mem m JOIN sn ON sn.id = "
    "m.subnet_id AND m.ip = sn.gateway WHERE NOT "
    UNFILTERED
    "), nodes AS ("
    L3_SUBNET_NODES
    " UNION ALL "
    L3_HOST_NODES_ALL
    " UNION ALL "
    L3_HOST_NODES_KEPT
    "), edges AS ("
    L3_EDGES
    ") SELECT json_build_object('nodes', coalesce((SELECT json_agg(n ORDER BY k "
    "DESC, label, id) FROM nodes), '[]'), 'edges', coalesce((SELECT json_agg(e ORDER "
    "BY id) FROM edges), '[]'))::text";
// clang-format on

/* Workloads' host nodes: unfiltered, the hosts of the network used (in the
 * join the planner may skip when there are none); filtered, hb holds only
 * those. */
#define WORKLOAD_HOST_NODE                                                               \
	"SELECT 'h:' || hb.id AS id, " HOST_NODE_IN("hb", "'c:' || vmh.wid") " AS n "
#define WORKLOAD_HOST_NODES                                                              \
	WORKLOAD_HOST_NODE                                                               \
	"FROM hb JOIN used ON used.id = hb.id LEFT JOIN vmh ON "                         \
	"vmh.host_id = hb.id WHERE " UNFILTERED " UNION ALL " WORKLOAD_HOST_NODE         \
	"FROM hb LEFT JOIN vmh ON vmh.host_id = hb.id WHERE NOT " UNFILTERED

/* Workloads: hosts, the containers and VMs they run and the services of each.
 * vmh: the host a VM is (by its NICs' MACs), shown under its VM with its own
 * services. */
/* SQL laid out by hand: clang-format cuts it into pieces. */
// clang-format off
const char *const view_sql_workloads =
    "WITH "
    HOST_SEL
    ", ws AS MATERIALIZED (SELECT w.* FROM inv.workloads w JOIN sel ON sel.id = "
    "w.parent_host WHERE w.network_id = $1), vmh AS MATERIALIZED (SELECT DISTINCT ON "
    "(i.host_id) i.host_id, w.id AS wid FROM ws w CROSS JOIN LATERAL "
    "jsonb_array_elements(w.networks) n JOIN inv.host_identities i ON i.network_id = "
    "$1 AND i.kind = 'mac' AND i.value = n->>'mac' WHERE w.kind = 'vm' AND i.host_id "
    "<> w.parent_host ORDER BY i.host_id, w.last_seen DESC, w.id), sv AS "
    "MATERIALIZED (SELECT s.* FROM inv.services s JOIN sel ON sel.id = s.host_id "
    "WHERE $3::text IS NULL OR s.category = $3), wsv AS MATERIALIZED (SELECT w.id AS "
    "wid, x.s FROM ws w CROSS JOIN LATERAL jsonb_array_elements(w.services) x(s) "
    "WHERE $3::text IS NULL OR x.s->>'category' = $3), used AS (SELECT host_id AS id "
    "FROM sv UNION SELECT parent_host FROM ws UNION SELECT host_id FROM vmh), uh AS "
    "(SELECT used.id FROM used JOIN sel ON sel.id = used.id), "
    HOST_BASE("uh")
    ", nodes AS ("
    WORKLOAD_HOST_NODES
    " UNION ALL SELECT 'c:' || ws.id, json_build_object('id', 'c:' || ws.id, 'kind', "
    "ws.kind, 'label', coalesce(ws.name, ws.external_id), 'parent', 'h:' || "
    "ws.parent_host, 'host_id', ws.parent_host, 'category', NULL, 'ip', "
    "ws.networks->0->>'ip', 'stale', ws.last_seen < now() - interval '7 days', "
    "'data', json_build_object('image', ws.image, 'state', ws.state, 'project', "
    "ws.project, 'labels', ws.labels, 'ports', ws.ports, 'networks', ws.networks)) "
    "FROM ws UNION ALL SELECT 'v:' || sv.host_id || ':' || sv.protocol || ':' || "
    "sv.port || ':' || sv.definition_id, json_build_object('id', 'v:' || sv.host_id "
    "|| ':' || sv.protocol || ':' || sv.port || ':' || sv.definition_id, 'kind', "
    "'service', 'label', sv.name || ' ' || sv.port || '/' || sv.protocol, 'parent', "
    "'h:' || sv.host_id, 'host_id', sv.host_id, 'category', sv.category, 'ip', NULL, "
    "'stale', sv.last_seen < now() - interval '7 days', 'data', "
    "json_build_object('port', sv.port, 'protocol', sv.protocol, 'product', "
    "sv.product, 'version', sv.version, 'confidence', sv.confidence, "
    "'definition_id', sv.definition_id)) FROM sv UNION ALL SELECT 'v:' || wsv.wid || "
    "':' || (wsv.s->>'protocol') || ':' || (wsv.s->>'port') || ':' || "
    "(wsv.s->>'definition_id'), json_build_object('id', 'v:' || wsv.wid || ':' || "
    "(wsv.s->>'protocol') || ':' || (wsv.s->>'port') || ':' || "
    "(wsv.s->>'definition_id'), 'kind', 'service', 'label', (wsv.s->>'name') || ' ' "
    "|| (wsv.s->>'port') || '/' || (wsv.s->>'protocol'), 'parent', 'c:' || wsv.wid, "
    "'host_id', NULL, 'category', wsv.s->>'category', 'ip', NULL, 'stale', false, "
    "'data', wsv.s) FROM wsv), edges AS (SELECT 'run:' || ws.id AS id, "
    "json_build_object('id', 'run:' || ws.id, 'source', 'h:' || ws.parent_host, "
    "'target', 'c:' || ws.id, 'kind', 'runs', 'label', NULL, 'data', '{}'::json) AS "
    "e FROM ws UNION ALL SELECT 'run:' || vmh.host_id, json_build_object('id', "
    "'run:' || vmh.host_id, 'source', 'c:' || vmh.wid, 'target', 'h:' || "
    "vmh.host_id, 'kind', 'runs', 'label', NULL, 'data', '{}'::json) FROM vmh JOIN "
    "sel ON sel.id = vmh.host_id UNION ALL SELECT 'run:' || x.v, "
    "json_build_object('id', 'run:' || x.v, 'source', x.src, 'target', 'v:' || x.v, "
    "'kind', 'runs', 'label', NULL, 'data', '{}'::json) FROM (SELECT 'h:' || "
    "sv.host_id AS src, sv.host_id || ':' || sv.protocol || ':' || sv.port || ':' || "
    "sv.definition_id AS v FROM sv UNION ALL SELECT 'c:' || wsv.wid, wsv.wid || ':' "
    "|| (wsv.s->>'protocol') || ':' || (wsv.s->>'port') || ':' || "
    "(wsv.s->>'definition_id') FROM wsv) x) SELECT json_build_object('nodes', "
    "coalesce((SELECT json_agg(n ORDER BY id) FROM nodes), '[]'), 'edges', "
    "coalesce((SELECT json_agg(e ORDER BY id) FROM edges), '[]'))::text";
// clang-format on

/* Applications: each with its members (the containers scans put in it, and
 * the workloads, hosts and services users added) and the dependencies:
 * inferred between containers of one project, users' between applications
 * or their members. Edges and members say which they are (data.source:
 * inferred or user). A user's application shows even with no member. */
/* SQL laid out by hand: clang-format cuts it into pieces. */
// clang-format off
const char *const view_sql_applications =
    "WITH "
    HOST_SEL
    ", ap AS (SELECT a.*, coalesce(a.user_name, a.name) AS label FROM "
    "inv.applications a WHERE a.network_id = $1), mb AS MATERIALIZED (SELECT "
    "m.application_id, m.role, w.* FROM inv.application_members m JOIN ap ON ap.id = "
    "m.application_id JOIN inv.workloads w ON w.id = m.workload_id WHERE "
    "w.parent_host IS NULL OR w.parent_host IN (SELECT id FROM sel)), um AS "
    "MATERIALIZED (SELECT u.id, u.application_id, u.kind, u.role, u.protocol, "
    "u.port, u.workload_id, coalesce(u.host_id, w.parent_host) AS host, w.name AS "
    "w_name, w.external_id, w.image, w.networks, w.services AS w_services, "
    "w.last_seen AS w_seen FROM inv.application_user_members u JOIN ap ON ap.id = "
    "u.application_id LEFT JOIN inv.workloads w ON w.id = u.workload_id WHERE "
    "coalesce(u.host_id, w.parent_host) IS NULL OR coalesce(u.host_id, "
    "w.parent_host) IN (SELECT id FROM sel)), dp AS (SELECT d.* FROM "
    "inv.application_dependencies d WHERE d.network_id = $1), ap2 AS (SELECT * FROM "
    "ap WHERE ap.source = 'user' OR EXISTS (SELECT 1 FROM mb WHERE mb.application_id "
    "= ap.id) OR EXISTS (SELECT 1 FROM um WHERE um.application_id = ap.id) OR EXISTS "
    "(SELECT 1 FROM dp WHERE ap.id IN (dp.source_app, dp.target_app))), us AS "
    "(SELECT um.*, (SELECT json_build_object('name', s.name, 'category', s.category, "
    "'product', s.product, 'version', s.version, 'definition_id', s.definition_id, "
    "'last_seen', s.last_seen) FROM inv.services s WHERE s.host_id = um.host AND "
    "s.protocol = um.protocol AND s.port = um.port ORDER BY s.confidence DESC, "
    "s.definition_id LIMIT 1) AS svc FROM um WHERE um.application_id IN (SELECT id "
    "FROM ap2)), rh AS (SELECT parent_host AS id FROM mb WHERE parent_host IS NOT "
    "NULL UNION SELECT host FROM um WHERE host IS NOT NULL), "
    HOST_BASE("rh")
    ", nodes AS (SELECT 'a:' || ap2.id AS id, json_build_object('id', 'a:' || "
    "ap2.id, 'kind', 'application', 'label', ap2.label, 'parent', NULL, 'host_id', "
    "NULL, 'category', NULL, 'ip', NULL, 'stale', ap2.last_seen < now() - interval "
    "'7 days', 'data', json_build_object('application_id', ap2.id, 'source', "
    "ap2.source, 'discovered_name', ap2.name, 'description', ap2.description, "
    "'tags', ap2.tags)) AS n FROM ap2 UNION ALL SELECT 'c:' || mb.id, "
    "json_build_object('id', 'c:' || mb.id, 'kind', 'container', 'label', "
    "coalesce(mb.name, mb.external_id), 'parent', 'a:' || mb.application_id, "
    "'host_id', mb.parent_host, 'category', NULL, 'ip', mb.networks->0->>'ip', "
    "'stale', mb.last_seen < now() - interval '7 days', 'data', "
    "json_build_object('source', 'inferred', 'role', mb.role, 'image', mb.image, "
    "'host', coalesce(hb.user_name, hb.name), 'services', mb.services)) FROM mb LEFT "
    "JOIN hb ON hb.id = mb.parent_host UNION ALL SELECT 'u:' || us.id, "
    "json_build_object('id', 'u:' || us.id, 'kind', CASE us.kind WHEN 'workload' "
    "THEN 'container' ELSE us.kind END, 'label', CASE us.kind WHEN 'workload' THEN "
    "coalesce(us.w_name, us.external_id) WHEN 'host' THEN hb.label ELSE "
    "coalesce(us.svc->>'name', us.protocol) || ' ' || us.port || '/' || us.protocol "
    "END, 'parent', 'a:' || us.application_id, 'host_id', us.host, 'category', CASE "
    "us.kind WHEN 'host' THEN hb.category WHEN 'service' THEN us.svc->>'category' "
    "END, 'ip', CASE us.kind WHEN 'workload' THEN us.networks->0->>'ip' ELSE hb.ip "
    "END, 'stale', CASE us.kind WHEN 'workload' THEN us.w_seen < now() - interval '7 "
    "days' WHEN 'host' THEN hb.stale ELSE us.svc IS NULL OR "
    "(us.svc->>'last_seen')::timestamptz < now() - interval '7 days' END, 'data', "
    "json_build_object('source', 'user', 'member_id', us.id, 'member_kind', us.kind, "
    "'role', us.role, 'workload_id', us.workload_id, 'protocol', us.protocol, "
    "'port', us.port, 'image', us.image, 'host', hb.label, 'service', us.svc, "
    "'gone_at', CASE us.kind WHEN 'host' THEN hb.gone_at END, 'gone_reason', CASE "
    "us.kind WHEN 'host' THEN hb.gone_reason END)) FROM us LEFT JOIN hb ON hb.id = "
    "us.host), edges AS (SELECT 'm:' || mb.application_id || ':' || mb.id AS id, "
    "json_build_object('id', 'm:' || mb.application_id || ':' || mb.id, 'source', "
    "'a:' || mb.application_id, 'target', 'c:' || mb.id, 'kind', 'member', 'label', "
    "mb.role, 'data', json_build_object('source', 'inferred')) AS e FROM mb UNION "
    "ALL SELECT 'um:' || us.id, json_build_object('id', 'um:' || us.id, 'source', "
    "'a:' || us.application_id, 'target', 'u:' || us.id, 'kind', 'member', 'label', "
    "us.role, 'data', json_build_object('source', 'user')) FROM us UNION ALL SELECT "
    "'d:' || e.source_id || ':' || e.target_id, json_build_object('id', 'd:' || "
    "e.source_id || ':' || e.target_id, 'source', 'c:' || e.source_id, 'target', "
    "'c:' || e.target_id, 'kind', e.kind, 'label', NULL, 'data', "
    "json_build_object('source', CASE WHEN e.inferred THEN 'inferred' ELSE 'user' "
    "END, 'inferred', e.inferred, 'reason', e.reason)) FROM inv.application_edges e "
    "JOIN ap2 ON ap2.id = e.application_id WHERE e.source_id IN (SELECT id FROM mb) "
    "AND e.target_id IN (SELECT id FROM mb) UNION ALL SELECT 'dep:' || dp.id, "
    "json_build_object('id', 'dep:' || dp.id, 'source', CASE WHEN dp.source_member "
    "IN (SELECT id FROM us) THEN 'u:' || dp.source_member ELSE 'a:' || dp.source_app "
    "END, 'target', CASE WHEN dp.target_member IN (SELECT id FROM us) THEN 'u:' || "
    "dp.target_member ELSE 'a:' || dp.target_app END, 'kind', 'depends', 'label', "
    "coalesce(dp.description, nullif(dp.kind, 'depends')), 'data', "
    "json_build_object('source', 'user', 'inferred', false, 'dependency_id', dp.id, "
    "'relation', dp.kind, 'description', dp.description)) FROM dp WHERE "
    "dp.source_app IN (SELECT id FROM ap2) AND dp.target_app IN (SELECT id FROM "
    "ap2)) SELECT json_build_object('nodes', coalesce((SELECT json_agg(n ORDER BY "
    "id) FROM nodes), '[]'), 'edges', coalesce((SELECT json_agg(e ORDER BY id) FROM "
    "edges), '[]'))::text";
// clang-format on

/* The view as the topology service rendered it ahead ($1 network, $2 view),
 * if no node's stale flag has flipped since, it has every user's edit (0016),
 * and it is current (of the network's generation) or, when $3 (milliseconds)
 * is not NULL, rendered at most $3 ago; when $4, only if no host was stale
 * (0023). Its tag (a weak ETag) changes with each rendering; then how many
 * generations it is behind and how old it is (milliseconds since the
 * snapshot it was rendered from). */
const char *const view_sql_cached =
    "SELECT 'W/\"v' || c.generation || '.' || (extract(epoch FROM c.built_at) * "
    "1000000)::bigint || '\"', c.doc, (s.generation - c.generation)::text, "
    "greatest(0, (extract(epoch FROM now() - c.built_at) * 1000)::bigint)::text "
    "FROM "
    "inv.view_cache c JOIN inv.view_state s ON s.network_id = c.network_id AND "
    "c.generation >= s.user_generation AND (s.generation = c.generation OR "
    "c.built_at >= now() - $3::bigint * interval '1 millisecond') WHERE "
    "c.network_id = $1 AND c.view = $2 AND (c.fresh_until IS NULL OR "
    "c.fresh_until > now()) AND ($4::boolean IS NOT TRUE OR c.stale_hosts = false)";
