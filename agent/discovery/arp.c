/* The ARP sweep of targets on the daemon's own links: one pcap handle per
 * link sends the requests (paced by the packet budget) and captures the
 * replies. Each address gets one request; addresses still silent
 * ARP_RETRY_GAP_MS after theirs get one more (only them); the sweep ends
 * ARP_FINAL_WAIT_MS after its last request, or as soon as every address has
 * answered. ARP requests from other hosts
 * seen meanwhile count as passive evidence. */
#include "engine.h"

#include "arp_frame.h"
#include "capture.h"
#include "sc_log.h"

#include <pcap/pcap.h>

#include <stdlib.h>
#include <string.h>

#define ARP_RETRY_GAP_MS 250
#define ARP_FINAL_WAIT_MS 300

struct arp_sweep {
	struct engine *e;
	int link;
	pcap_t *pc;
	struct ev_watch w;
	struct ev_timer t;
	uint32_t *ords;    /* target ordinals on this link, ascending */
	uint32_t *sent_ms; /* per index: when its last request left (rel. t0) */
	uint8_t *state;    /* per index: 0 unsent, 1 sent, 2 retried, 3 answered */
	size_t n, next, retry_next, answered;
	int64_t last_send_ms;
	bool done;
};

static size_t index_of(const struct arp_sweep *a, uint32_t ord)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a->ords[mid] < ord)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->n && a->ords[lo] == ord ? lo : (size_t)-1;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
	struct arp_sweep *a = (struct arp_sweep *)user;
	struct engine *e = a->e;
	struct arp_packet p;
	if (arp_parse(bytes, hdr->caplen, &p) || p.spa == 0)
		return;
	const struct link *k = &e->links.l[a->link];
	if (p.spa == k->ip || !memcmp(p.sha, k->mac, 6))
		return; /* ours */
	int64_t ord = targets_ordinal(&e->targets, p.spa);
	if (ord < 0 || e->klass[ord] != a->link + 1)
		return;
	size_t i = index_of(a, (uint32_t)ord);
	bool reply = p.op == 2;
	if (i == (size_t)-1)
		return;
	struct host *h = reply ? host_get(e, p.spa) : host_find(e, p.spa);
	if (!reply && !h)
		h = host_get(e, p.spa);
	if (!h || (!reply && h->confirmed))
		return; /* a known host's own ARP traffic adds nothing */
	if (!h->has_mac) {
		memcpy(h->mac, p.sha, 6);
		h->has_mac = true;
	}
	uint32_t rtt = 0;
	if (reply && a->state[i] != 0 && a->state[i] != 3) {
		int64_t rel = e->loop.now_ms - e->t0_ms - a->sent_ms[i];
		rtt = rel > 0 ? (uint32_t)rel * 1000 : 1;
	}
	if (reply && a->state[i] != 3) {
		a->state[i] = 3;
		a->answered++;
		e->disc_done++;
	}
	bool first = !h->confirmed;
	/* A reply answers our request; a request from the host shows it too. */
	host_evidence(e, h,
	              reply ? SCANOPY__V1__EVIDENCE__EVIDENCE_ARP
	                    : SCANOPY__V1__EVIDENCE__EVIDENCE_PASSIVE,
	              rtt, 0);
	if (first)
		icmp_ping_host(e, h); /* ICMP evidence and a TTL, one packet */
}

static void on_readable(struct ev_watch *w, uint32_t events)
{
	struct arp_sweep *a = w->ctx;
	(void)events;
	/* Drain what is buffered; the handle is non-blocking. */
	for (int i = 0; i < 64; i++)
		if (pcap_dispatch(a->pc, 256, on_frame, (u_char *)a) <= 0)
			break;
}

static void on_timer(struct ev_timer *t)
{
	(void)t; /* only wakes the loop: arp_pump does the work */
}

static int open_link(struct engine *e, struct arp_sweep *a)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	const struct link *k = &e->links.l[a->link];
	a->pc = capture_open(k->ifname, 128, 4 << 20, "arp", err);
	if (!a->pc)
		goto fail;
	a->w.fd = pcap_get_selectable_fd(a->pc);
	a->w.fn = on_readable;
	a->w.ctx = a;
	if (a->w.fd < 0 || ev_add(&e->loop, &a->w, EPOLLIN))
		goto fail;
	return 0;
fail:
	sc_warn("discovery: ARP on %s unavailable (%s); its addresses are found by ICMP "
	        "and TCP instead",
	        k->ifname, err[0] ? err : "no selectable fd");
	if (a->pc)
		pcap_close(a->pc);
	a->pc = NULL;
	a->w.fd = -1;
	return -1;
}

int arp_start(struct engine *e)
{
	size_t nlinks = e->links.n;
	e->arp = calloc(nlinks ? nlinks : 1, sizeof *e->arp);
	if (!e->arp)
		return -1;
	size_t *counts = calloc(nlinks ? nlinks : 1, sizeof *counts);
	if (!counts)
		return -1;
	for (uint32_t o = 0; o < e->targets.count; o++) {
		uint8_t k = e->klass[o];
		if (k != KLASS_ROUTED && k != KLASS_SKIP)
			counts[k - 1]++;
	}
	for (size_t l = 0; l < nlinks; l++) {
		if (!counts[l])
			continue;
		struct arp_sweep *a = &e->arp[e->narp];
		a->e = e;
		a->link = (int)l;
		a->w.fd = -1;
		ev_timer_init(&a->t, on_timer, a);
		a->ords = calloc(counts[l], sizeof *a->ords);
		a->sent_ms = calloc(counts[l], sizeof *a->sent_ms);
		a->state = calloc(counts[l], 1);
		if (!a->ords || !a->sent_ms || !a->state) {
			free(counts);
			return -1;
		}
		for (uint32_t o = 0; o < e->targets.count; o++)
			if (e->klass[o] == l + 1)
				a->ords[a->n++] = o;
		e->narp++;
		if (open_link(e, a)) {
			/* No ARP here: hand the link's addresses to ICMP/TCP. */
			for (size_t i = 0; i < a->n; i++)
				e->klass[a->ords[i]] = KLASS_ROUTED;
			a->done = true;
			continue;
		}
		e->disc_total += (uint32_t)a->n;
	}
	free(counts);
	return 0;
}

static void send_one(struct engine *e, struct arp_sweep *a, size_t i)
{
	const struct link *k = &e->links.l[a->link];
	uint8_t f[ARP_FRAME_LEN];
	arp_build_request(f, k->mac, k->ip, targets_addr(&e->targets, a->ords[i]));
	if (pcap_inject(a->pc, f, sizeof f) < 0)
		sc_debug("discovery: ARP send on %s: %s", k->ifname, pcap_geterr(a->pc));
	a->sent_ms[i] = (uint32_t)(e->loop.now_ms - e->t0_ms);
	a->last_send_ms = e->loop.now_ms;
}

static void pump_one(struct engine *e, struct arp_sweep *a)
{
	if (a->done)
		return;
	int64_t now = e->loop.now_ms;
	while (a->next < a->n) { /* first pass */
		if (!eng_take_token(e))
			return;
		send_one(e, a, a->next);
		a->state[a->next++] = 1;
	}
	if (a->answered == a->n) /* nobody left to wait for */
		a->retry_next = a->n;
	while (a->retry_next < a->n) { /* retries, for the silent only */
		size_t i = a->retry_next;
		if (a->state[i] != 1) {
			a->retry_next++;
			continue;
		}
		int64_t due = e->t0_ms + a->sent_ms[i] + ARP_RETRY_GAP_MS;
		if (due > now) {
			ev_timer_at(&e->loop, &a->t, due);
			return;
		}
		if (!eng_take_token(e))
			return;
		send_one(e, a, i);
		a->state[i] = 2;
		a->retry_next++;
	}
	int64_t end = a->last_send_ms + ARP_FINAL_WAIT_MS;
	if (now < end && a->answered < a->n) {
		if (!ev_timer_armed(&a->t))
			ev_timer_at(&e->loop, &a->t, end);
		return;
	}
	on_readable(&a->w, 0); /* last replies still in the buffer */
	for (size_t i = 0; i < a->n; i++)
		if (a->state[i] != 3)
			e->disc_done++;
	a->done = true;
	ev_timer_stop(&e->loop, &a->t);
	ev_del(&e->loop, &a->w); /* the fd is pcap's: pcap_close closes it */
	a->w.fd = -1;
	pcap_close(a->pc);
	a->pc = NULL;
	if (arp_idle(e))
		e->st.arp_ms = now - e->t0_ms;
}

void arp_pump(struct engine *e)
{
	for (size_t i = 0; i < e->narp; i++)
		pump_one(e, &e->arp[i]);
}

bool arp_idle(const struct engine *e)
{
	for (size_t i = 0; i < e->narp; i++)
		if (!e->arp[i].done)
			return false;
	return true;
}

void arp_stop(struct engine *e)
{
	for (size_t i = 0; i < e->narp; i++) {
		struct arp_sweep *a = &e->arp[i];
		ev_timer_stop(&e->loop, &a->t);
		if (a->pc) {
			ev_del(&e->loop, &a->w);
			a->w.fd = -1;
			pcap_close(a->pc);
		}
		free(a->ords);
		free(a->sent_ms);
		free(a->state);
	}
	free(e->arp);
	e->arp = NULL;
	e->narp = 0;
}
