#include "eth_frame.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int is_tag(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

int eth_header(const uint8_t *f, size_t len, struct eth_header *h)
{
	memset(h, 0, sizeof *h);
	if (len < 14)
		return -1;
	size_t off = 12;
	uint16_t type = get16(f + off);
	for (int tags = 0; is_tag(type); tags++) {
		if (tags == ETH_MAX_TAGS || len < off + 6)
			return -1;
		uint16_t id = get16(f + off + 2) & 0x0fff;
		if (tags == 0)
			h->vlan = id;
		else
			h->inner_vlan = id;
		off += 4;
		type = get16(f + off);
	}
	h->type = type;
	h->off = off + 2;
	return 0;
}
