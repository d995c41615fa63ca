/* Hosts and their names: answers to probes, the daemon's own report, name
 * records, SNMP system groups and TLS certificates. */
#include "apply_internal.h"
#include "changes.h"
#include "resolve.h"
#include "sc_pg.h"
#include "sightings.h"
#include "wbuf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *evidence_name(Scanopy__V1__Evidence e)
{
	static const char *const names[] = {
	    "unknown", "arp",  "icmp", "tcp",    "udp", "passive", "mdns", "ssdp",
	    "netbios", "snmp", "lldp", "docker", "dns", "dhcp",    "ndp"};
	return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "unknown";
}

int host_set_name(struct batch_ctx *b, const char *host, const char *name,
                  const char *source, int rank)
{
	if (!name || !*name)
		return 0;
	char r[8];
	snprintf(r, sizeof r, "%d", rank);
	const char *p[] = {host, name, source, r, b->seen, b->daemon};
	return batch_exec(
	    b,
	    "UPDATE inv.hosts SET name = $2, name_source = $3, name_rank = $4, name_at = "
	    "to_timestamp($5), provenance = provenance || jsonb_build_object('name', "
	    "jsonb_build_object('daemon', $6::text, 'evidence', $3::text, 'at', "
	    "to_timestamp($5))) WHERE id = $1 AND (name_rank < $4 OR (name_rank = $4 AND "
	    "(coalesce(name_at, '-infinity'), coalesce(name, '')) < (to_timestamp($5), "
	    "$2)))",
	    6, p);
}

int apply_host_seen(struct batch_ctx *b, const Scanopy__V1__HostSeen *h)
{
	struct ident_set s = {.self = false};
	char id[HOST_ID_LEN];
	const char *ev = evidence_name(h->evidence);
	if (!ident_add_ip(&s, h->ip, ev))
		return 0;
	ident_add_mac(&s, h->mac, ev);
	int rc = resolve_host(b, &s, ev, id);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (sightings_note(b, s.key[0].value, h->evidence, h->vlan_id, h->inner_vlan_id))
		return -1;
	return h->ttl ? wb_address_ttl(b, s.key[0].value, h->ttl) : 0;
}

static const char *subnet_kind(Scanopy__V1__InterfaceType t)
{
	switch (t) {
	case SCANOPY__V1__INTERFACE_TYPE__IFTYPE_WIFI:
		return "wifi";
	case SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VPN:
		return "vpn";
	case SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE:
		return "docker_bridge";
	case SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VLAN:
		return "vlan";
	case SCANOPY__V1__INTERFACE_TYPE__IFTYPE_BRIDGE:
		return "bridge";
	case SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VIRTUAL:
		return "virtual";
	default:
		return "lan";
	}
}

/* One interface of a host, by name; its MAC and index fill in. */
static int keep_interface(struct batch_ctx *b, const char *host, const char *name,
                          const char *mac, const char *if_index, const char *type,
                          const char *source)
{
	const char *p[] = {b->org,   b->network, host,   name,      mac,
	                   if_index, type,       source, b->daemon, b->seen};
	if (name && *name)
		return batch_exec(
		    b,
		    "WITH gone AS (DELETE FROM inv.interfaces WHERE host_id = $3 AND "
		    "name IS "
		    "NULL AND mac = $5::macaddr) INSERT INTO inv.interfaces (org_id, "
		    "network_id, host_id, name, mac, if_index, if_type, source, "
		    "daemon_id, "
		    "first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
		    "to_timestamp($10), to_timestamp($10)) ON CONFLICT (host_id, name) "
		    "WHERE "
		    "name IS NOT NULL DO UPDATE SET mac = coalesce(EXCLUDED.mac, "
		    "inv.interfaces.mac), if_index = coalesce(EXCLUDED.if_index, "
		    "inv.interfaces.if_index), if_type = coalesce(EXCLUDED.if_type, "
		    "inv.interfaces.if_type), last_seen = "
		    "GREATEST(inv.interfaces.last_seen, "
		    "EXCLUDED.last_seen)",
		    10, p);
	return 0;
}

int apply_self_report(struct batch_ctx *b, const Scanopy__V1__SelfReport *sr)
{
	struct ident_set s = {.self = true};
	char id[HOST_ID_LEN];
	for (size_t i = 0; i < sr->n_interfaces; i++) {
		const Scanopy__V1__DaemonInterface *ifc = sr->interfaces[i];
		if (ifc->type == SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LOOPBACK ||
		    ifc->type == SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE)
			continue;
		ident_add_mac(&s, ifc->mac, "self_report");
		for (size_t j = 0; j < ifc->n_addresses; j++)
			ident_add_ip(&s, ifc->addresses[j]->ip, "self_report");
	}
	int rc = resolve_host(b, &s, "self_report", id);
	if (rc)
		return rc < 0 ? -1 : 0;
	const char *hp[] = {id, sr->os, b->daemon, b->seen};
	if (host_set_name(b, id, sr->hostname, "self", RANK_SELF) ||
	    batch_exec(
	        b,
	        "UPDATE inv.hosts SET is_daemon = true, os = coalesce($2, os), "
	        "provenance = provenance || jsonb_build_object('is_daemon', "
	        "jsonb_build_object('daemon', $3::text, 'evidence', 'self_report', "
	        "'at', to_timestamp($4))) WHERE id = $1",
	        4, hp))
		return -1;
	for (size_t i = 0; i < sr->n_interfaces; i++) {
		const Scanopy__V1__DaemonInterface *ifc = sr->interfaces[i];
		if (ifc->type == SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LOOPBACK)
			continue;
		char idx[12], mac[18];
		snprintf(idx, sizeof idx, "%u", ifc->index);
		bool has_mac = ifc->mac && ident_mac_normalise(ifc->mac, mac) == 0;
		if (keep_interface(b, id, ifc->name, has_mac ? mac : NULL,
		                   ifc->has_index ? idx : NULL, subnet_kind(ifc->type),
		                   "self_report"))
			return -1;
		for (size_t j = 0; j < ifc->n_addresses; j++) {
			const Scanopy__V1__InterfaceAddress *a = ifc->addresses[j];
			/* Link-local ranges are on every link: no subnet. */
			if (!a->subnet || !*a->subnet ||
			    !strncasecmp(a->subnet, "fe80:", 5) ||
			    !strncmp(a->subnet, "169.254.", 8))
				continue;
			char vlan[12];
			snprintf(vlan, sizeof vlan, "%u", ifc->vlan_id);
			/* The default gateway inside this subnet, if any. */
			const char *gw = NULL;
			for (size_t g = 0; g < sr->n_default_gateways && !gw; g++) {
				const char *gp[] = {sr->default_gateways[g], a->subnet};
				PGresult *r =
				    batch_query(b, "SELECT $1::inet << $2::cidr", 2, gp);
				if (!r)
					return -1;
				if (!strcmp(PQgetvalue(r, 0, 0), "t"))
					gw = sr->default_gateways[g];
				PQclear(r);
			}
			const char *p[] = {b->org,
			                   b->network,
			                   a->subnet,
			                   subnet_kind(ifc->type),
			                   ifc->vlan_id ? vlan : NULL,
			                   gw,
			                   b->seen};
			if (batch_exec(
			        b,
			        "INSERT INTO inv.subnets (org_id, network_id, cidr, "
			        "kind, "
			        "vlan_id, gateway, source, first_seen, last_seen) VALUES "
			        "($1, "
			        "$2, $3, $4, $5, $6, 'self_report', to_timestamp($7), "
			        "to_timestamp($7)) ON CONFLICT (network_id, cidr) DO "
			        "UPDATE SET "
			        "kind = EXCLUDED.kind, source = 'self_report', gateway = "
			        "coalesce(EXCLUDED.gateway, inv.subnets.gateway), "
			        "vlan_id = "
			        "coalesce(EXCLUDED.vlan_id, inv.subnets.vlan_id), "
			        "last_seen = "
			        "GREATEST(inv.subnets.last_seen, EXCLUDED.last_seen)",
			        7, p))
				return -1;
		}
	}
	/* Each gateway is a host too: the daemon's first hop. */
	for (size_t g = 0; g < sr->n_default_gateways; g++) {
		char gid[HOST_ID_LEN];
		if (resolve_ip(b, sr->default_gateways[g], "self_report", gid) < 0)
			return -1;
	}
	b->touched_hosts = true;
	b->touched_l3_all = true;
	return apply_vm_nics(b, id, sr);
}

int apply_name(struct batch_ctx *b, const Scanopy__V1__NameRecord *n)
{
	static const struct {
		const char *source;
		int rank;
	} src[] = {
	    [SCANOPY__V1__NAME_SOURCE__NAME_RDNS] = {"dns", RANK_DNS},
	    [SCANOPY__V1__NAME_SOURCE__NAME_MDNS] = {"mdns", RANK_MDNS},
	    [SCANOPY__V1__NAME_SOURCE__NAME_NETBIOS] = {"netbios", RANK_NETBIOS},
	    [SCANOPY__V1__NAME_SOURCE__NAME_SSDP] = {"ssdp", RANK_SSDP},
	    [SCANOPY__V1__NAME_SOURCE__NAME_DHCP] = {"dhcp", RANK_DHCP},
	    [SCANOPY__V1__NAME_SOURCE__NAME_SNMP] = {"snmp", RANK_SNMP},
	    [SCANOPY__V1__NAME_SOURCE__NAME_LLDP] = {"lldp", RANK_LLDP},
	    [SCANOPY__V1__NAME_SOURCE__NAME_DOCKER] = {"docker", RANK_DOCKER},
	};
	unsigned k = (unsigned)n->source;
	if (k == 0 || k >= sizeof src / sizeof src[0] || !n->name || !*n->name)
		return 0;
	char id[HOST_ID_LEN];
	int rc = resolve_ip(b, n->ip, src[k].source, id);
	if (rc)
		return rc < 0 ? -1 : 0;
	return host_set_name(b, id, n->name, src[k].source, src[k].rank);
}

/* A chassis id that is a MAC in any spelling is compared as one. */
static void chassis_norm(const char *in, char *out, size_t len)
{
	char mac[18];
	if (ident_mac_normalise(in, mac) == 0)
		snprintf(out, len, "%s", mac);
	else
		snprintf(out, len, "%s", in ? in : "");
}

/* The VLANs a device has (Q-BRIDGE-MIB) are the network's, with the name
 * the device gives them (a name once known is kept when a device has none). */
static int snmp_vlans(struct batch_ctx *b, const Scanopy__V1__SnmpSystem *sy)
{
	struct pgarr ids = {0}, names = {0};
	for (size_t i = 0; i < sy->n_vlans; i++) {
		const Scanopy__V1__SnmpVlan *v = sy->vlans[i];
		char vid[12];
		if (!v->has_vlan_id || v->vlan_id < 1 || v->vlan_id > 4094)
			continue;
		snprintf(vid, sizeof vid, "%u", v->vlan_id);
		pgarr_add(&ids, vid);
		pgarr_add(&names, v->name && *v->name ? v->name : NULL);
	}
	int rc = 0;
	if (ids.count) {
		const char *p[] = {b->org, b->network, pgarr_text(&ids),
		                   pgarr_text(&names), b->seen};
		if (!p[2] || !p[3] ||
		    batch_exec(
		        b,
		        "INSERT INTO inv.vlans (org_id, network_id, vlan_id, name, "
		        "first_seen, last_seen) SELECT DISTINCT ON (x.v) $1::uuid, "
		        "$2::uuid, x.v, x.n, to_timestamp($5), to_timestamp($5) FROM "
		        "unnest($3::int[], $4::text[]) AS x(v, n) ORDER BY x.v ON "
		        "CONFLICT (network_id, outer_vlan_id, vlan_id) DO UPDATE SET "
		        "name = coalesce(EXCLUDED.name, inv.vlans.name), first_seen = "
		        "LEAST(inv.vlans.first_seen, EXCLUDED.first_seen), last_seen "
		        "= GREATEST(inv.vlans.last_seen, EXCLUDED.last_seen)",
		        5, p))
			rc = -1;
	}
	pgarr_free(&ids);
	pgarr_free(&names);
	return rc;
}

int apply_snmp_system(struct batch_ctx *b, const Scanopy__V1__SnmpSystem *sy)
{
	struct ident_set s = {.self = true};
	char id[HOST_ID_LEN], chassis[136];
	if (!ident_add_ip(&s, sy->ip, "snmp"))
		return 0;
	ident_add_strong(&s, "snmp_engine", sy->engine_id, "snmp");
	chassis_norm(sy->chassis_id, chassis, sizeof chassis);
	ident_add_strong(&s, "snmp_chassis", chassis, "snmp");
	ident_add_sysname(&s, sy->sys_name, "snmp");
	int rc = resolve_host(b, &s, "snmp", id);
	if (rc)
		return rc < 0 ? -1 : 0;
	const char *p[] = {id, sy->sys_descr, sy->sys_object_id, b->daemon, b->seen};
	if (batch_exec(b,
	               "UPDATE inv.hosts SET sys_descr = coalesce($2, sys_descr), "
	               "sys_object_id = coalesce($3, sys_object_id), provenance = "
	               "provenance || jsonb_build_object('sys_descr', "
	               "jsonb_build_object('daemon', $4::text, 'evidence', 'snmp', 'at', "
	               "to_timestamp($5))) WHERE id = $1",
	               5, p))
		return -1;
	if (snmp_vlans(b, sy))
		return -1;
	return host_set_name(b, id, sy->sys_name, "snmp", RANK_SNMP);
}

int apply_tls(struct batch_ctx *b, const Scanopy__V1__TlsInfo *t)
{
	char id[HOST_ID_LEN];
	/* Only a self-signed certificate names one machine: a CA-issued one
	 * may sit on every node of a cluster or behind every balancer. */
	if (!t->self_signed || !t->sha256_fingerprint)
		return resolve_ip(b, t->ip, "tls", id) < 0 ? -1 : 0;
	struct ident_set s = {.self = true};
	if (!ident_add_ip(&s, t->ip, "tls"))
		return 0;
	ident_add_strong(&s, "tls_cert", t->sha256_fingerprint, "tls");
	return resolve_host(b, &s, "tls", id) < 0 ? -1 : 0;
}
