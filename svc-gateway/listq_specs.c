/* The inventory's resources as list-query descriptions (listq.h): what a row
 * holds, the filters and the sort keys each list takes. */
#include "listq.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NETWORK(alias)                                                                   \
	{                                                                                \
		"network_id", LQ_UUID, alias ".network_id = $?::uuid"                    \
	}
#define HOST_NAME(id)                                                                    \
	"(SELECT coalesce(h.user_name, h.name) FROM inv.hosts h WHERE h.id = " id ")"
#define SEEN(alias) alias ".first_seen, " alias ".last_seen"
#define SORT_SEEN                                                                        \
	{"last_seen", "x.last_seen, x.first_seen"},                                      \
	    {"-last_seen", "x.last_seen DESC, x.first_seen DESC"},                       \
	    {"first_seen", "x.first_seen, x.last_seen"},                                 \
	{                                                                                \
		"-first_seen", "x.first_seen DESC, x.last_seen DESC"                     \
	}

/* hostname: what the user typed, else the best discovered name. interfaces:
 * one per address (with its MAC and subnet); links: this host's cables. */
static const struct listq_filter host_filters[] = {
    NETWORK("h"),
    {"stale", LQ_BOOL, "(h.last_seen < now() - interval '7 days') = $?::boolean"},
    {"kind", LQ_TEXT, "h.kind = $?"},
    /* Every tag asked for (the GIN index on tagged hosts serves @>; at
     * least one tag is asked, so the host has tags). */
    {"tag", LQ_TAGS, "(h.tags @> $?::text[] AND h.tags <> '{}')"},
};
static const struct listq_sort host_sorts[] = {
    {"ip", "x.sort_ip NULLS LAST, x.id"},
    {"-ip", "x.sort_ip DESC NULLS LAST, x.id"},
    {"name", "lower(x.hostname) NULLS LAST, x.sort_ip NULLS LAST, x.id"},
    {"-name", "lower(x.hostname) DESC NULLS LAST, x.sort_ip NULLS LAST, x.id"},
    {"last_seen", "x.last_seen, x.id"},
    {"-last_seen", "x.last_seen DESC, x.id"},
    {"first_seen", "x.first_seen, x.id"},
    {"-first_seen", "x.first_seen DESC, x.id"},
};
const struct listq_spec listq_hosts = {
    .what = "hosts",
    .select =
        "SELECT (SELECT min(a.ip) FROM inv.addresses a WHERE a.host_id = h.id) AS "
        "sort_ip, h.id, h.network_id, coalesce(h.user_name, h.name) AS hostname, "
        "h.name AS discovered_name, h.user_name, h.tags, h.kind, h.last_seen < now() - "
        "interval '7 days' AS stale, (SELECT coalesce(json_agg(json_build_object('ip', "
        "host(a.ip), 'mac', a.mac::text, 'subnet', s.cidr::text, 'name', (SELECT "
        "f.name FROM inv.interfaces f WHERE f.host_id = h.id AND f.mac = a.mac LIMIT "
        "1)) ORDER BY a.ip), '[]') FROM inv.addresses a LEFT JOIN inv.subnets s ON "
        "s.id = a.subnet_id WHERE a.host_id = h.id) AS interfaces, coalesce((SELECT "
        "json_agg(json_build_object('protocol', p.protocol, 'port', p.port, "
        "'status', p.status) ORDER BY p.protocol, p.port) FROM inv.ports p WHERE "
        "p.host_id = h.id), '[]') AS ports, coalesce((SELECT "
        "json_agg(json_build_object('name', s.name, 'definition_id', "
        "s.definition_id, 'category', s.category, 'protocol', s.protocol, 'port', "
        "s.port, 'product', s.product, 'version', s.version, 'confidence', "
        "s.confidence, 'evidence', s.evidence) ORDER BY s.protocol, s.port) FROM "
        "inv.services s WHERE s.host_id = h.id), '[]') AS services, "
        "coalesce((SELECT json_agg(json_build_object('port', CASE WHEN l.a_host = "
        "h.id THEN l.a_port ELSE l.b_port END, 'peer_host_id', CASE WHEN l.a_host = "
        "h.id THEN l.b_host ELSE l.a_host END, 'peer', (SELECT coalesce(o.user_name, "
        "o.name) FROM inv.hosts o WHERE o.id = CASE WHEN l.a_host = h.id THEN "
        "l.b_host ELSE l.a_host END), 'peer_port', CASE WHEN l.a_host = h.id THEN "
        "l.b_port ELSE l.a_port END, 'source', l.source) ORDER BY l.a_port, "
        "l.b_port) FROM inv.links l WHERE l.a_host = h.id OR l.b_host = h.id), "
        "'[]') AS links, " SEEN("h") " FROM inv.hosts h",
    .by_id = "h.id = $?::uuid",
    .q = "strpos(lower(coalesce(h.user_name, '') || ' ' || coalesce(h.name, '')), "
         "lower($?)) > 0 OR EXISTS (SELECT 1 FROM inv.addresses a WHERE a.host_id = "
         "h.id AND strpos(host(a.ip), $?) > 0)",
    .filters = host_filters,
    .nfilters = N(host_filters),
    .sorts = host_sorts,
    .nsorts = N(host_sorts),
};

static const struct listq_filter subnet_filters[] = {
    NETWORK("s"),
    {"type", LQ_TEXT, "s.kind = $?"},
    {"vlan", LQ_INT, "s.vlan_id = $?::int"},
    {"source", LQ_TEXT, "s.source = $?"},
};
static const struct listq_sort subnet_sorts[] = {
    {"cidr", "x.cidr::cidr, x.id"},
    {"-cidr", "x.cidr::cidr DESC, x.id"},
    {"vlan", "x.vlan_id NULLS LAST, x.cidr::cidr"},
    {"hosts", "x.hosts, x.cidr::cidr"},
    {"-hosts", "x.hosts DESC, x.cidr::cidr"},
    SORT_SEEN,
};
const struct listq_spec listq_subnets = {
    .what = "subnet",
    .select = "SELECT s.id, s.network_id, s.cidr::text AS cidr, s.kind AS type, "
              "s.vlan_id, host(s.gateway) AS gateway, s.source, (SELECT count(DISTINCT "
              "a.host_id) FROM inv.addresses a WHERE a.subnet_id = s.id)::int AS hosts, "
              "(SELECT v.name FROM inv.vlans v WHERE v.network_id = s.network_id AND "
              "v.outer_vlan_id = 0 AND v.vlan_id = s.vlan_id) AS vlan_name, " SEEN(
                  "s") " FROM inv.subnets s",
    .by_id = "s.id = $?::uuid",
    .q = "strpos(s.cidr::text, $?) > 0",
    .filters = subnet_filters,
    .nfilters = N(subnet_filters),
    .sorts = subnet_sorts,
    .nsorts = N(subnet_sorts),
};

static const struct listq_filter interface_filters[] = {
    NETWORK("f"),
    {"host_id", LQ_UUID, "f.host_id = $?::uuid"},
    {"mac", LQ_TEXT, "f.mac::text = lower($?)"},
    /* native or tagged on the port */
    {"vlan", LQ_INT, "(f.pvid = $?::int OR f.tagged_vlans @> ARRAY[$?::int])"},
};
static const struct listq_sort interface_sorts[] = {
    {"host", "x.host NULLS LAST, x.name NULLS LAST, x.id"},
    {"-host", "x.host DESC NULLS LAST, x.name NULLS LAST, x.id"},
    {"name", "x.name NULLS LAST, x.host NULLS LAST, x.id"},
    {"mac", "x.mac NULLS LAST, x.id"},
    SORT_SEEN,
};
const struct listq_spec listq_interfaces = {
    .what = "interface",
    .select = "SELECT f.id, f.network_id, f.host_id, " HOST_NAME(
        "f.host_id") " AS host, f.name, f.mac::text AS mac, f.if_index, f.if_type, "
                     "f.source, f.pvid, f.tagged_vlans, f.vlans_source, f.vlans_seen, "
                     "coalesce((SELECT json_agg(host(a.ip) ORDER BY a.ip) "
                     "FROM inv.addresses a WHERE a.host_id = f.host_id AND a.mac = "
                     "f.mac), '[]') AS addresses, " SEEN("f") " FROM inv.interfaces f",
    .by_id = "f.id = $?::uuid",
    .q = "strpos(lower(coalesce(f.name, '') || ' ' || coalesce(f.mac::text, '')), "
         "lower($?)) > 0",
    .filters = interface_filters,
    .nfilters = N(interface_filters),
    .sorts = interface_sorts,
    .nsorts = N(interface_sorts),
};

/* The network's VLANs: outer_vlan_id 0 for a VLAN of its own, else the QinQ
 * S-VLAN this C-VLAN was heard in; ports: interfaces carrying it (native or
 * tagged); addresses: addresses last heard tagged with it. */
static const struct listq_filter vlan_filters[] = {
    NETWORK("v"),
    {"vlan", LQ_INT, "v.vlan_id = $?::int"},
    {"outer_vlan_id", LQ_INT, "v.outer_vlan_id = $?::int"},
};
static const struct listq_sort vlan_sorts[] = {
    {"vlan", "x.outer_vlan_id, x.vlan_id, x.network_id"},
    {"-vlan", "x.outer_vlan_id DESC, x.vlan_id DESC, x.network_id"},
    SORT_SEEN,
};
const struct listq_spec listq_vlans = {
    .what = "vlan",
    .select = "SELECT v.network_id, v.vlan_id, v.outer_vlan_id, v.name, CASE WHEN "
              "v.outer_vlan_id = 0 THEN (SELECT count(*) FROM inv.interfaces f WHERE "
              "f.network_id = v.network_id AND (f.pvid = v.vlan_id OR f.tagged_vlans "
              "@> ARRAY[v.vlan_id])) ELSE 0 END::int AS ports, (SELECT count(*) "
              "FROM inv.addresses a WHERE a.network_id = v.network_id AND a.vlan_id "
              "= CASE WHEN v.outer_vlan_id = 0 THEN v.vlan_id ELSE v.outer_vlan_id "
              "END AND (v.outer_vlan_id = 0 OR a.inner_vlan_id = v.vlan_id))::int "
              "AS addresses, " SEEN("v") " FROM inv.vlans v",
    .by_id = NULL,
    .q = "strpos(v.vlan_id::text || ' ' || coalesce(v.name, ''), $?) > 0",
    .filters = vlan_filters,
    .nfilters = N(vlan_filters),
    .sorts = vlan_sorts,
    .nsorts = N(vlan_sorts),
};

static const struct listq_filter port_filters[] = {
    NETWORK("h"),
    {"host_id", LQ_UUID, "p.host_id = $?::uuid"},
    {"protocol", LQ_TEXT, "p.protocol = $?"},
    {"port", LQ_INT, "p.port = $?::int"},
    {"status", LQ_TEXT, "p.status = $?"},
};
static const struct listq_sort port_sorts[] = {
    {"port", "x.port, x.protocol, x.host NULLS LAST, x.host_id"},
    {"-port", "x.port DESC, x.protocol, x.host NULLS LAST, x.host_id"},
    {"host", "x.host NULLS LAST, x.host_id, x.protocol, x.port"},
    SORT_SEEN,
};
const struct listq_spec listq_ports = {
    .what = "ports",
    .select = "SELECT p.host_id, h.network_id, coalesce(h.user_name, h.name) AS host, "
              "p.protocol, p.port, p.status, host(p.ip) AS ip, " SEEN(
                  "p") " FROM inv.ports p JOIN inv.hosts h ON h.id = p.host_id",
    .q = "strpos(lower(coalesce(h.user_name, h.name, '')), lower($?)) > 0 OR "
         "strpos(coalesce(host(p.ip), ''), $?) > 0",
    .filters = port_filters,
    .nfilters = N(port_filters),
    .sorts = port_sorts,
    .nsorts = N(port_sorts),
};

static const struct listq_filter service_filters[] = {
    NETWORK("h"),
    {"host_id", LQ_UUID, "s.host_id = $?::uuid"},
    {"category", LQ_TEXT, "s.category = $?"},
    {"definition_id", LQ_TEXT, "s.definition_id = $?"},
    {"protocol", LQ_TEXT, "s.protocol = $?"},
    {"port", LQ_INT, "s.port = $?::int"},
};
static const struct listq_sort service_sorts[] = {
    {"name", "lower(x.name), x.host NULLS LAST, x.host_id, x.port"},
    {"-name", "lower(x.name) DESC, x.host NULLS LAST, x.host_id, x.port"},
    {"port", "x.port, x.protocol, x.host NULLS LAST, x.host_id"},
    {"category", "x.category NULLS LAST, lower(x.name), x.host_id, x.port"},
    {"confidence", "x.confidence, lower(x.name), x.host_id, x.port"},
    {"-confidence", "x.confidence DESC, lower(x.name), x.host_id, x.port"},
    SORT_SEEN,
};
const struct listq_spec listq_services = {
    .what = "services",
    .select = "SELECT s.host_id, h.network_id, coalesce(h.user_name, h.name) AS host, "
              "s.protocol, s.port, s.name, s.definition_id, s.category, s.product, "
              "s.version, s.confidence, s.evidence, " SEEN(
                  "s") " FROM inv.services s JOIN inv.hosts h ON h.id = s.host_id",
    .q = "strpos(lower(s.name || ' ' || s.definition_id || ' ' || coalesce(s.product, "
         "'')), lower($?)) > 0",
    .filters = service_filters,
    .nfilters = N(service_filters),
    .sorts = service_sorts,
    .nsorts = N(service_sorts),
};

static const struct listq_filter link_filters[] = {
    NETWORK("l"),
    {"host_id", LQ_UUID, "$?::uuid IN (l.a_host, l.b_host)"},
    {"source", LQ_TEXT, "l.source = $?"},
};
static const struct listq_sort link_sorts[] = {
    {"a_host", "x.a_host NULLS LAST, x.a_port, x.id"},
    {"b_host", "x.b_host NULLS LAST, x.b_port, x.id"},
    {"source", "x.source, x.a_host NULLS LAST, x.a_port, x.id"},
    SORT_SEEN,
};
/* The hosts at both ends of a cable, by name. */
#define LINK_ENDS                                                                        \
	HOST_NAME("l.a_host")                                                            \
	" AS a_host, l.a_port, l.b_host AS b_host_id, " HOST_NAME("l.b_host") " AS "     \
	                                                                      "b_host"
const struct listq_spec listq_links = {
    .what = "link",
    .select = "SELECT l.id, l.network_id, l.a_host AS a_host_id, " LINK_ENDS
              ", l.b_port, l.source, " SEEN("l") " FROM inv.links l",
    .by_id = "l.id = $?::uuid",
    .q = "strpos(lower(l.a_port || ' ' || l.b_port), lower($?)) > 0 OR EXISTS (SELECT 1 "
         "FROM inv.hosts h WHERE h.id IN (l.a_host, l.b_host) AND "
         "strpos(lower(coalesce(h.user_name, h.name, '')), lower($?)) > 0)",
    .filters = link_filters,
    .nfilters = N(link_filters),
    .sorts = link_sorts,
    .nsorts = N(link_sorts),
};

static const struct listq_filter workload_filters[] = {
    NETWORK("w"),
    {"kind", LQ_TEXT, "w.kind = $?"},
    {"parent_host_id", LQ_UUID, "w.parent_host = $?::uuid"},
    {"state", LQ_TEXT, "w.state = $?"},
    {"project", LQ_TEXT, "w.project = $?"},
};
static const struct listq_sort workload_sorts[] = {
    {"name", "x.name NULLS LAST, x.id"},
    {"-name", "x.name DESC NULLS LAST, x.id"},
    {"image", "x.image NULLS LAST, x.name NULLS LAST, x.id"},
    {"kind", "x.kind, x.name NULLS LAST, x.id"},
    SORT_SEEN,
};
const struct listq_spec listq_workloads = {
    .what = "workload",
    .select = "SELECT w.id, w.network_id, w.kind, w.external_id, w.parent_host AS "
              "parent_host_id, " HOST_NAME(
                  "w.parent_host") " AS parent_host, w.name, w.image, w.state, "
                                   "w.project, w.labels, w.ports, w.networks, "
                                   "w.services, " SEEN("w") " FROM inv.workloads w",
    .by_id = "w.id = $?::uuid",
    .q = "strpos(lower(coalesce(w.name, '') || ' ' || coalesce(w.image, '')), "
         "lower($?)) > 0",
    .filters = workload_filters,
    .nfilters = N(workload_filters),
    .sorts = workload_sorts,
    .nsorts = N(workload_sorts),
};

static const struct listq_filter application_filters[] = {
    NETWORK("a"),
    {"source", LQ_TEXT, "a.source = $?"},
    {"tag", LQ_TEXT, "$? = ANY (a.tags)"},
};
static const struct listq_sort application_sorts[] = {
    {"name", "lower(x.name), x.id"},
    {"-name", "lower(x.name) DESC, x.id"},
    SORT_SEEN,
};
/* An application: its users' own fields (name, description, tags) over what
 * scans found; members inferred from scans and those users added (a
 * workload, a host, or a service of a host by protocol and port); and the
 * dependencies it takes part in, inferred between its containers or drawn by
 * users between applications (or their members). */
#define APP_HOST_LABEL(h)                                                                \
	"coalesce(" h ".user_name, " h ".name, (SELECT host(min(ad.ip)) FROM "           \
	"inv.addresses ad WHERE ad.host_id = " h ".id))"
#define APP_MEMBERS                                                                      \
	"(coalesce((SELECT jsonb_agg(jsonb_build_object('id', NULL, 'kind', "            \
	"'workload', 'source', 'inferred', 'workload_id', m.workload_id, 'host_id', "    \
	"w.parent_host, 'name', w.name, 'image', w.image, 'role', m.role) ORDER BY "     \
	"w.name, w.id) FROM inv.application_members m JOIN inv.workloads w ON w.id = "   \
	"m.workload_id WHERE m.application_id = a.id), '[]') || coalesce((SELECT "       \
	"jsonb_agg(jsonb_build_object('id', u.id, 'kind', u.kind, 'source', 'user', "    \
	"'workload_id', u.workload_id, 'host_id', coalesce(u.host_id, w.parent_host), "  \
	"'protocol', u.protocol, 'port', u.port, 'name', CASE u.kind WHEN 'workload' "   \
	"THEN coalesce(w.name, w.external_id) WHEN 'host' THEN " APP_HOST_LABEL(         \
	    "h") " ELSE coalesce((SELECT s.name FROM inv.services s WHERE s.host_id = "  \
	         "u.host_id AND s.protocol = u.protocol AND s.port = u.port ORDER BY "   \
	         "s.confidence DESC, s.definition_id LIMIT 1), u.protocol || '/' || "    \
	         "u.port) || ' on ' || " APP_HOST_LABEL(                                 \
	             "h") " END, 'image', w.image, 'role', u.role, 'added_at', "         \
	                  "u.added_at) ORDER BY u.added_at, u.id) FROM "                 \
	                  "inv.application_user_members u LEFT JOIN inv.workloads w ON " \
	                  "w.id = u.workload_id LEFT JOIN inv.hosts h ON h.id = "        \
	                  "u.host_id WHERE u.application_id = a.id), '[]')) AS members"
#define APP_DEPENDENCIES                                                                 \
	"(coalesce((SELECT jsonb_agg(jsonb_build_object('id', NULL, 'source', "          \
	"e.source_id, 'target', e.target_id, 'kind', e.kind, 'inferred', e.inferred, "   \
	"'reason', e.reason) ORDER BY e.source_id, e.target_id) FROM "                   \
	"inv.application_edges e WHERE e.application_id = a.id), '[]') || "              \
	"coalesce((SELECT jsonb_agg(jsonb_build_object('id', d.id, 'source', "           \
	"coalesce(d.source_member, d.source_app), 'target', coalesce(d.target_member, "  \
	"d.target_app), 'kind', d.kind, 'inferred', false, 'reason', "                   \
	"coalesce(d.description, 'drawn by a user'), 'description', d.description, "     \
	"'source_application_id', d.source_app, 'source_application', (SELECT "          \
	"coalesce(o.user_name, o.name) FROM inv.applications o WHERE o.id = "            \
	"d.source_app), 'target_application_id', d.target_app, 'target_application', "   \
	"(SELECT coalesce(o.user_name, o.name) FROM inv.applications o WHERE o.id = "    \
	"d.target_app), 'source_member_id', d.source_member, 'target_member_id', "       \
	"d.target_member, 'created_at', d.created_at) ORDER BY d.created_at, d.id) "     \
	"FROM inv.application_dependencies d WHERE a.id IN (d.source_app, "              \
	"d.target_app)), '[]')) AS dependencies"
const struct listq_spec listq_applications = {
    .what = "application",
    .select =
        "SELECT a.id, a.network_id, coalesce(a.user_name, a.name) AS name, a.name "
        "AS discovered_name, a.user_name, a.description, a.tags, a.source, " APP_MEMBERS
        ", " APP_DEPENDENCIES ", " SEEN("a") " FROM inv.applications a",
    .by_id = "a.id = $?::uuid",
    .q = "strpos(lower(coalesce(a.user_name, '') || ' ' || a.name || ' ' || "
         "coalesce(a.description, '')), lower($?)) > 0",
    .filters = application_filters,
    .nfilters = N(application_filters),
    .sorts = application_sorts,
    .nsorts = N(application_sorts),
};
