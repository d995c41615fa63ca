/* Reverse DNS of the hosts found, asked of the first IPv4 resolver in
 * /etc/resolv.conf over one UDP socket, all queries in flight at once (a
 * blocking getnameinfo per host would cost a timeout each on networks
 * without PTR records). Loopback addresses are never asked about. */
#include "engine.h"

#include "dns_message.h"
#include "sc_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define RDNS_TIMEOUT_MS 1200
#define RDNS_TRIES 2

struct rquery {
	uint32_t ip;
	uint16_t id;
	uint8_t tries;
	bool done;
	int64_t sent_ms;
};

struct rdns_state {
	struct ev_watch w;
	struct ev_timer t;
	struct rquery *q;
	size_t n, cap, next_send, outstanding;
	uint16_t base_id;
};

/* The first "nameserver a.b.c.d" line; -1 when there is none. */
static int resolver(uint32_t *ip)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	if (!f)
		return -1;
	char line[256];
	int rc = -1;
	while (rc && fgets(line, sizeof line, f)) {
		char addr[64];
		struct in_addr a;
		if (sscanf(line, " nameserver %63s", addr) == 1 &&
		    inet_pton(AF_INET, addr, &a) == 1) {
			*ip = ntohl(a.s_addr);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

static void on_readable(struct ev_watch *w, uint32_t events)
{
	struct engine *e = w->ctx;
	struct rdns_state *s = e->rdns;
	struct dns_msg *m = malloc(sizeof *m);
	(void)events;
	if (!m)
		return;
	for (int k = 0; k < 64; k++) {
		uint8_t buf[1500];
		ssize_t n = recv(w->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n <= 0)
			break;
		if (dns_parse(buf, (size_t)n, m) || !(m->flags & 0x8000))
			continue;
		size_t i = (uint16_t)(m->id - s->base_id);
		if (i >= s->n || s->q[i].done || s->q[i].id != m->id)
			continue;
		char rev[64];
		dns_reverse_name(s->q[i].ip, rev, sizeof rev);
		if (strcasecmp(m->qname, rev))
			continue; /* not the question we asked */
		s->q[i].done = true;
		s->outstanding--;
		const struct dns_rr *ptr = dns_find(m, DNS_T_PTR, 1);
		if (ptr && ptr->data[0])
			emit_name(e, s->q[i].ip, SCANOPY__V1__NAME_SOURCE__NAME_RDNS,
			          ptr->data, NULL, 0, NULL);
	}
	free(m);
}

static void send_query(struct engine *e, struct rdns_state *s, size_t i)
{
	uint8_t buf[128];
	char rev[64];
	dns_reverse_name(s->q[i].ip, rev, sizeof rev);
	int n =
	    dns_build_query(buf, sizeof buf, s->q[i].id, rev, DNS_T_PTR, DNS_C_IN, true);
	if (n > 0)
		send(s->w.fd, buf, (size_t)n, MSG_DONTWAIT);
	s->q[i].tries++;
	s->q[i].sent_ms = e->loop.now_ms;
}

static void on_timer(struct ev_timer *t)
{
	struct engine *e = t->ctx;
	struct rdns_state *s = e->rdns;
	int64_t next = INT64_MAX;
	for (size_t i = 0; i < s->next_send; i++) {
		struct rquery *q = &s->q[i];
		if (q->done)
			continue;
		int64_t due = q->sent_ms + RDNS_TIMEOUT_MS;
		if (due <= e->loop.now_ms) {
			if (q->tries < RDNS_TRIES) {
				rate_charge(&e->rate, ev_now_us());
				send_query(e, s, i);
				due = q->sent_ms + RDNS_TIMEOUT_MS;
			} else {
				q->done = true;
				s->outstanding--;
				continue;
			}
		}
		if (due < next)
			next = due;
	}
	if (next != INT64_MAX)
		ev_timer_at(&e->loop, &s->t, next);
}

int rdns_init(struct engine *e)
{
	uint32_t ns;
	if (resolver(&ns)) {
		sc_info(
		    "discovery: no IPv4 resolver in /etc/resolv.conf: no reverse DNS");
		return 0;
	}
	struct rdns_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = {
	    .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(ns)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to)) {
		sc_warn("discovery: reverse DNS unavailable: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(s);
		return 0;
	}
	s->w.fd = fd;
	s->w.fn = on_readable;
	s->w.ctx = e;
	ev_timer_init(&s->t, on_timer, e);
	s->base_id = (uint16_t)ev_now_us();
	if (ev_add(&e->loop, &s->w, EPOLLIN)) {
		close(fd);
		free(s);
		return 0;
	}
	eng_socket_opened(e);
	e->rdns = s;
	return 0;
}

void rdns_queue_host(struct engine *e, struct host *h)
{
	struct rdns_state *s = e->rdns;
	if (!s || h->rdns_queued || h->v6 || (h->ip >> 24) == 127 || s->n >= 65535)
		return;
	h->rdns_queued = true;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct rquery *q = realloc(s->q, cap * sizeof *q);
		if (!q)
			return;
		s->q = q;
		s->cap = cap;
	}
	s->q[s->n] = (struct rquery){.ip = h->ip, .id = (uint16_t)(s->base_id + s->n)};
	s->n++;
}

void rdns_pump(struct engine *e)
{
	struct rdns_state *s = e->rdns;
	if (!s)
		return;
	while (s->next_send < s->n) {
		if (!eng_take_token(e))
			return;
		send_query(e, s, s->next_send++);
		s->outstanding++;
		if (!ev_timer_armed(&s->t))
			ev_timer_at(&e->loop, &s->t, e->loop.now_ms + RDNS_TIMEOUT_MS);
	}
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
	ev_close(&e->loop, &s->w);
	eng_socket_closed(e);
	free(s->q);
	free(s);
	e->rdns = NULL;
}
