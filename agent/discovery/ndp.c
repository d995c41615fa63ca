/* IPv6 on the links the scan sweeps: which IPv6 addresses (link-local and
 * global) the hosts found there hold, and whether their open TCP ports
 * answer over IPv6 too.
 *
 *   at start   one ICMPv6 echo to ff02::1 per link from our link-local
 *              address and one from each global address (so hosts answer
 *              from addresses of both scopes); every answering host also
 *              resolves us, which puts it in the kernel's neighbour table
 *   at the end once the IPv4 port scan and probes are over (and at least
 *              NDP_WINDOW_MS after the echoes): the neighbour table of those
 *              links (netlink) gives address -> MAC; an address whose MAC is
 *              a host this scan confirmed is reported as that host's
 *              (HostSeen, EVIDENCE_NDP, with the MAC: the same interface),
 *              and the host's open IPv4 TCP ports are connected to over it
 *              (PortState with the IPv6 address when the handshake completes)
 *
 * An IPv6 address whose MAC belongs to no host of this scan is not
 * reported: the job's targets are IPv4, and a host exists only from them.
 * Routed subnets are unchanged (IPv6 is on-link only). */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include "engine.h"

#include "sc_log.h"
#include "sink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NDP_WINDOW_MS 1000
#define NDP_CONNECT_MS 1500
#define NDP_MAX_ADDRS 4096

struct ndp_link {
	struct engine *e;
	int link;
	struct ev_watch w;
};

struct v6conn {
	struct ev_watch w;
	struct ndp_state *s;
	uint8_t addr[16];
	uint16_t port;
};

struct ndp_state {
	struct ndp_link *l;
	size_t n;
	int phase; /* 0 waiting for the port scan, 1 connecting, 2 done */
	int64_t sent_ms;
	uint16_t ident;
	struct v6conn **conns;
	size_t nconns;
	unsigned open;
	struct ev_timer t;
};

static void on_timer(struct ev_timer *t)
{
	(void)t; /* only wakes the loop: ndp_pump does the work */
}

static void on_echo_reply(struct ev_watch *w, uint32_t events)
{
	(void)events;
	uint8_t buf[256];
	/* The replies only need draining: what counts is the neighbour entry
	 * each answering host's resolution of us leaves in the kernel. */
	while (recv(w->fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
}

static void send_echo(struct ndp_state *s, int fd, int ifindex,
                      const struct in6_addr *src)
{
	struct sockaddr_in6 to = {.sin6_family = AF_INET6,
	                          .sin6_scope_id = (uint32_t)ifindex};
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	struct icmp6_hdr h = {.icmp6_type = ICMP6_ECHO_REQUEST};
	h.icmp6_id = htons(s->ident);
	h.icmp6_seq = htons(1);
	struct iovec iov = {&h, sizeof h};
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} c;
	struct msghdr m = {
	    .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1};
	if (src) {
		memset(&c, 0, sizeof c);
		m.msg_control = c.buf;
		m.msg_controllen = sizeof c.buf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
		struct in6_pktinfo pi = {.ipi6_addr = *src,
		                         .ipi6_ifindex = (unsigned)ifindex};
		memcpy(CMSG_DATA(cm), &pi, sizeof pi);
	}
	if (sendmsg(fd, &m, MSG_DONTWAIT) < 0)
		sc_debug("discovery: IPv6 echo to ff02::1: %s", strerror(errno));
}

static int open_link(struct engine *e, struct ndp_state *s, struct ndp_link *nl,
                     const struct ifaddrs *ifs)
{
	const struct link *k = &e->links.l[nl->link];
	int fd =
	    socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -1; /* no IPv6, or no CAP_NET_RAW */
	struct icmp6_filter f;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
	int hops = 1, loop = 0;
	unsigned idx = (unsigned)k->ifindex;
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop)) {
		close(fd);
		return -1;
	}
	nl->w.fd = fd;
	nl->w.fn = on_echo_reply;
	nl->w.ctx = nl;
	if (ev_add(&e->loop, &nl->w, EPOLLIN)) {
		close(fd);
		nl->w.fd = -1;
		return -1;
	}
	send_echo(s, fd, k->ifindex, NULL); /* from our link-local address */
	rate_charge(&e->rate, ev_now_us());
	for (const struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(i->ifa_name, k->ifname))
			continue;
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_LOOPBACK(a))
			continue;
		send_echo(s, fd, k->ifindex, a); /* hosts answer from their globals */
		rate_charge(&e->rate, ev_now_us());
	}
	return 0;
}

int ndp_start(struct engine *e)
{
	struct ndp_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	e->ndp = s;
	s->phase = 2;
	s->l = calloc(e->links.n ? e->links.n : 1, sizeof *s->l);
	if (!s->l)
		return -1;
	ev_timer_init(&s->t, on_timer, s);
	s->ident = (uint16_t)(getpid() ^ (e->t0_ms & 0xffff));
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs))
		ifs = NULL;
	for (size_t l = 0; l < e->links.n; l++) {
		if (!eng_link_scanned(e, l))
			continue;
		struct ndp_link *nl = &s->l[s->n];
		nl->e = e;
		nl->link = (int)l;
		nl->w.fd = -1;
		if (open_link(e, s, nl, ifs) == 0)
			s->n++;
	}
	if (ifs)
		freeifaddrs(ifs);
	if (s->n) {
		s->phase = 0;
		s->sent_ms = e->loop.now_ms;
	}
	return 0;
}

/* The confirmed host of this scan on link `link` with this MAC, or NULL. */
static struct host *host_by_mac(struct engine *e, int link, const uint8_t mac[6])
{
	for (size_t b = 0; b < e->nbuckets; b++)
		for (struct host *h = e->buckets[b]; h; h = h->hnext)
			if (h->confirmed && h->has_mac && h->link == link &&
			    !memcmp(h->mac, mac, 6))
				return h;
	return NULL;
}

static int link_of_ifindex(const struct ndp_state *s, const struct engine *e, int ifindex)
{
	for (size_t i = 0; i < s->n; i++)
		if (e->links.l[s->l[i].link].ifindex == ifindex)
			return s->l[i].link;
	return -1;
}

static void emit_v6_host(struct engine *e, const uint8_t addr[16], const uint8_t mac[6])
{
	char ip[INET6_ADDRSTRLEN], m[18];
	inet_ntop(AF_INET6, addr, ip, sizeof ip);
	snprintf(m, sizeof m, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
	         mac[3], mac[4], mac[5]);
	Scanopy__V1__HostSeen h = SCANOPY__V1__HOST_SEEN__INIT;
	h.ip = ip;
	h.mac = m;
	h.evidence = SCANOPY__V1__EVIDENCE__EVIDENCE_NDP;
	h.has_evidence = 1;
	sink_host(e->sink, &h);
}

static void conn_done(struct v6conn *c, bool open)
{
	struct ndp_state *s = c->s;
	struct engine *e = s->l[0].e;
	if (open) {
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, c->addr, ip, sizeof ip);
		Scanopy__V1__PortState p = SCANOPY__V1__PORT_STATE__INIT;
		p.ip = ip;
		p.protocol = SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
		p.has_protocol = 1;
		p.port = c->port;
		p.has_port = 1;
		p.status = SCANOPY__V1__PORT_STATUS__PORT_OPEN;
		p.has_status = 1;
		sink_port(e->sink, &p);
	}
	ev_close(&e->loop, &c->w);
	eng_socket_closed(e);
	s->open--;
}

static void on_connect(struct ev_watch *w, uint32_t events)
{
	struct v6conn *c = w->ctx;
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	conn_done(c, err == 0 && !(events & (EPOLLERR | EPOLLHUP)));
}

static void start_connect(struct engine *e, struct ndp_state *s, const uint8_t addr[16],
                          int ifindex, uint16_t port)
{
	if (!eng_socket_ok(e))
		return;
	struct v6conn **grown = realloc(s->conns, (s->nconns + 1) * sizeof *grown);
	if (!grown)
		return;
	s->conns = grown;
	struct v6conn *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->s = s;
	memcpy(c->addr, addr, 16);
	c->port = port;
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	memcpy(&sa.sin6_addr, addr, 16);
	if (IN6_IS_ADDR_LINKLOCAL(&sa.sin6_addr))
		sa.sin6_scope_id = (uint32_t)ifindex;
	c->w.fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->w.fn = on_connect;
	c->w.ctx = c;
	if (c->w.fd < 0 ||
	    (connect(c->w.fd, (struct sockaddr *)&sa, sizeof sa) &&
	     errno != EINPROGRESS) ||
	    ev_add(&e->loop, &c->w, EPOLLOUT)) {
		if (c->w.fd >= 0)
			close(c->w.fd);
		free(c);
		return;
	}
	rate_charge(&e->rate, ev_now_us());
	eng_socket_opened(e);
	s->conns[s->nconns++] = c;
	s->open++;
}

/* Walks the kernel's IPv6 neighbour table: reports the addresses of this
 * scan's hosts and starts the IPv6 connects to their open ports. */
static void read_neighbours(struct engine *e, struct ndp_state *s)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return;
	struct {
		struct nlmsghdr h;
		struct ndmsg m;
	} req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
	               .nlmsg_type = RTM_GETNEIGH,
	               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
	               .nlmsg_seq = 1},
	         .m = {.ndm_family = AF_INET6}};
	if (send(fd, &req, req.h.nlmsg_len, 0) < 0) {
		close(fd);
		return;
	}
	static uint8_t buf[32768];
	size_t reported = 0;
	for (bool done = false; !done;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (h->nlmsg_type != RTM_NEWNEIGH ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ndmsg)))
				continue;
			struct ndmsg *m = NLMSG_DATA(h);
			if (m->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP))
				continue;
			int link = link_of_ifindex(s, e, m->ndm_ifindex);
			if (link < 0)
				continue;
			const uint8_t *dst = NULL, *mac = NULL;
			int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
			for (struct rtattr *a =
			         (struct rtattr *)((char *)m + NLMSG_ALIGN(sizeof *m));
			     RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == 16)
					dst = RTA_DATA(a);
				else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
					mac = RTA_DATA(a);
			}
			struct host *hst = dst && mac ? host_by_mac(e, link, mac) : NULL;
			if (!hst || reported >= NDP_MAX_ADDRS ||
			    IN6_IS_ADDR_MULTICAST((const struct in6_addr *)dst))
				continue;
			reported++;
			emit_v6_host(e, dst, mac);
			for (uint32_t i = 0; i < hst->nopen_tcp; i++)
				start_connect(e, s, dst, m->ndm_ifindex,
				              hst->open_tcp[i]);
		}
	}
	close(fd);
	if (reported)
		sc_info("discovery: %zu IPv6 address(es) of this scan's hosts, %zu IPv6 "
		        "connect(s)",
		        reported, s->nconns);
}

void ndp_pump(struct engine *e)
{
	struct ndp_state *s = e->ndp;
	if (!s || s->phase == 2)
		return;
	int64_t now = e->loop.now_ms;
	if (s->phase == 0) {
		if (now < s->sent_ms + NDP_WINDOW_MS || !arp_idle(e) || !tcp_idle(e) ||
		    !probe_idle(e))
			return;
		read_neighbours(e, s);
		s->phase = 1;
		s->sent_ms = now;
		ev_timer_at(&e->loop, &s->t, now + NDP_CONNECT_MS);
	}
	if (s->open == 0 || now >= s->sent_ms + NDP_CONNECT_MS) {
		for (size_t i = 0; i < s->nconns; i++)
			if (s->conns[i]->w.fd >= 0)
				conn_done(s->conns[i],
				          false); /* silent: filtered over IPv6 */
		ev_timer_stop(&e->loop, &s->t);
		s->phase = 2;
	}
}

bool ndp_idle(const struct engine *e)
{
	return !e->ndp || e->ndp->phase == 2;
}

void ndp_stop(struct engine *e)
{
	struct ndp_state *s = e->ndp;
	if (!s)
		return;
	for (size_t i = 0; i < s->nconns; i++) {
		if (s->conns[i]->w.fd >= 0) {
			ev_close(&e->loop, &s->conns[i]->w);
			eng_socket_closed(e);
		}
		free(s->conns[i]);
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->l[i].w.fd >= 0)
			ev_close(&e->loop, &s->l[i].w);
	ev_timer_stop(&e->loop, &s->t);
	free(s->conns);
	free(s->l);
	free(s);
	e->ndp = NULL;
}
