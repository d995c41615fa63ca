/* Reverse DNS of the hosts found, IPv4 and IPv6, through c-ares: it reads
 * /etc/resolv.conf itself (IPv4 and IPv6 nameservers, rotate, timeouts) and
 * keeps every query in flight at once (a blocking getnameinfo per host
 * would cost a timeout each on networks without PTR records). Its sockets
 * are watches of the engine's event loop (ARES_OPT_SOCK_STATE_CB, then
 * ares_process_fd) and its retransmissions a timer there (ares_timeout).
 *
 * Each query takes a token of the scan's rate limiter when it goes out;
 * every datagram c-ares sends on its own (a retry, another server) is
 * charged to it. Only DNS is asked (not /etc/hosts: the name is an RDNS
 * one), and loopback addresses never are. The resolver's timeout and
 * attempts are kept when shorter than ours, so that a nameserver that does
 * not answer does not hold the scan for c-ares's defaults (5 s, 4 tries:
 * 75 s). */
#include "engine.h"

#include "sc_log.h"

#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* c-ares doubles the timeout at each try over the servers: 0.8 s then
 * 1.6 s, 2.4 s in all for a silent nameserver. */
#define RDNS_TIMEOUT_MS 800
#define RDNS_TRIES 2

struct rsock { /* one socket of the resolver, watched */
	struct ev_watch w;
	struct rsock *next;
};

struct rquery {
	struct engine *e;
	uint32_t key; /* the host's key in the host table */
};

struct rdns_state {
	ares_channel ch;
	struct engine *e;
	struct ev_timer t;
	struct rsock *socks;
	uint32_t *keys; /* hosts queued, sent in order */
	size_t n, cap, next_send, outstanding;
	bool sending; /* inside ares_gethostbyaddr: its datagram has a token */
};

/* Arms the timer for c-ares's next retransmission or timeout, if any. */
static void rearm(struct engine *e, struct rdns_state *s)
{
	struct timeval tv;
	if (!ares_timeout(s->ch, NULL, &tv)) {
		ev_timer_stop(&e->loop, &s->t);
		return;
	}
	/* rounded up: a timer firing before c-ares's deadline would spin */
	int64_t ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	ev_timer_at(&e->loop, &s->t, e->loop.now_ms + ms + 1);
}

static void on_io(struct ev_watch *w, uint32_t events)
{
	struct engine *e = w->ctx;
	struct rdns_state *s = e->rdns;
	int fd = w->fd;
	bool rd = events & (EPOLLIN | EPOLLERR | EPOLLHUP), wr = events & EPOLLOUT;
	ares_process_fd(s->ch, rd ? fd : ARES_SOCKET_BAD, wr ? fd : ARES_SOCKET_BAD);
	rearm(e, s);
}

static void on_timer(struct ev_timer *t)
{
	struct engine *e = t->ctx;
	struct rdns_state *s = e->rdns;
	ares_process_fd(s->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(e, s);
}

/* c-ares wants fd watched for reading and/or writing, or no longer. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct engine *e = data;
	struct rdns_state *s = e->rdns;
	struct rsock **p = &s->socks;
	while (*p && (*p)->w.fd != fd)
		p = &(*p)->next;
	struct rsock *r = *p;
	uint32_t want = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	if (!want) {
		if (r) { /* c-ares closes the socket itself */
			ev_del(&e->loop, &r->w);
			r->w.fd = -1;
			*p = r->next;
			ev_defer_free(&e->loop, r);
		}
		return;
	}
	if (r) {
		ev_mod(&e->loop, &r->w, want);
		return;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		return;
	r->w = (struct ev_watch){.fd = fd, .fn = on_io, .ctx = e};
	if (ev_add(&e->loop, &r->w, want)) {
		free(r);
		return;
	}
	r->next = s->socks;
	s->socks = r;
}

/* The socket functions c-ares uses: the plain calls, with the engine's
 * socket count and rate limiter kept. c-ares leaves sockets it did not open
 * as they are: they are made non-blocking here (it reads until EAGAIN), and
 * its TCP ones get TCP_NODELAY as it would give them. */
static ares_socket_t ares_sock_open(int af, int type, int proto, void *data)
{
	int fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return ARES_SOCKET_BAD;
	if (type == SOCK_STREAM) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	eng_socket_opened(data);
	return fd;
}

static int ares_sock_close(ares_socket_t fd, void *data)
{
	eng_socket_closed(data);
	return close(fd);
}

static int ares_sock_connect(ares_socket_t fd, const struct sockaddr *sa,
                             ares_socklen_t len, void *data)
{
	(void)data;
	return connect(fd, sa, len);
}

static ares_ssize_t ares_sock_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
                                       struct sockaddr *from, ares_socklen_t *fromlen,
                                       void *data)
{
	(void)data;
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

static ares_ssize_t ares_sock_sendv(ares_socket_t fd, const struct iovec *iov, int n,
                                    void *data)
{
	struct engine *e = data;
	if (!e->rdns->sending)
		rate_charge(&e->rate, ev_now_us());
	return writev(fd, iov, n);
}

static const struct ares_socket_functions sock_funcs = {
    .asocket = ares_sock_open,
    .aclose = ares_sock_close,
    .aconnect = ares_sock_connect,
    .arecvfrom = ares_sock_recvfrom,
    .asendv = ares_sock_sendv,
};

static void on_answer(void *arg, int status, int timeouts, struct hostent *he)
{
	struct rquery *q = arg;
	struct engine *e = q->e;
	(void)timeouts;
	if (status != ARES_EDESTRUCTION) {
		e->rdns->outstanding--;
		if (status == ARES_SUCCESS && he && he->h_name && he->h_name[0])
			emit_name(e, q->key, SCANOPY__V1__NAME_SOURCE__NAME_RDNS,
			          he->h_name, NULL, 0, NULL);
	}
	free(q);
}

/* The resolver's timeout (ms) and attempts from resolv.conf (or c-ares's
 * defaults): read from a channel made for that alone. */
static int resolver_limits(int *timeout_ms, int *tries)
{
	ares_channel ch;
	struct ares_options o;
	int mask;
	if (ares_init(&ch) != ARES_SUCCESS)
		return -1;
	int rc = ares_save_options(ch, &o, &mask) == ARES_SUCCESS ? 0 : -1;
	if (!rc) {
		*timeout_ms = o.timeout;
		*tries = o.tries;
		ares_destroy_options(&o);
	}
	ares_destroy(ch);
	return rc;
}

int rdns_init(struct engine *e)
{
	int rc = ares_library_init(ARES_LIB_INIT_ALL);
	int timeout_ms = RDNS_TIMEOUT_MS, tries = RDNS_TRIES;
	if (rc == ARES_SUCCESS && resolver_limits(&timeout_ms, &tries) == 0) {
		if (timeout_ms <= 0 || timeout_ms > RDNS_TIMEOUT_MS)
			timeout_ms = RDNS_TIMEOUT_MS;
		if (tries <= 0 || tries > RDNS_TRIES)
			tries = RDNS_TRIES;
	}
	struct rdns_state *s = rc == ARES_SUCCESS ? calloc(1, sizeof *s) : NULL;
	if (!s) {
		if (rc == ARES_SUCCESS)
			ares_library_cleanup();
		sc_warn("discovery: reverse DNS unavailable: %s",
		        rc == ARES_SUCCESS ? "out of memory" : ares_strerror(rc));
		return 0;
	}
	s->e = e;
	ev_timer_init(&s->t, on_timer, e);
	e->rdns = s; /* the callbacks below may run from ares_init_options */
	struct ares_options o = {.timeout = timeout_ms,
	                         .tries = tries,
	                         .lookups = (char *)"b",
	                         .sock_state_cb = sock_state,
	                         .sock_state_cb_data = e};
	rc = ares_init_options(&s->ch, &o,
	                       ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS |
	                           ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		sc_warn("discovery: reverse DNS unavailable: %s", ares_strerror(rc));
		e->rdns = NULL;
		free(s);
		ares_library_cleanup();
		return 0;
	}
	ares_set_socket_functions(s->ch, &sock_funcs, e);
	sc_debug("discovery: reverse DNS: timeout %d ms, %d tries", timeout_ms, tries);
	return 0;
}

void rdns_queue_host(struct engine *e, struct host *h)
{
	struct rdns_state *s = e->rdns;
	if (!s || h->rdns_queued)
		return;
	h->rdns_queued = true;
	if (h->v6
	        ? IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)e->v6[h->ip - HOST6_KEY])
	        : (h->ip >> 24) == 127)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint32_t *k = realloc(s->keys, cap * sizeof *k);
		if (!k)
			return;
		s->keys = k;
		s->cap = cap;
	}
	s->keys[s->n++] = h->ip;
}

void rdns_pump(struct engine *e)
{
	struct rdns_state *s = e->rdns;
	if (!s || s->next_send == s->n)
		return;
	while (s->next_send < s->n) {
		if (!eng_take_token(e))
			break;
		struct rquery *q = malloc(sizeof *q);
		if (!q)
			break;
		uint32_t key = s->keys[s->next_send++];
		*q = (struct rquery){.e = e, .key = key};
		struct in_addr a4 = {.s_addr = htonl(key)};
		s->outstanding++;
		s->sending = true; /* the answer callback may run before it returns */
		if (IS_HOST6_KEY(key) && key - HOST6_KEY < e->nv6)
			ares_gethostbyaddr(s->ch, e->v6[key - HOST6_KEY], 16, AF_INET6,
			                   on_answer, q);
		else
			ares_gethostbyaddr(s->ch, &a4, sizeof a4, AF_INET, on_answer, q);
		s->sending = false;
	}
	rearm(e, s);
}

bool rdns_idle(const struct engine *e)
{
	const struct rdns_state *s = e->rdns;
	return !s || (s->next_send == s->n && s->outstanding == 0);
}

void rdns_stop(struct engine *e)
{
	struct rdns_state *s = e->rdns;
	if (!s)
		return;
	ev_timer_stop(&e->loop, &s->t);
	ares_destroy(s->ch); /* answers ARES_EDESTRUCTION to what is in flight */
	while (s->socks) {   /* normally none left: c-ares said so on closing */
		struct rsock *r = s->socks;
		s->socks = r->next;
		ev_del(&e->loop, &r->w);
		free(r);
	}
	free(s->keys);
	free(s);
	e->rdns = NULL;
	ares_library_cleanup();
}
