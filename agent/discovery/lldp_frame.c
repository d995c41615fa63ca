#include "lldp_frame.h"

#include "eth_frame.h"

#include "arp_frame.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

static const uint8_t cdp_snap[8] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void ipv4_text(uint32_t ip, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
	         ip & 255);
}

static void add_mgmt(struct l2_announce *o, uint32_t ip)
{
	for (size_t i = 0; i < o->nmgmt; i++)
		if (o->mgmt[i] == ip)
			return;
	if (o->nmgmt < L2_MAX_MGMT && ip)
		o->mgmt[o->nmgmt++] = ip;
}

/* An LLDP id (chassis or port): MAC and network-address subtypes as text,
 * the others as the bytes they are. */
static void lldp_id(const uint8_t *v, size_t l, unsigned mac_subtype, char *out,
                    size_t cap, unsigned *subtype)
{
	out[0] = '\0';
	if (l < 1)
		return;
	*subtype = v[0];
	v++;
	l--;
	if (*subtype == mac_subtype && l == 6)
		mac_text(v, out);                      /* cap >= 18 */
	else if (*subtype == 5 && l == 5 && v[0] == 1) /* network address: IPv4 */
		ipv4_text(get32(v + 1), out, cap);
	else
		text_clean(v, l, out, cap, 1);
}

static int parse_lldp(const uint8_t *p, size_t len, struct l2_announce *o)
{
	size_t off = 0;
	while (off + 2 <= len) {
		unsigned type = p[off] >> 1, l = (unsigned)(p[off] & 1) << 8 | p[off + 1];
		off += 2;
		if (type == 0 || off + l > len)
			break; /* End of LLDPDU, or a TLV cut short */
		const uint8_t *v = p + off;
		switch (type) {
		case 1:
			lldp_id(v, l, 4, o->chassis_id, sizeof o->chassis_id,
			        &o->chassis_subtype);
			break;
		case 2:
			lldp_id(v, l, 3, o->port_id, sizeof o->port_id, &o->port_subtype);
			break;
		case 3:
			if (l >= 2)
				o->ttl = get16(v);
			break;
		case 4:
			text_clean(v, l, o->port_descr, sizeof o->port_descr, 1);
			break;
		case 5:
			text_clean(v, l, o->sys_name, sizeof o->sys_name, 1);
			break;
		case 6:
			text_clean(v, l, o->sys_descr, sizeof o->sys_descr, 1);
			break;
		case 7:
			if (l >= 4)
				o->capabilities = get16(v + 2); /* enabled */
			break;
		case 8: /* length, subtype, address... */
			if (l >= 6 && v[0] == 5 && v[1] == 1)
				add_mgmt(o, get32(v + 2));
			break;
		default:
			break;
		}
		off += l;
	}
	return o->chassis_id[0] ? 0 : -1;
}

static void cdp_addresses(const uint8_t *v, size_t l, struct l2_announce *o)
{
	if (l < 4)
		return;
	uint32_t n = get32(v);
	size_t off = 4;
	for (uint32_t i = 0; i < n && i < 16 && off + 2 <= l; i++) {
		unsigned ptype = v[off], plen = v[off + 1];
		off += 2;
		if (off + plen + 2 > l)
			return;
		const uint8_t *proto = v + off;
		off += plen;
		unsigned alen = get16(v + off);
		off += 2;
		if (off + alen > l)
			return;
		if (ptype == 1 && plen == 1 && proto[0] == 0xcc && alen == 4)
			add_mgmt(o, get32(v + off));
		off += alen;
	}
}

static int parse_cdp(const uint8_t *p, size_t len, struct l2_announce *o)
{
	if (len < 4 || (p[0] != 1 && p[0] != 2))
		return -1;
	o->ttl = p[1];
	size_t off = 4;
	while (off + 4 <= len) {
		unsigned type = get16(p + off), l = get16(p + off + 2);
		if (l < 4 || off + l > len)
			break;
		const uint8_t *v = p + off + 4;
		size_t vl = l - 4;
		switch (type) {
		case 0x0001:
			text_clean(v, vl, o->chassis_id, sizeof o->chassis_id, 1);
			text_clean(v, vl, o->sys_name, sizeof o->sys_name, 1);
			o->chassis_subtype = 7; /* locally assigned */
			break;
		case 0x0002:
			cdp_addresses(v, vl, o);
			break;
		case 0x0003:
			text_clean(v, vl, o->port_id, sizeof o->port_id, 1);
			o->port_subtype = 5; /* interface name */
			break;
		case 0x0004:
			if (vl >= 4)
				o->capabilities = get32(v);
			break;
		case 0x0005:
			text_clean(v, vl, o->sys_descr, sizeof o->sys_descr, 1);
			break;
		case 0x0006:
			text_clean(v, vl, o->platform, sizeof o->platform, 1);
			break;
		default:
			break;
		}
		off += l;
	}
	return o->chassis_id[0] ? 0 : -1;
}

int lldp_frame_parse(const uint8_t *f, size_t len, struct l2_announce *o)
{
	struct eth_header eh;
	memset(o, 0, sizeof *o);
	if (eth_header(f, len, &eh))
		return -1;
	memcpy(o->src, f + 6, 6);
	o->vlan = eh.vlan;
	o->inner_vlan = eh.inner_vlan;
	uint16_t type = eh.type;
	size_t off = eh.off;
	if (type == 0x88cc) {
		o->proto = L2_LLDP;
		return parse_lldp(f + off, len - off, o);
	}
	/* 802.3: a length, then LLC/SNAP naming Cisco's CDP. */
	if (type <= 1500 && len - off >= sizeof cdp_snap &&
	    !memcmp(f + off, cdp_snap, sizeof cdp_snap)) {
		size_t end = off + type < len ? off + type : len;
		off += sizeof cdp_snap;
		if (end < off)
			return -1;
		o->proto = L2_CDP;
		return parse_cdp(f + off, end - off, o);
	}
	return -1;
}
