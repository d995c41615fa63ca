#include "snmp_decode.h"
#include "sink.h"
#include "snmp_oids.h"
#include "snmp_vlan.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXT 256
#define ENTRY(a) a, OIDLEN(a)

void snmp_lldp_id(bool chassis, unsigned subtype, const uint8_t *b, size_t n, char *out,
                  size_t outlen)
{
	/* chassis: 4 macAddress, 5 networkAddress; port: 3 macAddress,
	 * 4 networkAddress (LLDP-MIB LldpChassisIdSubtype / LldpPortIdSubtype) */
	unsigned mac = chassis ? 4 : 3, net = chassis ? 5 : 4;
	if (subtype == mac && n == 6) {
		char m[18];
		sv_mac(b, n, m);
		snprintf(out, outlen, "%s", m);
		return;
	}
	if (subtype == net && n >= 1) {
		/* first octet: IANA address family (1 IPv4, 2 IPv6) */
		char ip[INET6_ADDRSTRLEN];
		if (b[0] == 1 && n == 5 && inet_ntop(AF_INET, b + 1, ip, sizeof ip)) {
			snprintf(out, outlen, "%s", ip);
			return;
		}
		if (b[0] == 2 && n == 17 && inet_ntop(AF_INET6, b + 1, ip, sizeof ip)) {
			snprintf(out, outlen, "%s", ip);
			return;
		}
	}
	sv_display(b, n, out, outlen);
}

uint32_t snmp_bridge_port_ifindex(const struct sv_table *t, uint32_t port)
{
	/* dot1dBasePortIfIndex = dot1dBasePortEntry.2.<port> */
	return (uint32_t)sv_num(sv_get(t, ENTRY(OID_BASE_PORT_ENTRY), 2, &port, 1));
}

void snmp_if_name(const struct sv_table *t, uint32_t ifindex, char *out, size_t outlen)
{
	sv_text(sv_get(t, ENTRY(OID_IFX_ENTRY), 1, &ifindex, 1), out, outlen);
	if (!*out)
		sv_text(sv_get(t, ENTRY(OID_IF_ENTRY), 2, &ifindex, 1), out, outlen);
}

/* An IPv4 address from 4 index arcs, or "" when they are not one. */
static void ip_from_arcs(const uint32_t *a, size_t n, char *out, size_t outlen)
{
	out[0] = 0;
	if (n != 4 || a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
		return;
	snprintf(out, outlen, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static int emit_system(struct sink *s, const char *dev, const struct sv_table *t,
                       const char *engine_id)
{
	char descr[TXT], oid[TXT] = "", contact[TXT], name[TXT], loc[TXT],
	                 chassis[TXT] = "", model[TXT] = "", serial[TXT] = "";
	static const uint32_t descr_o[] = {1, 3, 6, 1, 2, 1, 1, 1},
	                      oid_o[] = {1, 3, 6, 1, 2, 1, 1, 2},
	                      up_o[] = {1, 3, 6, 1, 2, 1, 1, 3},
	                      contact_o[] = {1, 3, 6, 1, 2, 1, 1, 4},
	                      name_o[] = {1, 3, 6, 1, 2, 1, 1, 5},
	                      loc_o[] = {1, 3, 6, 1, 2, 1, 1, 6};
	sv_text(sv_scalar(t, ENTRY(descr_o)), descr, sizeof descr);
	const struct sv_vb *o = sv_scalar(t, ENTRY(oid_o));
	if (o && o->type == SV_OID)
		snprintf(oid, sizeof oid, "%s", (const char *)o->val);
	const struct sv_vb *up = sv_scalar(t, ENTRY(up_o));
	sv_text(sv_scalar(t, ENTRY(contact_o)), contact, sizeof contact);
	sv_text(sv_scalar(t, ENTRY(name_o)), name, sizeof name);
	sv_text(sv_scalar(t, ENTRY(loc_o)), loc, sizeof loc);

	/* lldpLocChassisIdSubtype / lldpLocChassisId (V1, else V2) */
	for (int v2 = 0; v2 < 2 && !*chassis; v2++) {
		uint32_t p[16];
		size_t pl = v2 ? OIDLEN(OID_LLDP2_LOC) : OIDLEN(OID_LLDP_LOC);
		memcpy(p, v2 ? OID_LLDP2_LOC : OID_LLDP_LOC, pl * sizeof *p);
		p[pl] = 1;
		const struct sv_vb *st = sv_scalar(t, p, pl + 1);
		p[pl] = 2;
		const struct sv_vb *id = sv_scalar(t, p, pl + 1);
		if (id && id->vlen)
			snmp_lldp_id(true, (unsigned)sv_num(st), id->val, id->vlen,
			             chassis, sizeof chassis);
	}

	/* ENTITY-MIB: the first chassis (class 3), else the first entry with a
	 * model or serial. Columns: 5 class, 11 serialNum, 13 modelName. */
	size_t pos = 0, ilen;
	const uint32_t *idx;
	const struct sv_vb *c;
	for (int pass = 0; pass < 2 && !*model && !*serial; pass++) {
		pos = 0;
		while ((
		    c = sv_next_in(t, ENTRY(OID_ENT_PHYS_ENTRY), 5, &pos, &idx, &ilen))) {
			if (pass == 0 && c->num != 3)
				continue;
			sv_text(sv_get(t, ENTRY(OID_ENT_PHYS_ENTRY), 13, idx, ilen),
			        model, sizeof model);
			sv_text(sv_get(t, ENTRY(OID_ENT_PHYS_ENTRY), 11, idx, ilen),
			        serial, sizeof serial);
			if (*model || *serial)
				break;
		}
	}

	Scanopy__V1__SnmpSystem sys = SCANOPY__V1__SNMP_SYSTEM__INIT;
	sys.ip = (char *)dev;
	sys.sys_descr = descr;
	sys.sys_object_id = oid;
	sys.has_sys_uptime_cs = up != NULL;
	sys.sys_uptime_cs = sv_num(up);
	sys.sys_contact = contact;
	sys.sys_name = name;
	sys.sys_location = loc;
	sys.engine_id = (char *)(engine_id ? engine_id : "");
	sys.chassis_id = chassis;
	sys.model = model;
	sys.serial = serial;

	/* Q-BRIDGE-MIB: the device's VLANs, named by dot1qVlanStaticName */
	uint32_t *ids = malloc(SNMP_VLAN_MAX * sizeof *ids);
	size_t nv = ids ? snmp_device_vlans(t, ids) : 0;
	Scanopy__V1__SnmpVlan *vl = nv ? calloc(nv, sizeof *vl) : NULL;
	Scanopy__V1__SnmpVlan **vlp = nv ? calloc(nv, sizeof *vlp) : NULL;
	char(*names)[64] = nv ? calloc(nv, sizeof *names) : NULL;
	if (nv && (!vl || !vlp || !names))
		nv = 0;
	for (size_t k = 0; k < nv; k++) {
		Scanopy__V1__SnmpVlan init = SCANOPY__V1__SNMP_VLAN__INIT;
		vl[k] = init;
		vl[k].has_vlan_id = 1;
		vl[k].vlan_id = ids[k];
		sv_text(sv_get(t, ENTRY(OID_Q_VLAN_STATIC_ENTRY), 1, &ids[k], 1),
		        names[k], sizeof names[k]);
		vl[k].name = names[k];
		vlp[k] = &vl[k];
	}
	sys.vlans = vlp;
	sys.n_vlans = nv;
	int rc = sink_snmp_system(s, &sys);
	free(ids);
	free(vl);
	free(vlp);
	free(names);
	return rc;
}

/* The device's own addresses (ipAddrTable: index = address, 2 ifIndex,
 * 3 netmask) on ifIndex, filled into a (at most max). */
static size_t if_addresses(const struct sv_table *t, uint32_t ifindex,
                           Scanopy__V1__InterfaceAddress *a, char (*ips)[16],
                           char (*nets)[20], size_t max)
{
	size_t pos = 0, ilen, n = 0;
	const uint32_t *idx;
	const struct sv_vb *c;
	while (n < max &&
	       (c = sv_next_in(t, ENTRY(OID_IPADDR_ENTRY), 2, &pos, &idx, &ilen))) {
		if (c->num != ifindex)
			continue;
		ip_from_arcs(idx, ilen, ips[n], sizeof ips[n]);
		if (!*ips[n])
			continue;
		const struct sv_vb *m = sv_get(t, ENTRY(OID_IPADDR_ENTRY), 3, idx, ilen);
		uint32_t mask = 0, prefix = 0;
		if (m && m->vlen == 4)
			mask = (uint32_t)m->val[0] << 24 | (uint32_t)m->val[1] << 16 |
			       (uint32_t)m->val[2] << 8 | m->val[3];
		while (prefix < 32 && (mask & (0x80000000u >> prefix)))
			prefix++;
		uint32_t ip = idx[0] << 24 | idx[1] << 16 | idx[2] << 8 | idx[3];
		uint32_t net = prefix ? ip & (0xffffffffu << (32 - prefix)) : 0;
		snprintf(nets[n], sizeof nets[n], "%u.%u.%u.%u/%u", net >> 24,
		         (net >> 16) & 255, (net >> 8) & 255, net & 255, prefix);
		Scanopy__V1__InterfaceAddress init = SCANOPY__V1__INTERFACE_ADDRESS__INIT;
		a[n] = init;
		a[n].ip = ips[n];
		a[n].has_prefix_len = m != NULL;
		a[n].prefix_len = prefix;
		a[n].subnet = m ? nets[n] : (char *)"";
		n++;
	}
	return n;
}

#define MAX_ADDR 16

static int emit_interfaces(struct sink *s, const char *dev, const struct sv_table *t,
                           struct snmp_counts *cnt)
{
	/* ifEntry: 1 index, 2 descr, 3 type, 4 mtu, 5 speed, 6 physAddress,
	 * 7 adminStatus, 8 operStatus; ifXEntry: 1 name, 15 highSpeed, 18 alias;
	 * a bridge port's VLANs from Q-BRIDGE-MIB (snmp_vlan.h) */
	size_t pos = 0, ilen;
	const uint32_t *idx;
	const struct sv_vb *c;
	uint32_t tagged[SNMP_VLAN_MAX];
	while ((c = sv_next_in(t, ENTRY(OID_IF_ENTRY), 1, &pos, &idx, &ilen))) {
		if (ilen != 1)
			continue;
		uint32_t i = idx[0];
		char name[TXT], descr[TXT], alias[TXT], mac[18];
		sv_text(sv_get(t, ENTRY(OID_IFX_ENTRY), 1, &i, 1), name, sizeof name);
		sv_text(sv_get(t, ENTRY(OID_IF_ENTRY), 2, &i, 1), descr, sizeof descr);
		sv_text(sv_get(t, ENTRY(OID_IFX_ENTRY), 18, &i, 1), alias, sizeof alias);
		const struct sv_vb *pa = sv_get(t, ENTRY(OID_IF_ENTRY), 6, &i, 1);
		sv_mac(pa ? pa->val : NULL, pa ? pa->vlen : 0, mac);
		const struct sv_vb *type = sv_get(t, ENTRY(OID_IF_ENTRY), 3, &i, 1),
		                   *mtu = sv_get(t, ENTRY(OID_IF_ENTRY), 4, &i, 1),
		                   *speed = sv_get(t, ENTRY(OID_IF_ENTRY), 5, &i, 1),
		                   *high = sv_get(t, ENTRY(OID_IFX_ENTRY), 15, &i, 1),
		                   *admin = sv_get(t, ENTRY(OID_IF_ENTRY), 7, &i, 1),
		                   *oper = sv_get(t, ENTRY(OID_IF_ENTRY), 8, &i, 1);
		Scanopy__V1__InterfaceAddress addr[MAX_ADDR], *addrp[MAX_ADDR];
		char ips[MAX_ADDR][16], nets[MAX_ADDR][20];
		size_t na = if_addresses(t, i, addr, ips, nets, MAX_ADDR);
		for (size_t k = 0; k < na; k++)
			addrp[k] = &addr[k];

		Scanopy__V1__InterfaceEntry e = SCANOPY__V1__INTERFACE_ENTRY__INIT;
		e.device_ip = (char *)dev;
		e.has_if_index = 1;
		e.if_index = i;
		e.name = *name ? name : descr;
		e.descr = descr;
		e.alias = alias;
		e.has_if_type = type != NULL;
		e.if_type = (uint32_t)sv_num(type);
		e.has_mtu = mtu != NULL;
		e.mtu = (uint32_t)sv_num(mtu);
		/* ifHighSpeed (Mb/s) when set: ifSpeed saturates at 4.29 Gb/s */
		e.has_speed_bps = speed || high;
		e.speed_bps = high && high->num ? high->num * 1000000u : sv_num(speed);
		e.mac = mac;
		e.has_admin_up = admin != NULL;
		e.admin_up = sv_num(admin) == 1;
		e.has_oper_up = oper != NULL;
		e.oper_up = sv_num(oper) == 1;
		e.addresses = addrp;
		e.n_addresses = na;
		uint32_t pvid;
		e.n_tagged_vlan_ids = snmp_port_vlans(t, i, &pvid, tagged);
		e.tagged_vlan_ids = tagged;
		e.has_vlan_id = pvid != 0;
		e.vlan_id = pvid;
		if (sink_if_entry(s, &e))
			return -1;
		cnt->interfaces++;
		cnt->addresses += (unsigned)na;
	}
	return 0;
}

/* The rows of one LLDP remote table version. */
struct lldp_layout {
	const uint32_t *rem, *man, *loc_port;
	size_t rem_len, man_len, loc_port_len;
	size_t nidx;     /* index arcs before the remote system's own: V1 3
	                    (timeMark, localPortNum, remIndex), V2 4 (timeMark,
	                    ifIndex, destMACAddrIndex, remIndex) */
	unsigned col0;   /* column of chassisIdSubtype: V1 4, V2 5 */
	bool port_is_if; /* V2: the local port is an ifIndex */
};

/* The ifIndex of an LLDP-MIB local port number: the interface whose name
 * is the port's lldpLocPortId (subtype ifName 5 or local 7) or description,
 * else the ifIndex equal to the number (lldpd and most agents use it). */
static uint32_t lldp_port_ifindex(const struct sv_table *t, const struct lldp_layout *L,
                                  uint32_t portnum)
{
	char pid[TXT] = "", pdesc[TXT] = "", name[TXT];
	if (L->port_is_if)
		return portnum;
	sv_text(sv_get(t, L->loc_port, L->loc_port_len, 3, &portnum, 1), pid, sizeof pid);
	sv_text(sv_get(t, L->loc_port, L->loc_port_len, 4, &portnum, 1), pdesc,
	        sizeof pdesc);
	size_t pos = 0, ilen;
	const uint32_t *idx;
	while (sv_next_in(t, ENTRY(OID_IF_ENTRY), 1, &pos, &idx, &ilen)) {
		if (ilen != 1)
			continue;
		snmp_if_name(t, idx[0], name, sizeof name);
		if (*name &&
		    ((*pid && !strcmp(name, pid)) || (*pdesc && !strcmp(name, pdesc))))
			return idx[0];
	}
	return sv_get(t, ENTRY(OID_IF_ENTRY), 1, &portnum, 1) ? portnum : 0;
}

#define MAX_MGMT 8

/* lldpRemManAddrTable index: <remote row index>.subtype.len.addr... */
static size_t lldp_mgmt(const struct sv_table *t, const struct lldp_layout *L,
                        const uint32_t *row, char (*out)[INET6_ADDRSTRLEN], char **outp)
{
	size_t pos = 0, ilen, n = 0;
	const uint32_t *idx;
	const struct sv_vb *c;
	while (n < MAX_MGMT &&
	       (c = sv_next_in(t, L->man, L->man_len, 3, &pos, &idx, &ilen))) {
		if (ilen < L->nidx + 2 || memcmp(idx, row, L->nidx * sizeof *idx))
			continue;
		uint32_t family = idx[L->nidx], len = idx[L->nidx + 1];
		const uint32_t *a = idx + L->nidx + 2;
		size_t alen = ilen - L->nidx - 2;
		uint8_t b[16];
		if (len != alen || (family == 1 && len != 4) ||
		    (family == 2 && len != 16) || (family != 1 && family != 2))
			continue;
		for (size_t k = 0; k < alen; k++)
			b[k] = (uint8_t)a[k];
		if (inet_ntop(family == 1 ? AF_INET : AF_INET6, b, out[n],
		              sizeof out[n])) {
			outp[n] = out[n];
			n++;
		}
	}
	return n;
}

static int emit_lldp(struct sink *s, const char *dev, const struct sv_table *t,
                     const struct lldp_layout *L, struct snmp_counts *cnt)
{
	size_t pos = 0, ilen;
	const uint32_t *idx;
	const struct sv_vb *c;
	unsigned k = L->col0; /* chassisIdSubtype */
	while ((c = sv_next_in(t, L->rem, L->rem_len, k, &pos, &idx, &ilen))) {
		if (ilen != L->nidx)
			continue;
		char chassis[TXT], port[TXT], pdesc[TXT], sysname[TXT], sysdesc[TXT],
		    local[TXT] = "", mgmt[MAX_MGMT][INET6_ADDRSTRLEN];
		char *mgmtp[MAX_MGMT];
		const struct sv_vb *cid = sv_get(t, L->rem, L->rem_len, k + 1, idx, ilen),
		                   *pst = sv_get(t, L->rem, L->rem_len, k + 2, idx, ilen),
		                   *pid = sv_get(t, L->rem, L->rem_len, k + 3, idx, ilen),
		                   *cap = sv_get(t, L->rem, L->rem_len, k + 8, idx, ilen);
		snmp_lldp_id(true, (unsigned)c->num, cid ? cid->val : NULL,
		             cid ? cid->vlen : 0, chassis, sizeof chassis);
		snmp_lldp_id(false, (unsigned)sv_num(pst), pid ? pid->val : NULL,
		             pid ? pid->vlen : 0, port, sizeof port);
		sv_text(sv_get(t, L->rem, L->rem_len, k + 4, idx, ilen), pdesc,
		        sizeof pdesc);
		sv_text(sv_get(t, L->rem, L->rem_len, k + 5, idx, ilen), sysname,
		        sizeof sysname);
		sv_text(sv_get(t, L->rem, L->rem_len, k + 6, idx, ilen), sysdesc,
		        sizeof sysdesc);
		uint32_t ifindex = lldp_port_ifindex(t, L, idx[1]);
		if (ifindex)
			snmp_if_name(t, ifindex, local, sizeof local);
		Scanopy__V1__NeighborEntry e = SCANOPY__V1__NEIGHBOR_ENTRY__INIT;
		e.device_ip = (char *)dev;
		e.has_protocol = 1;
		e.protocol = SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_LLDP;
		e.has_local_if_index = ifindex != 0;
		e.local_if_index = ifindex;
		e.local_port = local;
		e.remote_chassis_id = chassis;
		e.has_remote_chassis_id_subtype = 1;
		e.remote_chassis_id_subtype = (uint32_t)c->num;
		e.remote_port_id = port;
		e.has_remote_port_id_subtype = pst != NULL;
		e.remote_port_id_subtype = (uint32_t)sv_num(pst);
		e.remote_port_descr = pdesc;
		e.remote_sys_name = sysname;
		e.remote_sys_descr = sysdesc;
		/* lldpRemSysCapEnabled: BITS, first octet's MSB = bit 0 (other) */
		if (cap && cap->vlen) {
			uint32_t bits = 0;
			for (size_t b = 0; b < 16 && b / 8 < cap->vlen; b++)
				if (cap->val[b / 8] & (0x80 >> (b % 8)))
					bits |= 1u << b;
			e.has_remote_capabilities = 1;
			e.remote_capabilities = bits;
		}
		e.n_remote_mgmt_addresses = lldp_mgmt(t, L, idx, mgmt, mgmtp);
		e.remote_mgmt_addresses = mgmtp;
		if (sink_neighbor(s, &e))
			return -1;
		cnt->neighbors++;
	}
	return 0;
}

/* cdpCacheEntry, index ifIndex.deviceIndex: 3 addressType, 4 address,
 * 5 version, 6 deviceId, 7 devicePort, 8 platform. */
static int emit_cdp(struct sink *s, const char *dev, const struct sv_table *t,
                    struct snmp_counts *cnt)
{
	size_t pos = 0, ilen;
	const uint32_t *idx;
	const struct sv_vb *c;
	while ((c = sv_next_in(t, ENTRY(OID_CDP_CACHE_ENTRY), 6, &pos, &idx, &ilen))) {
		if (ilen != 2)
			continue;
		char devid[TXT], port[TXT], plat[TXT], local[TXT],
		    addr[INET_ADDRSTRLEN] = "";
		char *addrp[1] = {addr};
		sv_text(c, devid, sizeof devid);
		sv_text(sv_get(t, ENTRY(OID_CDP_CACHE_ENTRY), 7, idx, ilen), port,
		        sizeof port);
		sv_text(sv_get(t, ENTRY(OID_CDP_CACHE_ENTRY), 8, idx, ilen), plat,
		        sizeof plat);
		const struct sv_vb *at = sv_get(t, ENTRY(OID_CDP_CACHE_ENTRY), 3, idx,
		                                ilen),
		                   *a = sv_get(t, ENTRY(OID_CDP_CACHE_ENTRY), 4, idx,
		                               ilen);
		if (sv_num(at) == 1 && a && a->vlen == 4)
			inet_ntop(AF_INET, a->val, addr, sizeof addr);
		snmp_if_name(t, idx[0], local, sizeof local);
		Scanopy__V1__NeighborEntry e = SCANOPY__V1__NEIGHBOR_ENTRY__INIT;
		e.device_ip = (char *)dev;
		e.has_protocol = 1;
		e.protocol = SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_CDP;
		e.has_local_if_index = 1;
		e.local_if_index = idx[0];
		e.local_port = local;
		e.remote_chassis_id = devid;
		e.remote_port_id = port;
		e.remote_sys_name = devid;
		e.remote_sys_descr = plat;
		e.remote_mgmt_addresses = addrp;
		e.n_remote_mgmt_addresses = *addr ? 1 : 0;
		if (sink_neighbor(s, &e))
			return -1;
		cnt->neighbors++;
	}
	return 0;
}

static int emit_fdb_row(struct sink *s, const char *dev, const struct sv_table *t,
                        const uint32_t *macarcs, uint32_t port, uint32_t status,
                        uint32_t vlan, struct snmp_counts *cnt)
{
	uint8_t b[6];
	char mac[18], name[TXT] = "";
	for (int k = 0; k < 6; k++) {
		if (macarcs[k] > 255)
			return 0;
		b[k] = (uint8_t)macarcs[k];
	}
	sv_mac(b, 6, mac);
	uint32_t ifindex = port ? snmp_bridge_port_ifindex(t, port) : 0;
	if (ifindex)
		snmp_if_name(t, ifindex, name, sizeof name);
	Scanopy__V1__FdbEntry e = SCANOPY__V1__FDB_ENTRY__INIT;
	e.device_ip = (char *)dev;
	e.mac = mac;
	e.has_bridge_port = 1;
	e.bridge_port = port;
	e.has_if_index = ifindex != 0;
	e.if_index = ifindex;
	e.port_name = name;
	e.has_vlan_id = vlan != 0;
	e.vlan_id = vlan;
	e.has_status = status != 0;
	e.status = status;
	if (sink_fdb(s, &e))
		return -1;
	cnt->fdb++;
	return 0;
}

static int emit_fdb(struct sink *s, const char *dev, const struct sv_table *t,
                    struct snmp_counts *cnt)
{
	size_t pos = 0, ilen;
	const uint32_t *idx;
	const struct sv_vb *c;
	bool q = false;
	/* dot1qTpFdbEntry, index fdbId.mac: 2 port, 3 status */
	while ((c = sv_next_in(t, ENTRY(OID_Q_FDB_ENTRY), 2, &pos, &idx, &ilen))) {
		if (ilen != 7)
			continue;
		q = true;
		uint32_t st =
		    (uint32_t)sv_num(sv_get(t, ENTRY(OID_Q_FDB_ENTRY), 3, idx, ilen));
		if (emit_fdb_row(s, dev, t, idx + 1, (uint32_t)c->num, st, idx[0], cnt))
			return -1;
	}
	if (q)
		return 0;
	/* dot1dTpFdbEntry, index mac: 2 port, 3 status */
	pos = 0;
	while ((c = sv_next_in(t, ENTRY(OID_TP_FDB_ENTRY), 2, &pos, &idx, &ilen))) {
		if (ilen != 6)
			continue;
		uint32_t st =
		    (uint32_t)sv_num(sv_get(t, ENTRY(OID_TP_FDB_ENTRY), 3, idx, ilen));
		if (emit_fdb_row(s, dev, t, idx, (uint32_t)c->num, st, 0, cnt))
			return -1;
	}
	return 0;
}

static int emit_arp_row(struct sink *s, const char *dev, const char *ip,
                        const struct sv_vb *pa, uint32_t ifindex, uint32_t type,
                        struct snmp_counts *cnt)
{
	char mac[18];
	if (!*ip || type == 2 /* invalid */ ||
	    sv_mac(pa ? pa->val : NULL, pa ? pa->vlen : 0, mac))
		return 0;
	if (!strcmp(mac, "00:00:00:00:00:00"))
		return 0;
	Scanopy__V1__ArpEntry e = SCANOPY__V1__ARP_ENTRY__INIT;
	e.device_ip = (char *)dev;
	e.ip = (char *)ip;
	e.mac = mac;
	e.has_if_index = 1;
	e.if_index = ifindex;
	e.has_type = type != 0;
	e.type = type;
	if (sink_arp(s, &e))
		return -1;
	cnt->arp++;
	return 0;
}

static int emit_arp(struct sink *s, const char *dev, const struct sv_table *t,
                    struct snmp_counts *cnt)
{
	size_t pos = 0, ilen;
	const uint32_t *idx;
	const struct sv_vb *c;
	bool phys = false;
	/* ipNetToPhysicalEntry, index ifIndex.addrType.len.addr: 4 physAddress,
	 * 6 type */
	while ((c = sv_next_in(t, ENTRY(OID_NET_TO_PHYS_ENTRY), 4, &pos, &idx, &ilen))) {
		if (ilen < 3 || idx[2] != ilen - 3)
			continue;
		char ip[INET6_ADDRSTRLEN] = "";
		uint8_t b[16];
		if ((idx[1] == 1 && idx[2] == 4) || (idx[1] == 2 && idx[2] == 16)) {
			bool ok = true;
			for (size_t k = 0; k < idx[2]; k++) {
				ok = ok && idx[3 + k] <= 255;
				b[k] = (uint8_t)idx[3 + k];
			}
			if (!ok || !inet_ntop(idx[1] == 1 ? AF_INET : AF_INET6, b, ip,
			                      sizeof ip))
				ip[0] = 0;
		}
		phys = true;
		uint32_t type = (uint32_t)sv_num(
		    sv_get(t, ENTRY(OID_NET_TO_PHYS_ENTRY), 6, idx, ilen));
		if (emit_arp_row(s, dev, ip, c, idx[0], type, cnt))
			return -1;
	}
	if (phys)
		return 0;
	/* ipNetToMediaEntry, index ifIndex.a.b.c.d: 2 physAddress, 4 type */
	pos = 0;
	while ((c = sv_next_in(t, ENTRY(OID_NET_TO_MEDIA_ENTRY), 2, &pos, &idx, &ilen))) {
		if (ilen != 5)
			continue;
		char ip[16];
		ip_from_arcs(idx + 1, 4, ip, sizeof ip);
		uint32_t type = (uint32_t)sv_num(
		    sv_get(t, ENTRY(OID_NET_TO_MEDIA_ENTRY), 4, idx, ilen));
		if (emit_arp_row(s, dev, ip, c, idx[0], type, cnt))
			return -1;
	}
	return 0;
}

int snmp_decode_emit(struct sink *s, const char *device_ip, const struct sv_table *t,
                     const char *engine_id, struct snmp_counts *c)
{
	static const struct lldp_layout v1 = {OID_LLDP_REM_ENTRY,
	                                      OID_LLDP_MAN_ENTRY,
	                                      OID_LLDP_LOC_PORT_ENTRY,
	                                      OIDLEN(OID_LLDP_REM_ENTRY),
	                                      OIDLEN(OID_LLDP_MAN_ENTRY),
	                                      OIDLEN(OID_LLDP_LOC_PORT_ENTRY),
	                                      3,
	                                      4,
	                                      false},
	                                v2 = {OID_LLDP2_REM_ENTRY,
	                                      OID_LLDP2_MAN_ENTRY,
	                                      NULL,
	                                      OIDLEN(OID_LLDP2_REM_ENTRY),
	                                      OIDLEN(OID_LLDP2_MAN_ENTRY),
	                                      0,
	                                      4,
	                                      5,
	                                      true};
	memset(c, 0, sizeof *c);
	if (emit_system(s, device_ip, t, engine_id) ||
	    emit_interfaces(s, device_ip, t, c) || emit_lldp(s, device_ip, t, &v1, c) ||
	    emit_lldp(s, device_ip, t, &v2, c) || emit_cdp(s, device_ip, t, c) ||
	    emit_fdb(s, device_ip, t, c) || emit_arp(s, device_ip, t, c))
		return -1;
	return 0;
}
