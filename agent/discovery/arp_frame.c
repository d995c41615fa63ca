#include "arp_frame.h"

#include "eth_frame.h"

#include <stdio.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void arp_build_request(uint8_t f[ARP_FRAME_LEN], const uint8_t sha[6], uint32_t spa,
                       uint32_t tpa)
{
	memset(f, 0, ARP_FRAME_LEN);
	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, sha, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);      /* Ethernet */
	put16(f + 16, 0x0800); /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1); /* request */
	memcpy(f + 22, sha, 6);
	put32(f + 28, spa);
	/* tha stays zero */
	put32(f + 38, tpa);
}

int arp_parse(const uint8_t *f, size_t len, struct arp_packet *out)
{
	struct eth_header eh;
	memset(out, 0, sizeof *out);
	if (eth_header(f, len, &eh))
		return -1;
	memcpy(out->eth_src, f + 6, 6);
	out->vlan = eh.vlan;
	out->inner_vlan = eh.inner_vlan;
	if (eh.type != 0x0806)
		return -1;
	size_t off = eh.off;
	if (len < off + 28)
		return -1;
	const uint8_t *a = f + off;
	if (get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
		return -1;
	out->op = get16(a + 6);
	memcpy(out->sha, a + 8, 6);
	out->spa = get32(a + 14);
	memcpy(out->tha, a + 18, 6);
	out->tpa = get32(a + 24);
	return 0;
}

const char *mac_text(const uint8_t m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
	         m[5]);
	return buf;
}
