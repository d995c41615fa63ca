#include "dhcp_message.h"

#include "text.h"

#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dhcp_build_inform(uint8_t *b, size_t cap, uint32_t xid, uint32_t ciaddr,
                      const uint8_t chaddr[6])
{
	static const uint8_t opts[] = {
	    53,  1, 8,                         /* DHCPINFORM */
	    55,  6, 1,    3,    6, 15, 12, 28, /* parameters we would like */
	    57,  2, 0x05, 0xdc,                /* max message 1500 */
	    255,                               /* end */
	};
	size_t need = 240 + sizeof opts;
	if (cap < need)
		return -1;
	memset(b, 0, need);
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	put32(b + 4, xid);
	put32(b + 12, ciaddr);
	memcpy(b + 28, chaddr, 6);
	put32(b + 236, 0x63825363); /* magic cookie */
	memcpy(b + 240, opts, sizeof opts);
	return (int)need;
}

int dhcp_parse(const uint8_t *b, size_t len, struct dhcp_info *o)
{
	memset(o, 0, sizeof *o);
	if (len < 240 || (b[0] != 1 && b[0] != 2) || get32(b + 236) != 0x63825363)
		return -1;
	o->op = b[0];
	o->xid = get32(b + 4);
	o->ciaddr = get32(b + 12);
	o->yiaddr = get32(b + 16);
	if (b[1] == 1 && b[2] == 6)
		memcpy(o->chaddr, b + 28, 6);
	size_t p = 240;
	while (p < len) {
		uint8_t code = b[p++];
		if (code == 0)
			continue;
		if (code == 255 || p >= len)
			break;
		size_t l = b[p++];
		if (p + l > len)
			break;
		const uint8_t *v = b + p;
		switch (code) {
		case 53:
			if (l >= 1)
				o->msg_type = v[0];
			break;
		case 54:
			if (l >= 4)
				o->server_id = get32(v);
			break;
		case 3:
			if (l >= 4)
				o->router = get32(v);
			break;
		case 6:
			for (size_t i = 0; i + 4 <= l && o->ndns < 4; i += 4)
				o->dns[o->ndns++] = get32(v + i);
			break;
		case 15:
			text_clean(v, l, o->domain, sizeof o->domain, 1);
			break;
		case 12:
			text_clean(v, l, o->hostname, sizeof o->hostname, 1);
			break;
		case 51:
			if (l >= 4)
				o->lease = get32(v);
			break;
		case 50:
			if (l >= 4)
				o->requested_ip = get32(v);
			break;
		case 60:
			text_clean(v, l, o->vendor_class, sizeof o->vendor_class, 1);
			break;
		default:
			break;
		}
		p += l;
	}
	return o->msg_type ? 0 : -1;
}
