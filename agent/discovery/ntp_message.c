#include "ntp_message.h"

#include <stdio.h>
#include <string.h>

void ntp_build_request(uint8_t out[NTP_PACKET_LEN], uint64_t token)
{
	memset(out, 0, NTP_PACKET_LEN);
	out[0] = (0 << 6) | (4 << 3) | 3; /* LI 0, VN 4, client */
	for (int i = 0; i < 8; i++)
		out[40 + i] = (uint8_t)(token >> (56 - 8 * i));
}

int ntp_parse(const uint8_t *b, size_t len, struct ntp_info *o)
{
	memset(o, 0, sizeof *o);
	if (len < NTP_PACKET_LEN)
		return -1;
	o->leap = b[0] >> 6;
	o->version = (b[0] >> 3) & 7;
	o->mode = b[0] & 7;
	if ((o->mode != 4 && o->mode != 5) || o->version < 1 || o->version > 4)
		return -1;
	o->stratum = b[1];
	o->precision = (int8_t)b[3];
	if (o->stratum <= 1) {
		size_t w = 0;
		for (int i = 0; i < 4; i++)
			if (b[12 + i] >= 0x20 && b[12 + i] < 0x7f)
				o->refid[w++] = (char)b[12 + i];
		o->refid[w] = '\0';
	} else {
		snprintf(o->refid, sizeof o->refid, "%u.%u.%u.%u", b[12], b[13], b[14],
		         b[15]);
	}
	for (int i = 0; i < 8; i++)
		o->origin = o->origin << 8 | b[24 + i];
	return 0;
}
