/* Classifying a batch: candidates from the index (or every definition, for
 * the naive baseline), each evaluated where it may hold, then port claiming
 * and fallbacks, then ServiceMatch messages with their evidence trail. */
#include "eval.h"
#include "fp.h"
#include "model.h"
#include "prefilter.h"
#include "sc_log.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DETAIL_MAX 160
#define TEXT_MAX 64
#define HOST_EP (-1)

struct fp_ctx {
	struct fp_arena a; /* the view and the results of the latest batch */
	struct fp_match_ctx *m;
	struct fp_pf_scratch *pfs;
	uint64_t prepared; /* generation of the set the scratch fits */
};

struct cand {
	int def;
	int ep; /* index in view.eps, HOST_EP for host-wide */
};

struct match {
	const struct fp_def *d;
	int ep;
	int conf;
	struct fp_trail *trail;
	int ntrail;
	bool dropped;
};

struct run {
	struct fp_ctx *c;
	const struct fp_set *s;
	struct fp_view v;
	int flags;
	struct cand *cands;
	size_t ncands, capcands;
	struct match *matches;
	size_t nmatches, capmatches;
	Scanopy__V1__ServiceMatch **out;
	size_t nout, capout;
	int oom;
};

struct fp_ctx *fp_ctx_new(void)
{
	struct fp_ctx *c = calloc(1, sizeof *c);
	if (!c || !(c->m = fp_match_ctx_new())) {
		free(c);
		sc_error("out of memory (classification context)");
		return NULL;
	}
	return c;
}

void fp_ctx_free(struct fp_ctx *c)
{
	if (!c)
		return;
	fp_match_ctx_free(c->m);
	fp_pf_scratch_free(c->pfs);
	fp_arena_free(&c->a);
	free(c);
}

uint64_t fp_ctx_limit_hits(const struct fp_ctx *c)
{
	return fp_match_ctx_limit_hits(c->m);
}

static int prepare(struct fp_ctx *c, const struct fp_set *s)
{
	if (c->prepared == s->gen && c->pfs)
		return 0;
	for (size_t i = 0; i < s->nfields; i++)
		if (fp_pf_scratch_prepare(&c->pfs, s->fields[i].pf))
			return -1;
	if (fp_pf_scratch_prepare(&c->pfs, NULL))
		return -1;
	c->prepared = s->gen;
	return 0;
}

static void *grow(struct run *r, void *arr, size_t elem, size_t n, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void *na = fp_arena_grow(&r->c->a, arr, elem, n, ncap);
	if (!na) {
		r->oom = 1;
		return arr;
	}
	*cap = ncap;
	return na;
}

#define RPUSH(r, arr, n, cap)                                                            \
	((n) == (cap) &&                                                                 \
	         ((arr) = grow((r), (arr), sizeof *(arr), (n), &(cap)), (n) == (cap))    \
	     ? NULL                                                                      \
	     : memset(&(arr)[(n)++], 0, sizeof *(arr)))

static void cand(struct run *r, int def, int ep)
{
	struct cand *c = RPUSH(r, r->cands, r->ncands, r->capcands);
	if (c) {
		c->def = def;
		c->ep = ep;
	}
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->ep != y->ep)
		return x->ep < y->ep ? -1 : 1;
	return x->def - y->def;
}

static void port_cands(struct run *r, const struct fp_endpoint *e, int ep)
{
	const struct fp_set *s = r->s;
	uint32_t key = (uint32_t)e->proto << 16 | e->port;
	size_t lo = 0, hi = s->nport_anchors;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->port_anchors[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->nport_anchors && s->port_anchors[lo].key == key; lo++)
		cand(r, s->port_anchors[lo].a.def,
		     s->port_anchors[lo].a.host ? HOST_EP : ep);
	for (size_t i = 0; i < s->nany_open; i++)
		cand(r, s->any_open[i], ep);
}

/* Candidates of a host from the prefilter hits of its evidence. */
static void hit_cands(struct run *r, uint32_t rec0, uint32_t nrecs, int ep)
{
	const struct fp_view *v = &r->v;
	const struct fp_set *s = r->s;
	for (uint32_t i = rec0; i < rec0 + nrecs; i++) {
		const struct fp_rdata *rd = &v->rdata[v->recs[i].data];
		for (uint32_t k = rd->item0; k < rd->item0 + rd->nitems; k++) {
			const struct fp_item *it = &v->items[k];
			for (uint32_t h = it->hit0; h < it->hit0 + it->nhits; h++) {
				int p = v->hits[h].pattern;
				for (size_t a = 0; a < s->pattern_nanchors[p]; a++) {
					const struct fp_anchor *an =
					    &s->pattern_anchors[p][a];
					if (an->host)
						cand(r, an->def, HOST_EP);
					else if (ep != HOST_EP)
						cand(r, an->def, ep);
				}
			}
		}
	}
}

static void gather(struct run *r, const struct fp_host *h)
{
	const struct fp_set *s = r->s;
	r->ncands = 0;
	if (r->flags & FP_NAIVE) {
		for (size_t d = 0; d < s->ndefs; d++) {
			if (s->defs[d].host_scope) {
				cand(r, (int)d, HOST_EP);
				continue;
			}
			for (uint32_t e = 0; e < h->nep; e++)
				cand(r, (int)d, (int)(h->ep0 + e));
		}
	} else {
		hit_cands(r, h->rec0, h->nrecs, HOST_EP);
		for (uint32_t e = 0; e < h->nep; e++) {
			const struct fp_endpoint *ep = &r->v.eps[h->ep0 + e];
			hit_cands(r, ep->rec0, ep->nrecs, (int)(h->ep0 + e));
			port_cands(r, ep, (int)(h->ep0 + e));
		}
		for (size_t i = 0; i < s->nalways_host; i++)
			cand(r, s->always_host[i], HOST_EP);
	}
	/* Sorted by port: claiming compares the matches of one port. */
	if (r->ncands > 1)
		qsort(r->cands, r->ncands, sizeof *r->cands, cmp_cand);
	size_t u = 0;
	for (size_t i = 0; i < r->ncands; i++)
		if (u == 0 || cmp_cand(&r->cands[u - 1], &r->cands[i]))
			r->cands[u++] = r->cands[i];
	r->ncands = u;
}

/* Which of two matches at one port keeps it: the more specific tier, then
 * the higher confidence, then more evidence, then the earlier definition. */
/* A weak match (a port number alone) claims like a generic one, whatever its
 * definition's tier: a guess must not outrank evidence. */
#define WEAK_CONFIDENCE 50

static int claim_tier(const struct match *m)
{
	if (m->conf < WEAK_CONFIDENCE && m->d->tier > FP_TIER_GENERIC)
		return FP_TIER_GENERIC;
	return (int)m->d->tier;
}

static bool beats(const struct match *a, const struct match *b)
{
	if (claim_tier(a) != claim_tier(b))
		return claim_tier(a) > claim_tier(b);
	if (a->conf != b->conf)
		return a->conf > b->conf;
	if (a->ntrail != b->ntrail)
		return a->ntrail > b->ntrail;
	return a->d->index < b->d->index;
}

/* A fallback names categories or definition ids it yields to. */
static bool yields_to(const struct fp_def *d, const struct fp_def *other)
{
	for (int i = 0; i < d->nfallback_cats; i++)
		if (!strcmp(d->fallback_cats[i], other->category) ||
		    !strcmp(d->fallback_cats[i], other->id))
			return true;
	return false;
}

static void claim(struct run *r, size_t m0)
{
	struct match *m = r->matches;
	/* Matches were made in candidate order: grouped by port. */
	for (size_t i = m0; i < r->nmatches;) {
		size_t j = i, best = i;
		while (j < r->nmatches && m[j].ep == m[i].ep)
			j++;
		if (m[i].ep != HOST_EP) {
			for (size_t k = i + 1; k < j; k++)
				if (beats(&m[k], &m[best]))
					best = k;
			for (size_t k = i; k < j; k++)
				m[k].dropped = k != best;
		}
		i = j;
	}
	for (size_t i = m0; i < r->nmatches; i++) {
		const struct fp_def *d = m[i].d;
		if (!d->fallback_any && !d->nfallback_cats)
			continue;
		for (size_t k = m0; k < r->nmatches && !m[i].dropped; k++)
			if (k != i && !m[k].dropped &&
			    claim_tier(&m[k]) >= FP_TIER_PRODUCT &&
			    (d->fallback_any || yields_to(d, m[k].d)))
				m[i].dropped = true;
	}
}

/* ---- output ---- */

static char *text(struct run *r, const uint8_t *p, size_t len, size_t max)
{
	if (len > max)
		len = max;
	char *s = fp_arena_alloc(&r->c->a, len + 1);
	if (!s) {
		r->oom = 1;
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		s[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	return s;
}

/* Printable rendering of matched bytes: \xHH for the rest, cut with "...". */
static size_t render(char *out, size_t cap, const uint8_t *p, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++) {
		if (w + 8 >= cap) {
			w += (size_t)snprintf(out + w, cap - w, "...");
			break;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[w++] = (char)p[i];
		else
			w += (size_t)snprintf(out + w, cap - w, "\\x%02x", p[i]);
	}
	out[w < cap ? w : cap - 1] = '\0';
	return w;
}

static const char *rule_name(const struct run *r, const struct fp_trail *t, char *buf,
                             size_t len)
{
	const struct fp_node *n = t->leaf;
	if (t->cond < 0) {
		if (n->kind == N_HTTP)
			return "http.status";
		return fp_node_kind_name(n->kind);
	}
	const struct fp_field *f = &r->s->fields[n->conds[t->cond].field];
	static const char *const names[] = {
	    [FK_BANNER] = "banner",
	    [FK_UDP] = "udp",
	    [FK_HTTP_BODY] = "http.body",
	    [FK_HTTP_TITLE] = "http.title",
	    [FK_TLS_SUBJECT] = "tls.subject",
	    [FK_TLS_ISSUER] = "tls.issuer",
	    [FK_TLS_SAN] = "tls.san",
	    [FK_TLS_ALPN] = "tls.alpn",
	    [FK_MAC_VENDOR] = "mac_vendor",
	    [FK_SNMP_DESCR] = "snmp.sys_descr",
	    [FK_SNMP_OID] = "snmp.sys_object_id",
	    [FK_MDNS] = "mdns",
	    [FK_SSDP] = "ssdp",
	    [FK_NAME] = "name",
	    [FK_DOCKER_IMAGE] = "docker.image",
	    [FK_DOCKER_LABEL] = "docker.label",
	};
	if (f->kind == FK_HTTP_HEADER) {
		snprintf(buf, len, "http.header.%s", f->header);
		return buf;
	}
	return names[f->kind];
}

static void detail(const struct fp_trail *t, char *out, size_t cap)
{
	size_t w = 0;
	const struct fp_rdata *rd = t->rd;
	if (t->port)
		w += (size_t)snprintf(out, cap, "%u/%s", t->port,
		                      t->proto == FP_PROTO_UDP ? "udp" : "tcp");
	switch (t->leaf->kind) {
	case N_PORT:
	case N_HOST_PORT:
		snprintf(out + w, cap - w, " open");
		return;
	case N_GATEWAY:
		snprintf(out, cap,
		         t->leaf->gateway ? "a default gateway of the daemon"
		                          : "not a default gateway");
		return;
	case N_BANNER:
	case N_UDP:
		w += (size_t)snprintf(out + w, cap - w, " %s",
		                      rd && rd->probe && rd->probe[0] ? rd->probe
		                                                      : "greeting");
		break;
	case N_HTTP:
		if (rd)
			w += (size_t)snprintf(out + w, cap - w, " GET %s %u",
			                      rd->path ? rd->path : "/", rd->status);
		break;
	default:
		break;
	}
	if (w >= cap)
		return;
	if (!t->item)
		return;
	const struct fp_span *s = &t->cap.whole;
	const uint8_t *p = t->item->data;
	size_t len = t->item->len;
	if (s->off != UINT32_MAX && s->len > 0 && (size_t)s->off + s->len <= len) {
		p += s->off;
		len = s->len;
	} else if (len > 40) {
		len = 40; /* a match of nothing (an anchor, a lookahead) */
	}
	if (w)
		w += (size_t)snprintf(out + w, cap - w, ": ");
	if (w < cap)
		render(out + w, cap - w, p, len);
}

static const char *captured(struct run *r, const struct match *m, bool version)
{
	for (int i = 0; i < m->ntrail; i++) {
		const struct fp_trail *t = &m->trail[i];
		const struct fp_span *s = version ? &t->cap.version : &t->cap.product;
		if (t->item && s->off != UINT32_MAX && s->len > 0 &&
		    (size_t)s->off + s->len <= t->item->len)
			return text(r, t->item->data + s->off, s->len, TEXT_MAX);
	}
	return NULL;
}

static void emit(struct run *r, const struct fp_host *h, const struct match *m)
{
	struct fp_arena *a = &r->c->a;
	Scanopy__V1__ServiceMatch *sm = fp_arena_alloc(a, sizeof *sm);
	Scanopy__V1__ServiceMatch **slot = RPUSH(r, r->out, r->nout, r->capout);
	if (!sm || !slot) {
		r->oom = 1;
		return;
	}
	scanopy__v1__service_match__init(sm);
	*slot = sm;
	const struct fp_def *d = m->d;
	sm->ip = (char *)h->ip;
	if (m->ep != HOST_EP) {
		const struct fp_endpoint *e = &r->v.eps[m->ep];
		sm->protocol = e->proto == FP_PROTO_UDP
		                   ? SCANOPY__V1__PROTOCOL__PROTOCOL_UDP
		                   : SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
		sm->has_protocol = 1;
		sm->port = e->port;
	}
	sm->has_port = 1;
	sm->definition_id = (char *)d->id;
	sm->name = (char *)d->name;
	sm->category = (char *)d->category;
	const char *prod = captured(r, m, false);
	sm->product = (char *)(prod ? prod : d->product ? d->product : d->name);
	sm->version = (char *)captured(r, m, true);
	sm->confidence = (uint32_t)m->conf;
	sm->has_confidence = 1;
	sm->evidence =
	    fp_arena_alloc(a, (size_t)(m->ntrail ? m->ntrail : 1) * sizeof *sm->evidence);
	if (!sm->evidence) {
		r->oom = 1;
		return;
	}
	for (int i = 0; i < m->ntrail; i++) {
		Scanopy__V1__MatchEvidence *ev = fp_arena_alloc(a, sizeof *ev);
		char buf[DETAIL_MAX + 16], rn[160];
		if (!ev) {
			r->oom = 1;
			return;
		}
		scanopy__v1__match_evidence__init(ev);
		ev->rule = fp_arena_strdup(a, rule_name(r, &m->trail[i], rn, sizeof rn));
		detail(&m->trail[i], buf, DETAIL_MAX);
		ev->detail = fp_arena_strdup(a, buf);
		if (m->trail[i].rd) {
			ev->observation_index = (uint32_t)m->trail[i].rd->obs;
			ev->has_observation_index = 1;
		}
		sm->evidence[sm->n_evidence++] = ev;
	}
}

static void classify_host(struct run *r, struct fp_eval *ev, uint32_t hi)
{
	const struct fp_host *h = &r->v.hosts[hi];
	gather(r, h);
	size_t m0 = r->nmatches;
	for (size_t i = 0; i < r->ncands && !r->oom; i++) {
		const struct cand *c = &r->cands[i];
		const struct fp_def *d = &r->s->defs[c->def];
		if (d->host_scope != (c->ep == HOST_EP))
			continue;
		const struct fp_endpoint *e = c->ep == HOST_EP ? NULL : &r->v.eps[c->ep];
		int conf = fp_eval_def(ev, d, h, e);
		if (!conf)
			continue;
		struct match *m = RPUSH(r, r->matches, r->nmatches, r->capmatches);
		if (!m)
			return;
		m->d = d;
		m->ep = c->ep;
		m->conf = conf;
		m->ntrail = ev->n;
		m->trail = fp_arena_alloc(&r->c->a,
		                          (size_t)(ev->n ? ev->n : 1) * sizeof *m->trail);
		if (!m->trail) {
			r->oom = 1;
			return;
		}
		memcpy(m->trail, ev->trail, (size_t)ev->n * sizeof *m->trail);
	}
	if (!(r->flags & FP_RAW))
		claim(r, m0);
	for (size_t i = m0; i < r->nmatches && !r->oom; i++)
		if (!r->matches[i].dropped)
			emit(r, h, &r->matches[i]);
}

int fp_classify(struct fp_ctx *c, const struct fp_set *s,
                const Scanopy__V1__ObservationBatch *b, int flags,
                Scanopy__V1__ServiceMatch ***matches, size_t *nmatches)
{
	*matches = NULL;
	*nmatches = 0;
	fp_arena_reset(&c->a);
	if (prepare(c, s))
		return -1;
	struct run r = {.c = c, .s = s, .flags = flags};
	bool naive = flags & FP_NAIVE;
	if (fp_view_build(&r.v, &c->a, s, b, c->pfs, !naive))
		return -1;
	struct fp_eval ev = {.s = s, .v = &r.v, .m = c->m, .naive = naive};
	for (uint32_t h = 0; h < r.v.nhosts && !r.oom; h++)
		classify_host(&r, &ev, h);
	if (r.oom) {
		sc_error("out of memory classifying a batch");
		return -1;
	}
	*matches = r.out;
	*nmatches = r.nout;
	return 0;
}
