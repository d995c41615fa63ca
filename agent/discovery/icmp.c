/* ICMP echo: a sweep of the routed targets (those not on one of our links),
 * and one echo to each host found by ARP (for ICMP evidence: round trip and
 * TTL). A routed address still silent ICMP_WAIT_MS after its echo is handed
 * to TCP discovery (a few common ports), so hosts that drop ICMP are found
 * too. One raw socket serves both. */
#include "engine.h"

#include "icmp_packet.h"
#include "sc_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ICMP_WAIT_MS 500

struct icmp_state {
	struct ev_watch w;
	struct ev_timer t;
	uint16_t id;
	uint32_t *ords;    /* routed target ordinals */
	uint32_t *sent_ms; /* per index, relative to t0 */
	uint8_t *answered;
	size_t n, next, handoff;
	uint32_t *extra; /* hosts to ping once */
	size_t nextra, capextra, extra_next;
	uint16_t seq;
	bool raw; /* the socket works */
};

static size_t index_of(const struct icmp_state *s, uint32_t ord)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->ords[mid] < ord)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->ords[lo] == ord ? lo : (size_t)-1;
}

static void on_readable(struct ev_watch *w, uint32_t events)
{
	struct engine *e = w->ctx;
	struct icmp_state *s = e->icmp;
	(void)events;
	for (int k = 0; k < 256; k++) {
		uint8_t buf[1500];
		ssize_t n = recv(w->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n <= 0)
			break;
		struct icmp_info in;
		if (icmp_parse(buf, (size_t)n, &in) || in.kind != ICMP_ECHO_REPLY ||
		    !in.has_payload || in.id != s->id)
			continue;
		int64_t now_us = ev_now_us();
		uint32_t rtt = now_us > (int64_t)in.sent_us
		                   ? (uint32_t)(now_us - (int64_t)in.sent_us)
		                   : 1;
		int64_t ord = targets_ordinal(&e->targets, in.src);
		if (ord < 0 || e->klass[ord] == KLASS_SKIP)
			continue; /* not ours to report */
		size_t i = e->klass[ord] == KLASS_ROUTED ? index_of(s, (uint32_t)ord)
		                                         : (size_t)-1;
		if (i != (size_t)-1 && !s->answered[i]) {
			s->answered[i] = 1;
			e->disc_done++;
		}
		struct host *h = host_get(e, in.src);
		if (h)
			host_evidence(e, h, SCANOPY__V1__EVIDENCE__EVIDENCE_ICMP,
			              rtt ? rtt : 1, in.ttl);
	}
}

static void on_timer(struct ev_timer *t)
{
	(void)t; /* wakes the loop for the hand-off to TCP */
}

int icmp_start(struct engine *e)
{
	struct icmp_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	e->icmp = s;
	ev_timer_init(&s->t, on_timer, s);
	s->w.fd = -1;
	for (uint32_t o = 0; o < e->targets.count; o++)
		if (e->klass[o] == KLASS_ROUTED)
			s->n++;
	if (s->n) {
		s->ords = calloc(s->n, sizeof *s->ords);
		s->sent_ms = calloc(s->n, sizeof *s->sent_ms);
		s->answered = calloc(s->n, 1);
		if (!s->ords || !s->sent_ms || !s->answered)
			return -1;
		size_t k = 0;
		for (uint32_t o = 0; o < e->targets.count; o++)
			if (e->klass[o] == KLASS_ROUTED)
				s->ords[k++] = o;
	}
	e->disc_total += (uint32_t)s->n;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		sc_warn(
		    "discovery: no raw ICMP socket (%s): routed targets are found by TCP "
		    "only",
		    strerror(errno));
		return 0; /* everything goes to TCP discovery */
	}
	int buf = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	s->w.fd = fd;
	s->w.fn = on_readable;
	s->w.ctx = e;
	if (ev_add(&e->loop, &s->w, EPOLLIN)) {
		close(fd);
		s->w.fd = -1;
		return 0;
	}
	s->raw = true;
	s->id = (uint16_t)(getpid() ^ (uint32_t)ev_now_us());
	return 0;
}

static void send_echo(struct engine *e, uint32_t ip)
{
	struct icmp_state *s = e->icmp;
	uint8_t pkt[ICMP_ECHO_LEN];
	icmp_build_echo(pkt, s->id, s->seq++, ip, (uint64_t)ev_now_us());
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(ip)};
	if (sendto(s->w.fd, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to) < 0)
		sc_debug("discovery: ICMP echo: %s", strerror(errno));
}

void icmp_ping_host(struct engine *e, struct host *h)
{
	struct icmp_state *s = e->icmp;
	if (!s || !s->raw)
		return;
	if (s->nextra == s->capextra) {
		size_t cap = s->capextra ? s->capextra * 2 : 64;
		uint32_t *grown = realloc(s->extra, cap * sizeof *grown);
		if (!grown)
			return;
		s->extra = grown;
		s->capextra = cap;
	}
	s->extra[s->nextra++] = h->ip;
}

/* Routed addresses whose echo went unanswered for ICMP_WAIT_MS: TCP next. */
static void handoff(struct engine *e, struct icmp_state *s)
{
	int64_t now = e->loop.now_ms;
	while (s->handoff < s->next) {
		size_t i = s->handoff;
		int64_t due = e->t0_ms + s->sent_ms[i] + (s->raw ? ICMP_WAIT_MS : 0);
		if (due > now) {
			if (!ev_timer_armed(&s->t))
				ev_timer_at(&e->loop, &s->t, due);
			return;
		}
		s->handoff++;
		if (s->answered[i])
			continue;
		e->disc_done++;
		struct host *h = host_get(e, targets_addr(&e->targets, s->ords[i]));
		if (!h || h->confirmed)
			continue;
		h->discovery_only = true;
		host_queue_ports(e, h);
	}
}

void icmp_pump(struct engine *e)
{
	struct icmp_state *s = e->icmp;
	if (!s)
		return;
	while (s->raw && s->extra_next < s->nextra) {
		if (!eng_take_token(e))
			return;
		send_echo(e, s->extra[s->extra_next++]);
	}
	while (s->next < s->n) {
		if (s->raw) {
			if (!eng_take_token(e))
				break;
			send_echo(e, targets_addr(&e->targets, s->ords[s->next]));
		}
		s->sent_ms[s->next++] = (uint32_t)(e->loop.now_ms - e->t0_ms);
	}
	handoff(e, s);
}

bool icmp_raw(const struct engine *e)
{
	return e->icmp && e->icmp->raw;
}

bool icmp_idle(const struct engine *e)
{
	const struct icmp_state *s = e->icmp;
	return !s ||
	       (s->next == s->n && s->handoff == s->n && s->extra_next == s->nextra);
}

void icmp_stop(struct engine *e)
{
	struct icmp_state *s = e->icmp;
	if (!s)
		return;
	ev_timer_stop(&e->loop, &s->t);
	ev_close(&e->loop, &s->w);
	free(s->ords);
	free(s->sent_ms);
	free(s->answered);
	free(s->extra);
	free(s);
	e->icmp = NULL;
}
