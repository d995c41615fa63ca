#include "targets.h"

#include "sc_log.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ip_text(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
	         ip & 255);
	return buf;
}

static int parse_ip(const char *s, size_t len, uint32_t *ip)
{
	char tmp[INET_ADDRSTRLEN];
	struct in_addr a;
	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

static int parse_range(const char *text, uint32_t *lo, uint32_t *hi, char *why,
                       size_t whylen)
{
	size_t len = strlen(text);
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\n'))
		len--;
	while (len && *text == ' ')
		text++, len--;
	const char *slash = memchr(text, '/', len), *dash = memchr(text, '-', len);
	uint32_t a, b;
	if (slash) {
		char *end;
		const char *p = slash + 1;
		if (p == text + len || *p < '0' || *p > '9') {
			snprintf(why, whylen, "'%.*s': bad prefix length", (int)len,
			         text);
			return -1;
		}
		unsigned long bits = strtoul(p, &end, 10);
		if (end != text + len || bits > 32 ||
		    parse_ip(text, (size_t)(slash - text), &a)) {
			snprintf(why, whylen, "'%.*s' is not an IPv4 CIDR", (int)len,
			         text);
			return -1;
		}
		uint32_t mask = bits ? ~0u << (32 - bits) : 0;
		*lo = a & mask;
		*hi = *lo | ~mask;
		if (bits < 31) { /* the network and broadcast addresses are nobody */
			(*lo)++;
			(*hi)--;
		}
		return 0;
	}
	if (dash) {
		if (parse_ip(text, (size_t)(dash - text), &a) ||
		    parse_ip(dash + 1, len - (size_t)(dash - text) - 1, &b) || b < a) {
			snprintf(why, whylen,
			         "'%.*s' is not an IPv4 address, CIDR or a.b.c.d-e.f.g.h "
			         "range",
			         (int)len, text);
			return -1;
		}
		*lo = a;
		*hi = b;
		return 0;
	}
	if (parse_ip(text, len, &a)) {
		snprintf(why, whylen, "'%.*s' is not an IPv4 address or CIDR", (int)len,
		         text);
		return -1;
	}
	*lo = *hi = a;
	return 0;
}

static int cmp_range(const void *x, const void *y)
{
	const struct target_range *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

int targets_build(struct target_set *ts, const char *const *texts, size_t n)
{
	memset(ts, 0, sizeof *ts);
	if (n == 0)
		return 0;
	ts->r = calloc(n, sizeof *ts->r);
	if (!ts->r) {
		sc_error("discovery: out of memory for targets");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char why[160];
		if (!texts[i] ||
		    target_parse(texts[i], &ts->r[i].lo, &ts->r[i].hi, why, sizeof why)) {
			sc_error("discovery: target %s", texts[i] ? why : "(null)");
			targets_free(ts);
			return -1;
		}
	}
	qsort(ts->r, n, sizeof *ts->r, cmp_range);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && (uint64_t)ts->r[i].lo <= (uint64_t)ts->r[m - 1].hi + 1) {
			if (ts->r[i].hi > ts->r[m - 1].hi)
				ts->r[m - 1].hi = ts->r[i].hi;
		} else {
			ts->r[m++] = ts->r[i];
		}
	}
	ts->n = m;
	uint64_t total = 0;
	for (size_t i = 0; i < m; i++) {
		ts->r[i].base = (uint32_t)total;
		total += (uint64_t)ts->r[i].hi - ts->r[i].lo + 1;
		if (total > TARGETS_MAX) {
			sc_error("discovery: targets cover more than %u addresses",
			         TARGETS_MAX);
			targets_free(ts);
			return -1;
		}
	}
	ts->count = (uint32_t)total;
	return 0;
}

void targets_free(struct target_set *ts)
{
	free(ts->r);
	memset(ts, 0, sizeof *ts);
}

uint32_t targets_addr(const struct target_set *ts, uint32_t ordinal)
{
	size_t lo = 0, hi = ts->n;
	while (hi - lo > 1) { /* last range whose base <= ordinal */
		size_t mid = (lo + hi) / 2;
		if (ts->r[mid].base <= ordinal)
			lo = mid;
		else
			hi = mid;
	}
	return ts->r[lo].lo + (ordinal - ts->r[lo].base);
}

int64_t targets_ordinal(const struct target_set *ts, uint32_t ip)
{
	size_t lo = 0, hi = ts->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ip < ts->r[mid].lo)
			hi = mid;
		else if (ip > ts->r[mid].hi)
			lo = mid + 1;
		else
			return (int64_t)ts->r[mid].base + (ip - ts->r[mid].lo);
	}
	return -1;
}

int target_parse(const char *text, uint32_t *lo, uint32_t *hi, char *why, size_t whylen)
{
	if (parse_range(text, lo, hi, why, whylen))
		return -1;
	/* 240.0.0.0/4 is reserved (and 255.255.255.255 is broadcast): never a
	 * host, and the engine keys its IPv6 hosts there. */
	if (*hi >= 0xf0000000u) {
		snprintf(why, whylen, "'%s' reaches into 240.0.0.0/4, which is reserved",
		         text);
		return -1;
	}
	return 0;
}

/* ---- links ---- */

int links_load(struct links *ls)
{
	memset(ls, 0, sizeof *ls);
	struct ifaddrs *list;
	if (getifaddrs(&list)) {
		sc_error("discovery: cannot list interfaces");
		return -1;
	}
	size_t cap = 0;
	for (struct ifaddrs *ia = list; ia; ia = ia->ifa_next)
		if (ia->ifa_addr && ia->ifa_addr->sa_family == AF_INET)
			cap++;
	ls->l = calloc(cap ? cap : 1, sizeof *ls->l);
	if (!ls->l) {
		freeifaddrs(list);
		return -1;
	}
	for (struct ifaddrs *ia = list; ia; ia = ia->ifa_next) {
		if (!ia->ifa_addr || ia->ifa_addr->sa_family != AF_INET ||
		    !ia->ifa_netmask)
			continue;
		struct link *k = &ls->l[ls->n++];
		snprintf(k->ifname, sizeof k->ifname, "%s", ia->ifa_name);
		k->ifindex = (int)if_nametoindex(ia->ifa_name);
		k->ip = ntohl(((struct sockaddr_in *)ia->ifa_addr)->sin_addr.s_addr);
		k->mask = ntohl(((struct sockaddr_in *)ia->ifa_netmask)->sin_addr.s_addr);
		k->arp =
		    (ia->ifa_flags & IFF_UP) && (ia->ifa_flags & IFF_RUNNING) &&
		    !(ia->ifa_flags & (IFF_NOARP | IFF_LOOPBACK | IFF_POINTOPOINT)) &&
		    k->mask != 0xffffffff;
	}
	/* MACs come from the AF_PACKET entries; only Ethernet keeps ARP on. */
	for (size_t i = 0; i < ls->n; i++) {
		bool ether = false;
		for (struct ifaddrs *ia = list; ia; ia = ia->ifa_next) {
			if (!ia->ifa_addr || ia->ifa_addr->sa_family != AF_PACKET ||
			    strcmp(ia->ifa_name, ls->l[i].ifname))
				continue;
			const struct sockaddr_ll *ll =
			    (const struct sockaddr_ll *)ia->ifa_addr;
			if (ll->sll_hatype == ARPHRD_ETHER && ll->sll_halen == 6) {
				memcpy(ls->l[i].mac, ll->sll_addr, 6);
				ether = true;
			}
		}
		if (!ether)
			ls->l[i].arp = false;
	}
	freeifaddrs(list);
	return 0;
}

void links_free(struct links *ls)
{
	free(ls->l);
	memset(ls, 0, sizeof *ls);
}

int links_onlink(const struct links *ls, uint32_t ip)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->l[i].arp && (ip & ls->l[i].mask) == (ls->l[i].ip & ls->l[i].mask))
			return (int)i;
	return -1;
}

bool links_is_own(const struct links *ls, uint32_t ip)
{
	if ((ip >> 24) == 127)
		return true;
	for (size_t i = 0; i < ls->n; i++)
		if (ls->l[i].ip == ip)
			return true;
	return false;
}
