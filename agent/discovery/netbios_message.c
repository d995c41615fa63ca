#include "netbios_message.h"

#include <string.h>

void netbios_build_nbstat(uint8_t q[NBSTAT_QUERY_LEN], uint16_t id)
{
	memset(q, 0, NBSTAT_QUERY_LEN);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1; /* one question */
	q[12] = 32;
	/* "*" padded with NULs, first-level encoded: each nibble + 'A'. */
	uint8_t name[16] = {'*'};
	for (int i = 0; i < 16; i++) {
		q[13 + 2 * i] = (uint8_t)('A' + (name[i] >> 4));
		q[14 + 2 * i] = (uint8_t)('A' + (name[i] & 0x0f));
	}
	q[45] = 0;
	q[47] = 0x21; /* NBSTAT */
	q[49] = 0x01; /* IN */
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int netbios_parse_nbstat(const uint8_t *b, size_t len, struct netbios_info *o)
{
	memset(o, 0, sizeof *o);
	if (len < 12)
		return -1;
	o->id = get16(b);
	uint16_t flags = get16(b + 2);
	if (!(flags & 0x8000) || (flags & 0x000f) || get16(b + 6) == 0)
		return -1; /* not a response, an error rcode, or no answer */
	size_t off = 12;
	/* Answer name: labels (normally one of 32 bytes) or a pointer. */
	while (off < len && b[off] != 0) {
		if ((b[off] & 0xc0) == 0xc0) {
			off += 1;
			break;
		}
		off += 1 + (size_t)b[off];
	}
	off += 1;
	if (off + 11 > len)
		return -1;
	if (get16(b + off) != 0x21)
		return -1;
	size_t rdlen = get16(b + off + 8);
	off += 10;
	if (rdlen < 1 || off + rdlen > len)
		return -1;
	size_t n = b[off++];
	size_t end = off + rdlen - 1; /* one past the rdata */
	for (size_t i = 0; i < n; i++) {
		size_t at = off + i * 18;
		if (at + 18 > end)
			break;
		const uint8_t *e = b + at;
		if (o->nnames < NETBIOS_MAX_NAMES) {
			struct netbios_name *nm = &o->names[o->nnames++];
			size_t w = 0;
			for (int k = 0; k < 15; k++)
				nm->name[w++] =
				    (e[k] >= 0x20 && e[k] < 0x7f) ? (char)e[k] : '?';
			while (w && nm->name[w - 1] == ' ')
				w--;
			nm->name[w] = '\0';
			nm->suffix = e[15];
			nm->flags = get16(e + 16);
			int group = (nm->flags & 0x8000) != 0;
			if (!group && nm->suffix == 0x00 && !o->host[0] && w)
				memcpy(o->host, nm->name, w + 1);
			if (group && nm->suffix == 0x00 && !o->workgroup[0] && w)
				memcpy(o->workgroup, nm->name, w + 1);
		}
	}
	if (!o->host[0])
		for (size_t i = 0; i < o->nnames; i++)
			if (!(o->names[i].flags & 0x8000) && o->names[i].suffix == 0x20 &&
			    o->names[i].name[0]) {
				memcpy(o->host, o->names[i].name, sizeof o->host);
				break;
			}
	size_t mac = off + n * 18;
	if (mac + 6 <= end) {
		memcpy(o->mac, b + mac, 6);
		o->has_mac = (o->mac[0] | o->mac[1] | o->mac[2] | o->mac[3] | o->mac[4] |
		              o->mac[5]) != 0;
	}
	return o->nnames ? 0 : -1;
}
