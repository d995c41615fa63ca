/* What devices report about their links: IF-MIB interfaces, LLDP/CDP
 * neighbours, bridge forwarding tables and ARP tables. The cables themselves
 * are derived from these rows afterwards (inv.rebuild_links). */
#include "apply_internal.h"
#include "resolve.h"
#include "sc_pg.h"
#include "wbuf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A port's VLANs as Postgres array text: tagged ("{20,30}") and all of them
 * with the native one ("{10,20,30}"). False when the entry has none; ids out
 * of 1..4094 are left out. */
#define SCANOPY_VLAN_LIST (4094 * 5 + 3)
static bool vlan_list(const Scanopy__V1__InterfaceEntry *e, char *tagged, size_t tlen,
                      char *all, size_t alen)
{
	size_t t = 0, a = 0;
	bool native = e->has_vlan_id && e->vlan_id >= 1 && e->vlan_id <= 4094;
	tagged[t++] = '{';
	all[a++] = '{';
	if (native)
		a += (size_t)snprintf(all + a, alen - a, "%u", e->vlan_id);
	for (size_t i = 0; i < e->n_tagged_vlan_ids && i < 4094; i++) {
		uint32_t v = e->tagged_vlan_ids[i];
		if (v < 1 || v > 4094 || t + 8 >= tlen || a + 8 >= alen)
			continue;
		t += (size_t)snprintf(tagged + t, tlen - t, "%s%u", t > 1 ? "," : "", v);
		a += (size_t)snprintf(all + a, alen - a, "%s%u", a > 1 ? "," : "", v);
	}
	tagged[t++] = '}';
	tagged[t] = 0;
	all[a++] = '}';
	all[a] = 0;
	return native || t > 2;
}

int apply_if_entry(struct batch_ctx *b, const Scanopy__V1__InterfaceEntry *e)
{
	/* The device says this MAC is its own: a self-report (joins hosts). */
	struct ident_set s = {.self = true};
	char id[HOST_ID_LEN], mac[18] = "";
	if (!ident_add_ip(&s, e->device_ip, "snmp") || !e->has_if_index)
		return 0;
	ident_add_mac(&s, e->mac, "snmp if_entry");
	int rc = resolve_host(b, &s, "snmp", id);
	if (rc)
		return rc < 0 ? -1 : 0;
	bool has_mac = e->mac && ident_mac_normalise(e->mac, mac) == 0 &&
	               ident_mac_class(mac) != MAC_ZERO;
	char idx[12], type[12], mtu[12], speed[24], vlan[12];
	snprintf(idx, sizeof idx, "%u", e->if_index);
	snprintf(type, sizeof type, "%u", e->if_type);
	snprintf(mtu, sizeof mtu, "%u", e->mtu);
	snprintf(speed, sizeof speed, "%llu", (unsigned long long)e->speed_bps);
	snprintf(vlan, sizeof vlan, "%u", e->vlan_id);
	const char *name = e->name && *e->name ? e->name : e->descr;
	const char *p[] = {id,
	                   b->org,
	                   b->network,
	                   idx,
	                   name,
	                   e->descr,
	                   e->alias,
	                   e->has_if_type ? type : NULL,
	                   e->has_mtu ? mtu : NULL,
	                   e->has_speed_bps ? speed : NULL,
	                   has_mac ? mac : NULL,
	                   e->has_admin_up ? (e->admin_up ? "t" : "f") : NULL,
	                   e->has_oper_up ? (e->oper_up ? "t" : "f") : NULL,
	                   e->vlan_id ? vlan : NULL,
	                   b->daemon,
	                   b->seen};
	if (batch_exec(
	        b,
	        "INSERT INTO inv.if_entries (host_id, org_id, network_id, if_index, "
	        "name, "
	        "descr, alias, if_type, mtu, speed_bps, mac, admin_up, oper_up, vlan_id, "
	        "daemon_id, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, "
	        "$8, "
	        "$9, $10, $11, $12, $13, $14, $15, to_timestamp($16), to_timestamp($16)) "
	        "ON "
	        "CONFLICT (host_id, if_index) DO UPDATE SET name = EXCLUDED.name, descr "
	        "= "
	        "EXCLUDED.descr, alias = EXCLUDED.alias, if_type = EXCLUDED.if_type, mtu "
	        "= "
	        "EXCLUDED.mtu, speed_bps = EXCLUDED.speed_bps, mac = EXCLUDED.mac, "
	        "admin_up "
	        "= EXCLUDED.admin_up, oper_up = EXCLUDED.oper_up, vlan_id = "
	        "EXCLUDED.vlan_id, last_seen = GREATEST(inv.if_entries.last_seen, "
	        "EXCLUDED.last_seen)",
	        16, p))
		return -1;
	/* The port's VLANs (Q-BRIDGE-MIB): the native one and the tagged ones,
	 * on the interface when the device reported any, unless a newer report
	 * is there already. */
	char tagged[SCANOPY_VLAN_LIST], all[SCANOPY_VLAN_LIST + 12];
	bool has_vlans = vlan_list(e, tagged, sizeof tagged, all, sizeof all);
	if (name && *name) {
		const char *ip[] = {
		    b->org,
		    b->network,
		    id,
		    name,
		    p[10],
		    idx,
		    b->daemon,
		    b->seen,
		    has_vlans && e->vlan_id >= 1 && e->vlan_id <= 4094 ? vlan : NULL,
		    has_vlans ? tagged : NULL};
		if (batch_exec(
		        b,
		        "WITH gone AS (DELETE FROM inv.interfaces WHERE host_id = $3 AND "
		        "name IS NULL AND mac = $5::macaddr) INSERT INTO inv.interfaces "
		        "(org_id, network_id, host_id, name, mac, if_index, source, "
		        "daemon_id, first_seen, last_seen, pvid, tagged_vlans, "
		        "vlans_source, vlans_daemon_id, vlans_seen) VALUES ($1, $2, $3, "
		        "$4, $5, $6, 'snmp', $7, to_timestamp($8), to_timestamp($8), "
		        "$9::int, $10::int[], CASE WHEN $10::int[] IS NOT NULL THEN "
		        "'snmp' "
		        "END, CASE WHEN $10::int[] IS NOT NULL THEN $7::uuid END, CASE "
		        "WHEN $10::int[] IS NOT NULL THEN to_timestamp($8) END) ON "
		        "CONFLICT (host_id, name) WHERE name IS NOT NULL DO UPDATE SET "
		        "mac "
		        "= coalesce(EXCLUDED.mac, inv.interfaces.mac), if_index = "
		        "EXCLUDED.if_index, last_seen = "
		        "GREATEST(inv.interfaces.last_seen, "
		        "EXCLUDED.last_seen), pvid = CASE WHEN EXCLUDED.vlans_seen >= "
		        "coalesce(inv.interfaces.vlans_seen, '-infinity') THEN "
		        "EXCLUDED.pvid "
		        "ELSE inv.interfaces.pvid END, tagged_vlans = CASE WHEN "
		        "EXCLUDED.vlans_seen >= coalesce(inv.interfaces.vlans_seen, "
		        "'-infinity') THEN EXCLUDED.tagged_vlans ELSE "
		        "inv.interfaces.tagged_vlans END, vlans_source = CASE WHEN "
		        "EXCLUDED.vlans_seen >= coalesce(inv.interfaces.vlans_seen, "
		        "'-infinity') THEN EXCLUDED.vlans_source ELSE "
		        "inv.interfaces.vlans_source END, vlans_daemon_id = CASE WHEN "
		        "EXCLUDED.vlans_seen >= coalesce(inv.interfaces.vlans_seen, "
		        "'-infinity') THEN EXCLUDED.vlans_daemon_id ELSE "
		        "inv.interfaces.vlans_daemon_id END, vlans_seen = CASE WHEN "
		        "EXCLUDED.vlans_seen >= coalesce(inv.interfaces.vlans_seen, "
		        "'-infinity') THEN EXCLUDED.vlans_seen ELSE "
		        "inv.interfaces.vlans_seen "
		        "END",
		        10, ip))
			return -1;
	}
	if (has_vlans) {
		const char *vp[] = {b->org, b->network, all, b->seen};
		if (batch_exec(
		        b,
		        "INSERT INTO inv.vlans (org_id, network_id, vlan_id, "
		        "first_seen, last_seen) SELECT DISTINCT $1::uuid, $2::uuid, v, "
		        "to_timestamp($4), to_timestamp($4) FROM unnest($3::int[]) v ON "
		        "CONFLICT (network_id, outer_vlan_id, vlan_id) DO UPDATE SET "
		        "first_seen = LEAST(inv.vlans.first_seen, EXCLUDED.first_seen), "
		        "last_seen = GREATEST(inv.vlans.last_seen, EXCLUDED.last_seen)",
		        4, vp))
			return -1;
	}
	b->touched_l2 = true;
	return 0;
}

/* The far port's name: a MAC-typed port id says less than its description. */
static const char *remote_port(const Scanopy__V1__NeighborEntry *n, char *buf, size_t len)
{
	const char *id = n->remote_port_id ? n->remote_port_id : "";
	char mac[18];
	if (n->remote_port_id_subtype == 3 || ident_mac_normalise(id, mac) == 0) {
		if (n->remote_port_descr && *n->remote_port_descr)
			return n->remote_port_descr;
		if (ident_mac_normalise(id, mac) == 0) {
			snprintf(buf, len, "%s", mac);
			return buf;
		}
	}
	return *id ? id : n->remote_port_descr;
}

/* The keys the far end of a neighbour entry announced about itself: chassis,
 * management addresses, name. A chassis id that is a MAC (lldpd's default, a
 * switch's base MAC) is also that MAC, so it joins the host an ARP or FDB
 * sighting of the same MAC made. chassis gets the normalised chassis id. */
void neighbor_far_keys(const Scanopy__V1__NeighborEntry *n, struct ident_set *s,
                       char chassis[136])
{
	char mac[18];
	bool chassis_is_mac = ident_mac_normalise(n->remote_chassis_id, mac) == 0;
	snprintf(chassis, 136, "%s", chassis_is_mac ? mac : n->remote_chassis_id);
	for (char *c = chassis; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	ident_add_strong(s, "snmp_chassis", chassis, "lldp");
	if (chassis_is_mac)
		ident_add_mac(s, mac, "lldp");
	for (size_t i = 0; i < n->n_remote_mgmt_addresses; i++)
		ident_add_ip(s, n->remote_mgmt_addresses[i], "lldp");
	ident_add_sysname(s, n->remote_sys_name, "lldp");
}

int apply_neighbor(struct batch_ctx *b, const Scanopy__V1__NeighborEntry *n)
{
	char dev[HOST_ID_LEN], far[HOST_ID_LEN], chassis[136], pbuf[24];
	const char *local = n->local_port;
	char lbuf[24];
	if (!local || !*local) {
		if (!n->local_if_index)
			return 0;
		snprintf(lbuf, sizeof lbuf, "ifIndex %u", n->local_if_index);
		local = lbuf;
	}
	const char *rport = remote_port(n, pbuf, sizeof pbuf);
	if (!n->remote_chassis_id || !*n->remote_chassis_id || !rport || !*rport)
		return 0;
	int rc = resolve_ip(b, n->device_ip, "lldp", dev);
	if (rc)
		return rc < 0 ? -1 : 0;
	struct ident_set s = {.self = true};
	neighbor_far_keys(n, &s, chassis);
	if ((rc = resolve_host(b, &s, "lldp", far)) < 0)
		return -1;
	if (rc == 0 && strcmp(far, dev) &&
	    host_set_name(b, far, n->remote_sys_name, "lldp", RANK_LLDP))
		return -1;
	char mgmt[1024] = "", caps[12];
	size_t m = 0;
	for (size_t i = 0; i < s.n; i++)
		if (!strcmp(s.key[i].kind, "ip"))
			m += (size_t)snprintf(mgmt + m, sizeof mgmt - m, "%s%s",
			                      m ? "," : "", s.key[i].value);
	snprintf(caps, sizeof caps, "%u", n->remote_capabilities);
	b->touched_l2 = true;
	return wb_neighbor(
	    b, dev, local,
	    n->protocol == SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_CDP ? "cdp" : "lldp",
	    chassis, n->remote_port_id ? n->remote_port_id : rport, n->remote_port_descr,
	    n->remote_sys_name, mgmt, n->has_remote_capabilities ? caps : NULL, rport);
}

int apply_fdb(struct batch_ctx *b, const Scanopy__V1__FdbEntry *f)
{
	char dev[HOST_ID_LEN], mac[18], port[32], vlan[12], status[12];
	if (!f->mac || ident_mac_normalise(f->mac, mac))
		return 0;
	if (f->port_name && *f->port_name)
		snprintf(port, sizeof port, "%s", f->port_name);
	else if (f->if_index)
		snprintf(port, sizeof port, "ifIndex %u", f->if_index);
	else if (f->bridge_port)
		snprintf(port, sizeof port, "port %u", f->bridge_port);
	else if (f->status != 4)
		return 0; /* learned on no port we could name */
	else
		snprintf(port, sizeof port, "self");
	int rc = resolve_ip(b, f->device_ip, "fdb", dev);
	if (rc)
		return rc < 0 ? -1 : 0;
	snprintf(vlan, sizeof vlan, "%u", f->vlan_id);
	snprintf(status, sizeof status, "%u", f->status);
	const char *p[] = {
	    dev,       b->org, b->network, mac, vlan, port, f->has_status ? status : NULL,
	    b->daemon, b->seen};
	b->touched_l2 = true;
	return batch_exec(
	    b,
	    "INSERT INTO inv.fdb (host_id, org_id, network_id, mac, vlan_id, port, "
	    "status, "
	    "daemon_id, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	    "to_timestamp($9), to_timestamp($9)) ON CONFLICT (host_id, mac, vlan_id) DO "
	    "UPDATE SET port = CASE WHEN EXCLUDED.last_seen >= inv.fdb.last_seen THEN "
	    "EXCLUDED.port ELSE inv.fdb.port END, status = EXCLUDED.status, last_seen = "
	    "GREATEST(inv.fdb.last_seen, EXCLUDED.last_seen)",
	    9, p);
}

int apply_arp(struct batch_ctx *b, const Scanopy__V1__ArpEntry *a)
{
	char dev[HOST_ID_LEN], far[HOST_ID_LEN], mac[18], idx[12];
	if (!a->mac || ident_mac_normalise(a->mac, mac) || !ident_ip_ok(a->ip))
		return 0;
	int rc = resolve_ip(b, a->device_ip, "arp", dev);
	if (rc)
		return rc < 0 ? -1 : 0;
	/* An ARP pair: the address follows the MAC's host. */
	struct ident_set s = {.self = false};
	ident_add_ip(&s, a->ip, "arp table");
	ident_add_mac(&s, mac, "arp table");
	if (resolve_host(b, &s, "arp", far) < 0)
		return -1;
	snprintf(idx, sizeof idx, "%u", a->if_index);
	const char *p[] = {dev,       b->org, b->network,
	                   a->ip,     mac,    a->if_index ? idx : NULL,
	                   b->daemon, b->seen};
	b->touched_l2 = true;
	return batch_exec(
	    b,
	    "INSERT INTO inv.arp (host_id, org_id, network_id, ip, mac, if_index, "
	    "daemon_id, "
	    "first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, "
	    "to_timestamp($8), "
	    "to_timestamp($8)) ON CONFLICT (host_id, ip) DO UPDATE SET mac = CASE WHEN "
	    "EXCLUDED.last_seen >= inv.arp.last_seen THEN EXCLUDED.mac ELSE inv.arp.mac "
	    "END, last_seen = GREATEST(inv.arp.last_seen, EXCLUDED.last_seen)",
	    8, p);
}
