#include "passive_frame.h"

#include "eth_frame.h"

#include <string.h>

static const uint8_t cdp_dst[6] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum passive_kind udp4(const uint8_t *ip, size_t len, struct passive_pkt *p)
{
	if (len < 20 || ip[0] >> 4 != 4)
		return PF_OTHER;
	size_t ihl = (size_t)(ip[0] & 15) * 4, total = get16(ip + 2);
	if (ihl < 20 || total < ihl || total > len)
		return PF_OTHER;
	if ((get16(ip + 6) & 0x3fff) != 0 || ip[9] != 17)
		return PF_OTHER; /* a fragment, or not UDP */
	const uint8_t *u = ip + ihl;
	size_t ulen = total - ihl;
	if (ulen < 8 || get16(u + 4) < 8 || get16(u + 4) > ulen)
		return PF_OTHER;
	p->sip = get32(ip + 12);
	p->dip = get32(ip + 16);
	p->sport = get16(u);
	p->dport = get16(u + 2);
	p->payload = u + 8;
	p->plen = (size_t)get16(u + 4) - 8;
	return p->kind = PF_UDP4;
}

enum passive_kind passive_decode(const uint8_t *f, size_t len, struct passive_pkt *p)
{
	struct eth_header eh;
	memset(p, 0, sizeof *p);
	if (eth_header(f, len, &eh))
		return PF_OTHER;
	memcpy(p->dst, f, 6);
	memcpy(p->src, f + 6, 6);
	p->group = (f[0] & 1) != 0;
	p->vlan = eh.vlan;
	p->inner_vlan = eh.inner_vlan;
	if (eh.type == 0x0806)
		return p->kind = PF_ARP;
	if (eh.type == 0x88cc || (eh.type <= 1500 && !memcmp(p->dst, cdp_dst, 6)))
		return p->kind = PF_L2;
	if (eh.type == 0x0800)
		return udp4(f + eh.off, len - eh.off, p);
	return PF_OTHER;
}
