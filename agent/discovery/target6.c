#include "target6.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool target6_is(const char *text)
{
	return text && strchr(text, ':') != NULL;
}

int target6_parse(const char *text, struct target6 *out, char *why, size_t whylen)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	long len = 128;
	memset(out, 0, sizeof *out);
	if (alen == 0 || alen >= sizeof addr) {
		snprintf(why, whylen, "%.80s: not an IPv6 address", text);
		return -1;
	}
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, out->base) != 1) {
		snprintf(why, whylen, "%.80s: not an IPv6 address", text);
		return -1;
	}
	if (slash) {
		char *end;
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || len < 0 || len > 128) {
			snprintf(why, whylen, "%.80s: prefix length 0 to 128", text);
			return -1;
		}
	}
	if (len < TARGET6_MIN_PREFIX) {
		snprintf(why, whylen,
		         "%.80s: an IPv6 /%ld holds too many addresses to sweep; name "
		         "addresses or a prefix of /%d or longer (IPv6 hosts on a "
		         "scanned IPv4 link are found by neighbour discovery)",
		         text, len, TARGET6_MIN_PREFIX);
		return -1;
	}
	unsigned host_bits = (unsigned)(128 - len);
	out->base[15] &= (uint8_t)(0xff << host_bits);
	out->count = 1u << host_bits;
	if (out->count > 2) { /* the subnet-router anycast address */
		out->base[15]++;
		out->count--;
	}
	return 0;
}

void target6_addr(const struct target6 *t, uint32_t i, uint8_t out[16])
{
	memcpy(out, t->base, 16);
	out[15] = (uint8_t)(out[15] + i); /* count <= 256 from a /120 base */
}

bool target6_contains(const struct target6 *t, const uint8_t a[16])
{
	return !memcmp(t->base, a, 15) && a[15] >= t->base[15] &&
	       (uint32_t)(a[15] - t->base[15]) < t->count;
}
