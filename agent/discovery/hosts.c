/* The host table and the rule for when a host exists: its first protocol-
 * level answer (ARP, ICMP echo reply, TCP reset, bytes on a connection, a UDP
 * reply) confirms it; before that nothing about it is emitted. */
#include "engine.h"

#include "sc_log.h"
#include "sink.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static size_t bucket(const struct engine *e, uint32_t ip)
{
	uint32_t x = ip * 2654435761u; /* Knuth's multiplicative hash */
	return (x ^ (x >> 16)) & (e->nbuckets - 1);
}

int hosts_init(struct engine *e)
{
	e->nbuckets = 1024;
	e->buckets = calloc(e->nbuckets, sizeof *e->buckets);
	if (!e->buckets) {
		sc_error("discovery: out of memory for hosts");
		return -1;
	}
	return 0;
}

void hosts_free(struct engine *e)
{
	for (size_t i = 0; i < e->nbuckets; i++) {
		struct host *h = e->buckets[i];
		while (h) {
			struct host *next = h->hnext;
			free(h->pending);
			free(h->open_tcp);
			free(h);
			h = next;
		}
	}
	free(e->buckets);
	e->buckets = NULL;
	e->nbuckets = e->nhosts = 0;
}

struct host *host_find(struct engine *e, uint32_t ip)
{
	for (struct host *h = e->buckets[bucket(e, ip)]; h; h = h->hnext)
		if (h->ip == ip)
			return h;
	return NULL;
}

static void grow(struct engine *e)
{
	size_t n = e->nbuckets * 2;
	struct host **b = calloc(n, sizeof *b);
	if (!b)
		return; /* longer chains, still correct */
	struct host **old = e->buckets;
	size_t oldn = e->nbuckets;
	e->buckets = b;
	e->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		struct host *h = old[i];
		while (h) {
			struct host *next = h->hnext;
			size_t k = bucket(e, h->ip);
			h->hnext = b[k];
			b[k] = h;
			h = next;
		}
	}
	free(old);
}

struct host *host_get(struct engine *e, uint32_t ip)
{
	struct host *h = host_find(e, ip);
	if (h)
		return h;
	h = calloc(1, sizeof *h);
	if (!h) {
		sc_error("discovery: out of memory for a host");
		return NULL;
	}
	h->ip = ip;
	int64_t ord = targets_ordinal(&e->targets, ip);
	uint8_t k = ord >= 0 ? e->klass[ord] : KLASS_ROUTED;
	h->link = (k != KLASS_ROUTED && k != KLASS_SKIP) ? k - 1 : -1;
	h->deep = e->req->deep || targets_ordinal(&e->deep, ip) >= 0;
	if (IS_HOST6_KEY(ip) && ip - HOST6_KEY < e->nv6) {
		h->v6 = true;
		for (size_t i = 0; i < e->ndeep6; i++)
			h->deep |= target6_contains(&e->deep6[i], e->v6[ip - HOST6_KEY]);
	}
	if (e->nhosts + 1 > e->nbuckets)
		grow(e);
	size_t b = bucket(e, ip);
	h->hnext = e->buckets[b];
	e->buckets[b] = h;
	e->nhosts++;
	return h;
}

static void record_open(struct host *h, uint16_t port)
{
	if (h->nopen_tcp == h->capopen_tcp) {
		uint32_t cap = h->capopen_tcp ? h->capopen_tcp * 2 : 8;
		uint16_t *p = realloc(h->open_tcp, cap * sizeof *p);
		if (!p)
			return;
		h->open_tcp = p;
		h->capopen_tcp = cap;
	}
	h->open_tcp[h->nopen_tcp++] = port;
}

static void emit_host(struct engine *e, struct host *h, Scanopy__V1__Evidence ev,
                      uint32_t rtt_us, uint8_t ttl, const uint16_t vlan[2])
{
	char ip[IP_TEXT_LEN], mac[18];
	Scanopy__V1__HostSeen m = SCANOPY__V1__HOST_SEEN__INIT;
	m.ip = (char *)eng_ip_text(e, h->ip, ip);
	if (h->has_mac) {
		static const uint8_t zero[6];
		if (memcmp(h->mac, zero, 6)) {
			snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x",
			         h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4],
			         h->mac[5]);
			m.mac = mac;
		}
	}
	m.evidence = ev;
	m.has_evidence = 1;
	if (rtt_us) {
		m.rtt_us = rtt_us;
		m.has_rtt_us = 1;
	}
	if (ttl) {
		m.ttl = ttl;
		m.has_ttl = 1;
	}
	if (vlan && vlan[0]) {
		m.vlan_id = vlan[0];
		m.has_vlan_id = 1;
	}
	if (vlan && vlan[1]) {
		m.inner_vlan_id = vlan[1];
		m.has_inner_vlan_id = 1;
	}
	sink_host(e->sink, &m);
}

void host_evidence(struct engine *e, struct host *h, Scanopy__V1__Evidence ev,
                   uint32_t rtt_us, uint8_t ttl)
{
	host_evidence_tagged(e, h, ev, rtt_us, ttl, NULL);
}

void host_evidence_tagged(struct engine *e, struct host *h, Scanopy__V1__Evidence ev,
                          uint32_t rtt_us, uint8_t ttl, const uint16_t vlan[2])
{
	if (rtt_us && (!h->rtt_us || rtt_us < h->rtt_us))
		h->rtt_us = rtt_us;
	if (ttl)
		h->ttl = ttl;
	if (!(h->evidence & EVBIT(ev))) {
		h->evidence |= EVBIT(ev);
		emit_host(e, h, ev, rtt_us, ttl, vlan);
	}
	if (h->confirmed)
		return;
	h->confirmed = true;
	h->discovery_only = false;
	e->st.hosts++;
	for (size_t i = 0; i < h->npending; i++) {
		record_open(h, h->pending[i].port);
		emit_port(e, h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_TCP,
		          h->pending[i].port, h->pending[i].rtt_us);
	}
	e->st.tcp_open += (uint32_t)h->npending;
	free(h->pending);
	h->pending = NULL;
	h->npending = h->cappending = 0;
	e->ports_total += host_tcp_total(e, h);
	host_queue_ports(e, h);
	udp_queue_host(e, h);
	if (e->req->resolve_names)
		rdns_queue_host(e, h);
}

void host_port_open(struct engine *e, struct host *h, uint16_t port, uint32_t rtt_us)
{
	if (h->confirmed) {
		record_open(h, port);
		emit_port(e, h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_TCP, port, rtt_us);
		e->st.tcp_open++;
		return;
	}
	if (h->npending == h->cappending) {
		size_t cap = h->cappending ? h->cappending * 2 : 8;
		struct pending_port *p = realloc(h->pending, cap * sizeof *p);
		if (!p)
			return;
		h->pending = p;
		h->cappending = cap;
	}
	h->pending[h->npending++] = (struct pending_port){port, rtt_us};
}

const char *eng_ip_text(const struct engine *e, uint32_t ip, char buf[IP_TEXT_LEN])
{
	if (IS_HOST6_KEY(ip) && ip - HOST6_KEY < e->nv6)
		return inet_ntop(AF_INET6, e->v6[ip - HOST6_KEY], buf, IP_TEXT_LEN);
	return ip_text(ip, buf);
}

socklen_t host_sockaddr(const struct engine *e, const struct host *h, uint16_t port,
                        struct sockaddr_storage *out)
{
	memset(out, 0, sizeof *out);
	if (h->v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, e->v6[h->ip - HOST6_KEY], 16);
		return sizeof *a;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)out;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(h->ip);
	return sizeof *a;
}

void hosts_start_v6(struct engine *e)
{
	e->disc_total += e->nv6;
	for (uint32_t i = 0; i < e->nv6; i++) {
		struct host *h = host_get(e, HOST6_KEY + i);
		if (!h)
			return;
		h->discovery_only = true;
		e->disc_done++;
		host_queue_ports(e, h);
	}
}

uint32_t host_tcp_total(const struct engine *e, const struct host *h)
{
	return h->deep ? 65535 : e->ntcp;
}

unsigned host_connect_timeout(const struct host *h)
{
	if (!h->rtt_us)
		return 900; /* under the kernel's first SYN retransmission (1 s) */
	unsigned t = h->rtt_us / 1000 * 8 + 150;
	return t < 250 ? 250 : t > 1500 ? 1500 : t;
}
