/* The CIDRs a sweep covered: see cover.h. */
#include "cover.h"

#include "target6.h"
#include "targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(struct cover *c, uint32_t net, unsigned bits)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		char(*g)[COVER_CIDR_LEN] = realloc(c->cidr, cap * sizeof *g);
		if (!g)
			return -1;
		c->cidr = g;
		c->cap = cap;
	}
	char ip[16];
	snprintf(c->cidr[c->n++], COVER_CIDR_LEN, "%s/%u", ip_text(net, ip), bits);
	return 0;
}

int cover_range(uint32_t lo, uint32_t hi, struct cover *out)
{
	uint64_t a = lo, b = hi;
	while (a <= b) {
		/* The largest block starting at a (aligned) that ends by b. */
		unsigned bits = 32;
		while (bits > 0) {
			uint64_t size = 1ull << (32 - (bits - 1));
			if ((a & (size - 1)) || a + size - 1 > b)
				break;
			bits--;
		}
		if (add(out, (uint32_t)a, bits))
			return -1;
		a += 1ull << (32 - bits);
	}
	return 0;
}

int cover_targets(const char *const *texts, size_t n,
                  bool (*swept)(void *arg, uint32_t ip), void *arg, struct cover *out)
{
	for (size_t i = 0; i < n; i++) {
		if (target6_is(texts[i]))
			continue;
		uint32_t lo, hi;
		char why[160];
		if (target_parse(texts[i], &lo, &hi, why, sizeof why))
			return -1;
		bool all = true;
		for (uint64_t ip = lo; ip <= hi && all; ip++)
			all = swept(arg, (uint32_t)ip);
		if (!all)
			continue;
		/* A CIDR shorter than /31 lost its network and broadcast
		 * addresses to the parse: it covers its whole block. */
		const char *slash = strchr(texts[i], '/');
		if (slash && strtoul(slash + 1, NULL, 10) < 31) {
			lo--;
			hi++;
		}
		if (cover_range(lo, hi, out))
			return -1;
	}
	return 0;
}

void cover_free(struct cover *c)
{
	free(c->cidr);
	memset(c, 0, sizeof *c);
}
