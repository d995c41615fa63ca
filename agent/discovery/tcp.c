/* The TCP connect scan: non-blocking connect()s on the epoll loop, one packet
 * (the SYN) from the budget each, at most per_host in flight per host and
 * hosts served round robin. A refused connect is a reset from the host (it
 * exists: TCP evidence) unless the error queue shows the refusal was an ICMP
 * error sent by someone else. An accepted connect is handed to the probes. */
#include "engine.h"

#include "sc_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Common ports asked of routed addresses that ignore ICMP: a reset or a
 * service on any of them shows the host. */
static const uint16_t disc_ports[] = {80, 443, 22, 445, 3389, 8080, 53, 25};
#define NDISC (sizeof disc_ports / sizeof disc_ports[0])

struct conn {
	struct ev_watch w;
	struct ev_timer t;
	struct conn *prev, *next; /* in flight, for tcp_stop */
	struct engine *e;
	struct host *h;
	uint16_t port;
	int64_t start_us;
};

static int disc_index(uint16_t port)
{
	for (size_t i = 0; i < NDISC; i++)
		if (disc_ports[i] == port)
			return (int)i;
	return -1;
}

static bool has_ports(const struct engine *e, const struct host *h)
{
	if (h->timed_out)
		return false;
	if (h->discovery_only)
		return h->next_disc < NDISC;
	return h->confirmed && h->next_port < host_tcp_total(e, h);
}

/* The next port to try on h, 0 when none. */
static uint16_t next_port(struct engine *e, struct host *h)
{
	if (h->discovery_only) {
		if (h->next_disc >= NDISC)
			return 0;
		h->disc_done |= (uint8_t)(1u << h->next_disc);
		return disc_ports[h->next_disc++];
	}
	while (h->next_port < host_tcp_total(e, h)) {
		uint16_t p =
		    h->deep ? (uint16_t)(h->next_port + 1) : e->tcp[h->next_port];
		h->next_port++;
		e->ports_done++;
		int d = disc_index(p);
		if (d >= 0 && (h->disc_done & (1u << d)))
			continue; /* asked during discovery already */
		return p;
	}
	return 0;
}

void host_queue_ports(struct engine *e, struct host *h)
{
	if (h->in_queue || h->inflight >= e->per_host || !has_ports(e, h))
		return;
	h->in_queue = true;
	h->qnext = NULL;
	if (e->qtail)
		e->qtail->qnext = h;
	else
		e->qhead = h;
	e->qtail = h;
}

static struct host *queue_pop(struct engine *e)
{
	struct host *h = e->qhead;
	if (h) {
		e->qhead = h->qnext;
		if (!e->qhead)
			e->qtail = NULL;
		h->in_queue = false;
	}
	return h;
}

static void queue_push_front(struct engine *e, struct host *h)
{
	h->in_queue = true;
	h->qnext = e->qhead;
	e->qhead = h;
	if (!e->qtail)
		e->qtail = h;
}

/* After ECONNREFUSED: was it an ICMP (or ICMPv6) error from someone other
 * than the host (a router or firewall refusing for it)? */
static bool refused_by_other(const struct engine *e, int fd, const struct host *h)
{
	struct sockaddr_storage target;
	host_sockaddr(e, h, 0, &target);
	char cbuf[512];
	struct msghdr m = {.msg_control = cbuf, .msg_controllen = sizeof cbuf};
	if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return false; /* nothing queued: a reset */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR,
		     v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
		if (!v4 && !v6)
			continue;
		struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
		    ee->ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;
		struct sockaddr *off = SO_EE_OFFENDER(ee);
		if (off->sa_family == AF_INET && target.ss_family == AF_INET)
			return ((struct sockaddr_in *)off)->sin_addr.s_addr !=
			       ((struct sockaddr_in *)&target)->sin_addr.s_addr;
		if (off->sa_family == AF_INET6 && target.ss_family == AF_INET6)
			return memcmp(&((struct sockaddr_in6 *)off)->sin6_addr,
			              &((struct sockaddr_in6 *)&target)->sin6_addr,
			              16) != 0;
		return false;
	}
	return false;
}

static void conn_free(struct engine *e, struct conn *c, bool close_fd)
{
	ev_timer_stop(&e->loop, &c->t);
	if (close_fd) {
		ev_close(&e->loop, &c->w);
		eng_socket_closed(e);
	} else {
		ev_del(&e->loop, &c->w);
		c->w.fd = -1;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		e->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	e->tcp_inflight--;
	c->h->inflight--;
	host_queue_ports(e, c->h);
	ev_defer_free(&e->loop, c);
}

static void finish(struct conn *c, int err)
{
	struct engine *e = c->e;
	struct host *h = c->h;
	int64_t rtt = ev_now_us() - c->start_us;
	uint32_t rtt_us = rtt > 0 ? (uint32_t)rtt : 1;
	if (err == 0) {
		h->open++;
		h->last_answer_ms = e->loop.now_ms;
		if (h->confirmed)
			host_evidence(e, h, SCANOPY__V1__EVIDENCE__EVIDENCE_TCP, rtt_us,
			              0);
		host_port_open(e, h, c->port, rtt_us);
		int fd = c->w.fd;
		conn_free(e, c, false);
		probe_start(e, h, c->port, fd); /* owns fd (and its socket count) now */
		return;
	}
	if (err == ECONNREFUSED && !refused_by_other(e, c->w.fd, h)) {
		h->closed++;
		e->st.tcp_closed++;
		h->last_answer_ms = e->loop.now_ms;
		host_evidence(e, h, SCANOPY__V1__EVIDENCE__EVIDENCE_TCP, rtt_us, 0);
	} else {
		h->filtered++;
		e->st.tcp_filtered++;
	}
	/* Closed ports leave no TIME_WAIT; nothing to linger on. */
	conn_free(e, c, true);
}

static void on_event(struct ev_watch *w, uint32_t events)
{
	struct conn *c = w->ctx;
	int err = 0;
	socklen_t len = sizeof err;
	(void)events;
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	finish(c, err);
}

static void on_timeout(struct ev_timer *t)
{
	struct conn *c = t->ctx;
	finish(c, ETIMEDOUT);
}

/* Gives back the port next_port just returned (the connect could not be
 * issued: try it again later). */
static void unget_port(struct engine *e, struct host *h)
{
	if (h->discovery_only) {
		h->next_disc--;
		h->disc_done &= (uint8_t) ~(1u << h->next_disc);
	} else {
		h->next_port--;
		e->ports_done--;
	}
}

/* 0 issued (or failed for good), 1 retry later (no port used up). */
static int issue(struct engine *e, struct host *h, uint16_t port)
{
	struct sockaddr_storage to;
	socklen_t tolen = host_sockaddr(e, h, port, &to);
	int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Fewer sockets than we thought: shrink the budget. */
			e->max_sockets = e->sockets > 16 ? e->sockets - 8 : 8;
			sc_warn(
			    "discovery: out of file descriptors; %u sockets at most now",
			    e->max_sockets);
			return 1;
		}
		sc_error("discovery: socket: %s", strerror(errno));
		return 1;
	}
	int one = 1;
	if (to.ss_family == AF_INET6)
		setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof one);
	else
		setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof one);
	/* A reset, not a FIN, when we drop an open port without probing it. */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	struct conn *c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return 1;
	}
	c->e = e;
	c->h = h;
	c->port = port;
	c->w.fd = fd;
	c->w.fn = on_event;
	c->w.ctx = c;
	ev_timer_init(&c->t, on_timeout, c);
	c->next = e->conns;
	if (e->conns)
		e->conns->prev = c;
	e->conns = c;
	eng_socket_opened(e);
	e->tcp_inflight++;
	h->inflight++;
	if (!h->started_ms)
		h->started_ms = h->last_answer_ms = e->loop.now_ms;
	c->start_us = ev_now_us();
	int rc = connect(fd, (struct sockaddr *)&to, tolen);
	int err = rc == 0 ? 0 : errno;
	if (rc == 0 || err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH) {
		finish(c, err); /* settled at once (loopback, no route) */
		return 0;
	}
	if (err != EINPROGRESS) {
		if (err == EADDRNOTAVAIL || err == EAGAIN)
			sc_debug("discovery: connect: %s (local ports exhausted?)",
			         strerror(err));
		finish(c, err);
		return 0;
	}
	if (ev_add(&e->loop, &c->w, EPOLLOUT) ||
	    ev_timer_at(&e->loop, &c->t, e->loop.now_ms + host_connect_timeout(h))) {
		finish(c, EIO);
		return 0;
	}
	return 0;
}

void tcp_pump(struct engine *e)
{
	/* Each visit issues one connect and sends the host to the back of the
	 * queue, so hosts are interleaved and no host sees a burst. */
	while (e->qhead) {
		struct host *h = queue_pop(e);
		if (h->inflight >= e->per_host)
			continue; /* re-queued when one of its connects ends */
		if (!h->timed_out && h->started_ms &&
		    e->loop.now_ms - h->last_answer_ms > (int64_t)e->host_timeout_ms &&
		    !h->discovery_only) {
			h->timed_out = true; /* silent too long: spend no more on it */
			char ip[IP_TEXT_LEN];
			sc_debug("discovery: %s silent for %u ms, skipping its other "
			         "ports",
			         eng_ip_text(e, h->ip, ip), e->host_timeout_ms);
		}
		if (!has_ports(e, h))
			continue;
		if (!eng_socket_ok(e)) {
			queue_push_front(e, h);
			e->want_sockets = true;
			return;
		}
		if (!eng_take_token(e)) {
			queue_push_front(e, h);
			return;
		}
		uint16_t port = next_port(e, h);
		if (port && issue(e, h, port)) {
			unget_port(e, h);
			queue_push_front(e, h);
			e->want_sockets = true;
			return;
		}
		host_queue_ports(e, h);
	}
}

bool tcp_idle(const struct engine *e)
{
	return !e->qhead && e->tcp_inflight == 0;
}

void tcp_stop(struct engine *e)
{
	while (e->conns)
		conn_free(e, e->conns, true);
	e->qhead = e->qtail = NULL; /* nothing left to pump */
}
