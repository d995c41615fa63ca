#include "snmp_vlan.h"
#include "snmp_oids.h"

#include <string.h>

#define ENTRY(a) a, OIDLEN(a)

uint32_t snmp_ifindex_bridge_port(const struct sv_table *t, uint32_t ifindex)
{
	size_t pos = 0, ilen;
	const uint32_t *idx;
	const struct sv_vb *c;
	while ((c = sv_next_in(t, ENTRY(OID_BASE_PORT_ENTRY), 2, &pos, &idx, &ilen)))
		if (ilen == 1 && idx[0] && c->num == ifindex)
			return idx[0];
	return 0;
}

bool snmp_portlist_has(const uint8_t *b, size_t n, uint32_t port)
{
	if (!b || !port || (port - 1) / 8 >= n)
		return false;
	return b[(port - 1) / 8] & (0x80 >> ((port - 1) % 8));
}

static bool vlan_ok(uint64_t v)
{
	return v >= 1 && v <= SNMP_VLAN_MAX;
}

/* Marks the port's memberships from one VLAN table: tagged where egress but
 * not untagged, untagged in *untagged_low (lowest). The VLAN is the last
 * index arc (static: vlan; current: timeMark.vlan). Returns how many rows
 * the table has. */
static size_t members(const struct sv_table *t, const uint32_t *entry, size_t elen,
                      uint32_t egress_col, uint32_t untagged_col, size_t nidx,
                      uint32_t port, uint8_t *bits, uint32_t *untagged_low)
{
	size_t pos = 0, ilen, rows = 0;
	const uint32_t *idx;
	const struct sv_vb *c;
	while ((c = sv_next_in(t, entry, elen, egress_col, &pos, &idx, &ilen))) {
		if (ilen != nidx || c->type != SV_OCTETS || !vlan_ok(idx[nidx - 1]))
			continue;
		rows++;
		uint32_t vid = idx[nidx - 1];
		if (!snmp_portlist_has(c->val, c->vlen, port))
			continue;
		const struct sv_vb *u = sv_get(t, entry, elen, untagged_col, idx, ilen);
		if (u && u->type == SV_OCTETS &&
		    snmp_portlist_has(u->val, u->vlen, port)) {
			if (!*untagged_low || vid < *untagged_low)
				*untagged_low = vid;
		} else
			bits[vid / 8] |= (uint8_t)(1u << (vid % 8));
	}
	return rows;
}

size_t snmp_port_vlans(const struct sv_table *t, uint32_t ifindex, uint32_t *pvid,
                       uint32_t *tagged)
{
	*pvid = 0;
	uint32_t port = snmp_ifindex_bridge_port(t, ifindex);
	if (!port)
		return 0;
	const struct sv_vb *p = sv_get(t, ENTRY(OID_Q_PORT_VLAN_ENTRY), 1, &port, 1);
	uint8_t bits[(SNMP_VLAN_MAX + 1 + 7) / 8];
	uint32_t untagged = 0;
	memset(bits, 0, sizeof bits);
	if (!members(t, ENTRY(OID_Q_VLAN_CURRENT_ENTRY), 3, 4, 2, port, bits, &untagged))
		members(t, ENTRY(OID_Q_VLAN_STATIC_ENTRY), 2, 4, 1, port, bits,
		        &untagged);
	*pvid = p && vlan_ok(p->num) ? (uint32_t)p->num : untagged;
	size_t n = 0;
	for (uint32_t v = 1; v <= SNMP_VLAN_MAX; v++)
		if (bits[v / 8] & (1u << (v % 8)))
			tagged[n++] = v;
	return n;
}

size_t snmp_device_vlans(const struct sv_table *t, uint32_t *ids)
{
	uint8_t bits[(SNMP_VLAN_MAX + 1 + 7) / 8];
	memset(bits, 0, sizeof bits);
	/* current: timeMark.vlan, column 3; static: vlan, columns 1 and 2 */
	static const struct {
		const uint32_t *e;
		size_t elen;
		uint32_t col;
		size_t nidx;
	} cols[] = {{ENTRY(OID_Q_VLAN_CURRENT_ENTRY), 3, 2},
	            {ENTRY(OID_Q_VLAN_STATIC_ENTRY), 1, 1},
	            {ENTRY(OID_Q_VLAN_STATIC_ENTRY), 2, 1}};
	for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
		size_t pos = 0, ilen;
		const uint32_t *idx;
		while (sv_next_in(t, cols[k].e, cols[k].elen, cols[k].col, &pos, &idx,
		                  &ilen))
			if (ilen == cols[k].nidx && vlan_ok(idx[ilen - 1]))
				bits[idx[ilen - 1] / 8] |=
				    (uint8_t)(1u << (idx[ilen - 1] % 8));
	}
	size_t n = 0;
	for (uint32_t v = 1; v <= SNMP_VLAN_MAX; v++)
		if (bits[v / 8] & (1u << (v % 8)))
			ids[n++] = v;
	return n;
}
