/* UDP probes: for each UDP port of each live host that has a protocol-
 * specific probe (DNS, DHCP, NTP, NetBIOS, SNMP, SSDP, SIP, mDNS), the request
 * from a connected socket (so the kernel hands us only that host's answers
 * and an ICMP port-unreachable as ECONNREFUSED), one retry when nothing came
 * back. A valid answer makes the port open and is emitted raw (UdpReply)
 * and, where it names the host, as a NameRecord or SnmpSystem. The probe
 * plan's UDP probes go out too, as the plan's bytes, to the ports it names
 * for them (unless the built-in probe of that port is the same request); any
 * answer from that address and port to one of them is emitted raw.
 *
 * IPv6 hosts get the same probes over IPv6 but for those that exist over
 * IPv4 only (NetBIOS name service, DHCPv4 INFORM); their answers are
 * emitted with the IPv6 address, as their TCP ports are. */
#include "engine.h"

#include "banner.h"
#include "dhcp_message.h"
#include "dns_message.h"
#include "netbios_message.h"
#include "ntp_message.h"
#include "payloads.h"
#include "portinfo.h"
#include "sc_log.h"
#include "scan_plan.h"
#include "sink.h"
#include "snmp_message.h"
#include "ssdp_message.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_TRIES 2
#define SSDP_WAIT_MS 1200 /* devices may delay their answer up to MX (1 s) */

struct uprobe {
	struct ev_watch w;
	struct ev_timer t;
	struct engine *e;
	struct host *h;
	struct uprobe *next;          /* queue */
	struct uprobe *aprev, *anext; /* active list */
	uint16_t port;
	enum proto proto;
	const struct scan_plan_probe *plan; /* a plan probe (proto unknown) */
	int tries, replies, expected;
	bool open;
	uint32_t token; /* ids, xid, timestamps we expect echoed */
	uint64_t ntp_token;
	char services[8][128]; /* mDNS service types seen */
	size_t nservices;
};

struct udp_state {
	struct uprobe *qhead, *qtail;
	struct uprobe *active_list;
	unsigned active;
};

int udp_init(struct engine *e)
{
	e->udp_st = calloc(1, sizeof *e->udp_st);
	return e->udp_st ? 0 : -1;
}

/* The name our built-in probe of p answers to (as handle_reply gives it). */
static const char *builtin_name(enum proto p)
{
	switch (p) {
	case PROTO_DNS:
		return "dns-version-bind";
	case PROTO_MDNS:
		return "mdns-query";
	case PROTO_NTP:
		return "ntp-client";
	case PROTO_NETBIOS:
		return "netbios-nbstat";
	case PROTO_SNMP:
		return "snmp-v3-discovery";
	case PROTO_SSDP:
		return "ssdp-msearch";
	case PROTO_SIP:
		return "sip-options";
	case PROTO_DHCP:
		return "dhcp-inform";
	default:
		return "";
	}
}

static int queue(struct engine *e, struct host *h, uint16_t port, enum proto p,
                 const struct scan_plan_probe *plan)
{
	struct udp_state *s = e->udp_st;
	struct uprobe *u = calloc(1, sizeof *u);
	if (!u)
		return -1;
	u->e = e;
	u->h = h;
	u->port = port;
	u->proto = p;
	u->plan = plan;
	u->w.fd = -1;
	if (s->qtail)
		s->qtail->next = u;
	else
		s->qhead = u;
	s->qtail = u;
	return 0;
}

void udp_queue_host(struct engine *e, struct host *h)
{
	struct udp_state *s = e->udp_st;
	const struct scan_plan *plan = e->req->plan;
	if (!s || h->udp_queued)
		return;
	h->udp_queued = true;
	for (size_t i = 0; i < e->nudp; i++) {
		enum proto p = udp_probe_for(e->udp[i]);
		if (p == PROTO_DHCP && (h->link < 0 || h->v6))
			continue; /* INFORM answers come back to port 68 on our link only
			           */
		if (p == PROTO_NETBIOS && h->v6)
			continue; /* NetBIOS name service has no IPv6 transport */
		if (p != PROTO_UNKNOWN && queue(e, h, e->udp[i], p, NULL))
			return;
		for (size_t k = 0; plan && k < plan->nprobes; k++) {
			const struct scan_plan_probe *pr = &plan->probes[k];
			if (pr->udp && scan_ports_has(&pr->ports, e->udp[i]) &&
			    strcmp(pr->id, builtin_name(p)) &&
			    queue(e, h, e->udp[i], PROTO_UNKNOWN, pr))
				return;
		}
	}
}

static unsigned udp_timeout(const struct uprobe *u)
{
	unsigned t = u->h->rtt_us ? u->h->rtt_us / 1000 * 8 + 500 : 1000;
	t = t < 600 ? 600 : t > 2000 ? 2000 : t;
	if (u->plan && u->plan->read_ms > t)
		t = u->plan->read_ms;
	if (u->proto == PROTO_SSDP && t < SSDP_WAIT_MS)
		t = SSDP_WAIT_MS;
	return t;
}

static void emit_snmp_system(struct engine *e, uint32_t ip, const struct snmp_msg *m)
{
	char ipt[IP_TEXT_LEN], eid[65], strs[6][512], oid[128];
	Scanopy__V1__SnmpSystem s = SCANOPY__V1__SNMP_SYSTEM__INIT;
	s.ip = (char *)eng_ip_text(e, ip, ipt);
	if (m->engine_id_len) {
		for (size_t i = 0; i < m->engine_id_len; i++)
			snprintf(eid + 2 * i, 3, "%02x", m->engine_id[i]);
		s.engine_id = eid;
	}
	for (size_t i = 0; i < m->nvb; i++) {
		const struct snmp_varbind *v = &m->vb[i];
		for (int k = 0; k < 6; k++) {
			if (strcmp(v->oid, snmp_system_oids[k]))
				continue;
			if (k == 1 && v->type == BER_OID) {
				snprintf(oid, sizeof oid, "%.*s", (int)v->vlen,
				         (const char *)v->value);
				s.sys_object_id = oid;
			} else if (k == 2 && v->type == BER_TIMETICKS) {
				s.sys_uptime_cs = v->num;
				s.has_sys_uptime_cs = 1;
			} else if (v->type == BER_OCTETS) {
				text_clean(v->value, v->vlen, strs[k], sizeof strs[k], 0);
				char **slot[6] = {&s.sys_descr, NULL,
				                  NULL,         &s.sys_contact,
				                  &s.sys_name,  &s.sys_location};
				if (slot[k])
					*slot[k] = strs[k];
			}
		}
	}
	Scanopy__V1__Observation o = SCANOPY__V1__OBSERVATION__INIT;
	o.observed_at_ms = eng_unix_ms();
	o.has_observed_at_ms = 1;
	o.kind_case = SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM;
	o.snmp_system = &s;
	sink_emit(e->sink, &o);
	if (s.sys_name && *s.sys_name)
		emit_name(e, ip, SCANOPY__V1__NAME_SOURCE__NAME_SNMP, s.sys_name, NULL, 0,
		          NULL);
}

/* The in-addr.arpa or ip6.arpa name of h's address. */
static void reverse_name(const struct engine *e, const struct host *h,
                         char rev[DNS_REVERSE6_LEN])
{
	if (h->v6)
		dns_reverse_name6(e->v6[h->ip - HOST6_KEY], rev, DNS_REVERSE6_LEN);
	else
		dns_reverse_name(h->ip, rev, DNS_REVERSE6_LEN);
}

/* Validates one datagram for the probe's protocol, emitting what it names.
 * Returns the Banner-style probe name when valid, NULL otherwise. */
static const char *handle_reply(struct uprobe *u, const uint8_t *b, size_t n)
{
	struct engine *e = u->e;
	uint32_t ip = u->h->ip;
	switch (u->proto) {
	case PROTO_DNS: {
		struct dns_msg *m = malloc(sizeof *m);
		bool ok = m && dns_parse(b, n, m) == 0 && m->id == (uint16_t)u->token &&
		          (m->flags & 0x8000);
		free(m);
		return ok ? "dns-version-bind" : NULL;
	}
	case PROTO_MDNS: {
		struct dns_msg *m = malloc(sizeof *m);
		if (!m || dns_parse(b, n, m) || !(m->flags & 0x8000)) {
			free(m);
			return NULL;
		}
		char rev[DNS_REVERSE6_LEN];
		reverse_name(e, u->h, rev);
		for (size_t i = 0; i < m->nrr; i++) {
			const struct dns_rr *rr = &m->rr[i];
			if (rr->type != DNS_T_PTR || !rr->data[0])
				continue;
			if (!strcasecmp(rr->name, rev)) {
				emit_name(e, ip, SCANOPY__V1__NAME_SOURCE__NAME_MDNS,
				          rr->data, NULL, 0, NULL);
			} else if (strstr(rr->name, "_services._dns-sd._udp") &&
			           u->nservices < 8) {
				/* service types are short; a longer one is cut */
				snprintf(u->services[u->nservices++],
				         sizeof u->services[0], "%.*s",
				         (int)sizeof u->services[0] - 1, rr->data);
			}
		}
		free(m);
		return "mdns-query";
	}
	case PROTO_NTP: {
		struct ntp_info ni;
		return ntp_parse(b, n, &ni) == 0 && ni.origin == u->ntp_token
		           ? "ntp-client"
		           : NULL;
	}
	case PROTO_NETBIOS: {
		struct netbios_info *ni = malloc(sizeof *ni);
		bool ok = ni && netbios_parse_nbstat(b, n, ni) == 0 &&
		          ni->id == (uint16_t)u->token;
		if (ok && ni->host[0])
			emit_name(e, ip, SCANOPY__V1__NAME_SOURCE__NAME_NETBIOS, ni->host,
			          NULL, 0, ni->workgroup);
		free(ni);
		return ok ? "netbios-nbstat" : NULL;
	}
	case PROTO_SNMP: {
		struct snmp_msg *m = malloc(sizeof *m);
		bool ok = m && snmp_msg_parse(b, n, m) == 0 &&
		          (m->pdu_type == SNMP_PDU_RESPONSE ||
		           m->pdu_type == SNMP_PDU_REPORT || m->version == 3);
		if (ok && (m->engine_id_len || (m->nvb && m->error_status == 0)))
			emit_snmp_system(e, ip, m);
		const char *name = !ok               ? NULL
		                   : m->version == 3 ? "snmp-v3-discovery"
		                                     : "snmp-get";
		free(m);
		return name;
	}
	case PROTO_SSDP: {
		struct ssdp_info si;
		if (ssdp_parse(b, n, &si))
			return NULL;
		const char *types[1] = {si.st};
		emit_name(e, ip, SCANOPY__V1__NAME_SOURCE__NAME_SSDP, si.server, types,
		          si.st[0] ? 1 : 0, si.location);
		return "ssdp-msearch";
	}
	case PROTO_SIP:
		return banner_reply_matches(PROTO_SIP, b, n) ? "sip-options" : NULL;
	case PROTO_DHCP: {
		struct dhcp_info di;
		return dhcp_parse(b, n, &di) == 0 && di.op == 2 && di.xid == u->token
		           ? "dhcp-inform"
		           : NULL;
	}
	default: /* the connected socket only hears that address and port */
		return u->plan && n ? u->plan->id : NULL;
	}
}

static void uprobe_end(struct uprobe *u)
{
	struct engine *e = u->e;
	ev_timer_stop(&e->loop, &u->t);
	if (u->w.fd >= 0) {
		ev_close(&e->loop, &u->w);
		eng_socket_closed(e);
	}
	if (u->proto == PROTO_MDNS && u->nservices) {
		const char *types[8];
		for (size_t i = 0; i < u->nservices; i++)
			types[i] = u->services[i];
		emit_name(e, u->h->ip, SCANOPY__V1__NAME_SOURCE__NAME_MDNS, "", types,
		          u->nservices, NULL);
	}
	struct udp_state *s = e->udp_st;
	if (u->aprev)
		u->aprev->anext = u->anext;
	else
		s->active_list = u->anext;
	if (u->anext)
		u->anext->aprev = u->aprev;
	s->active--;
	ev_defer_free(&e->loop, u);
}

/* Writes the probe's datagrams; returns how many replies to expect. */
static int send_probe(struct uprobe *u)
{
	struct engine *e = u->e;
	uint8_t buf[1500];
	int n, sent = 0;
	char ip[IP_TEXT_LEN], hostport[IP_TEXT_LEN + 2], local[IP_TEXT_LEN] = "0.0.0.0";
	uint16_t local_port = 0;
	struct sockaddr_storage sa;
	socklen_t sl = sizeof sa;
	if (getsockname(u->w.fd, (struct sockaddr *)&sa, &sl) == 0 &&
	    sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&sa;
		inet_ntop(AF_INET6, &a->sin6_addr, local, sizeof local);
		local_port = ntohs(a->sin6_port);
	} else if (sa.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&sa;
		ip_text(ntohl(a->sin_addr.s_addr), local);
		local_port = ntohs(a->sin_port);
	}
	eng_ip_text(e, u->h->ip, ip);
	snprintf(hostport, sizeof hostport, u->h->v6 ? "[%s]" : "%s", ip);
#define SEND(len)                                                                        \
	do {                                                                             \
		if ((len) > 0 && send(u->w.fd, buf, (size_t)(len), MSG_DONTWAIT) >= 0)   \
			sent++;                                                          \
		if (sent > 1)                                                            \
			rate_charge(&e->rate, ev_now_us());                              \
	} while (0)
	switch (u->proto) {
	case PROTO_DNS:
		n = dns_build_query(buf, sizeof buf, (uint16_t)u->token, "version.bind",
		                    DNS_T_TXT, DNS_C_CH, false);
		SEND(n);
		break;
	case PROTO_MDNS: {
		char rev[DNS_REVERSE6_LEN];
		reverse_name(e, u->h, rev);
		n = dns_build_query(buf, sizeof buf, (uint16_t)u->token, rev, DNS_T_PTR,
		                    DNS_C_IN, false);
		SEND(n);
		n = dns_build_query(buf, sizeof buf, (uint16_t)(u->token + 1),
		                    "_services._dns-sd._udp.local", DNS_T_PTR, DNS_C_IN,
		                    false);
		SEND(n);
		break;
	}
	case PROTO_NTP:
		ntp_build_request(buf, u->ntp_token);
		SEND(NTP_PACKET_LEN);
		break;
	case PROTO_NETBIOS:
		netbios_build_nbstat(buf, (uint16_t)u->token);
		SEND(NBSTAT_QUERY_LEN);
		break;
	case PROTO_SNMP:
		n = snmp_build_v3_discovery(buf, sizeof buf,
		                            (int32_t)(u->token & 0x7fffffff),
		                            (int32_t)((u->token + 1) & 0x7fffffff));
		SEND(n);
		for (size_t i = 0; i < e->ncommunities; i++) {
			n = snmp_build_get(buf, sizeof buf, 1, e->communities[i],
			                   (int32_t)((u->token + 2 + i) & 0x7fffffff),
			                   snmp_system_oids, 6);
			SEND(n);
		}
		break;
	case PROTO_SSDP:
		n = ssdp_build_msearch((char *)buf, sizeof buf, hostport);
		SEND(n);
		break;
	case PROTO_SIP: {
		struct payload_ctx pc = {.ip = ip,
		                         .port = u->port,
		                         .local_ip = local,
		                         .local_port = local_port,
		                         .nonce = u->token,
		                         .udp = true};
		size_t len = payload_for(PROTO_SIP, buf, sizeof buf, &pc);
		SEND((int)len);
		break;
	}
	case PROTO_DHCP: {
		const struct link *k = &e->links.l[u->h->link];
		n = dhcp_build_inform(buf, sizeof buf, u->token, k->ip, k->mac);
		SEND(n);
		break;
	}
	default:
		if (u->plan && u->plan->len <= sizeof buf) {
			memcpy(buf, u->plan->payload, u->plan->len);
			SEND((int)u->plan->len);
		}
		break;
	}
#undef SEND
	return sent;
}

static void on_readable(struct ev_watch *w, uint32_t events)
{
	struct uprobe *u = w->ctx;
	struct engine *e = u->e;
	(void)events;
	for (int k = 0; k < 32; k++) {
		uint8_t buf[4096];
		ssize_t n = recv(w->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ECONNREFUSED &&
			    !u->open) { /* ICMP port unreachable */
				uprobe_end(u);
				return;
			}
			break;
		}
		const char *probe = handle_reply(u, buf, (size_t)n);
		if (!probe)
			continue;
		if (!u->open) {
			u->open = true;
			e->st.udp_open++;
			emit_port(e, u->h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_UDP,
			          u->port, 0);
		}
		emit_udp_reply(e, u->h->ip, u->port, probe, buf, (size_t)n);
		if (++u->replies >= u->expected && u->proto != PROTO_SSDP) {
			uprobe_end(u);
			return;
		}
	}
}

static void on_timeout(struct ev_timer *t)
{
	struct uprobe *u = t->ctx;
	struct engine *e = u->e;
	if (u->replies == 0 && u->tries < UDP_TRIES) {
		u->tries++;
		rate_charge(&e->rate, ev_now_us());
		send_probe(u);
		ev_timer_at(&e->loop, &u->t, e->loop.now_ms + udp_timeout(u));
		return;
	}
	uprobe_end(u);
}

static void start(struct engine *e, struct uprobe *u)
{
	struct sockaddr_storage to;
	socklen_t tolen = host_sockaddr(e, u->h, u->port, &to);
	int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ev_defer_free(&e->loop, u);
		return;
	}
	if (u->proto == PROTO_DHCP) {
		/* The server answers an INFORM to ciaddr:68. */
		int one = 1;
		struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(68)};
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&me, sizeof me)) {
			sc_debug("discovery: DHCP probe skipped: cannot bind port 68: %s",
			         strerror(errno));
			close(fd);
			ev_defer_free(&e->loop, u);
			return;
		}
	}
	if (connect(fd, (struct sockaddr *)&to, tolen)) {
		close(fd);
		ev_defer_free(&e->loop, u);
		return;
	}
	u->w.fd = fd;
	u->w.fn = on_readable;
	u->w.ctx = u;
	ev_timer_init(&u->t, on_timeout, u);
	eng_socket_opened(e);
	struct udp_state *s = e->udp_st;
	u->anext = s->active_list;
	if (s->active_list)
		s->active_list->aprev = u;
	s->active_list = u;
	s->active++;
	if (ev_add(&e->loop, &u->w, EPOLLIN)) {
		uprobe_end(u);
		return;
	}
	u->token = (uint32_t)ev_now_us() ^ (u->h->ip * 2654435761u) ^ u->port;
	u->ntp_token = (uint64_t)u->token << 32 | (uint32_t)~u->token;
	u->tries = 1;
	u->expected = send_probe(u); /* one answer per datagram at most */
	ev_timer_at(&e->loop, &u->t, e->loop.now_ms + udp_timeout(u));
}

void udp_pump(struct engine *e)
{
	struct udp_state *s = e->udp_st;
	while (s && s->qhead) {
		if (!eng_socket_ok(e)) {
			e->want_sockets = true;
			return;
		}
		if (!eng_take_token(e))
			return;
		struct uprobe *u = s->qhead;
		s->qhead = u->next;
		if (!s->qhead)
			s->qtail = NULL;
		u->next = NULL;
		start(e, u);
	}
}

bool udp_idle(const struct engine *e)
{
	const struct udp_state *s = e->udp_st;
	return !s || (!s->qhead && s->active == 0);
}

void udp_stop(struct engine *e)
{
	struct udp_state *s = e->udp_st;
	if (!s)
		return;
	while (s->qhead) {
		struct uprobe *u = s->qhead;
		s->qhead = u->next;
		free(u);
	}
	while (s->active_list)
		uprobe_end(s->active_list);
	free(s);
	e->udp_st = NULL;
}
