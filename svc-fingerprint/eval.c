#include "eval.h"

#include <string.h>

#define FALSE_ (-1)

static const int default_confidence[N__COUNT] = {
    [N_PORT] = 30, [N_HOST_PORT] = 20, [N_BANNER] = 90,  [N_UDP] = 90,  [N_HTTP] = 80,
    [N_TLS] = 70,  [N_MAC] = 60,       [N_SNMP] = 90,    [N_MDNS] = 80, [N_SSDP] = 80,
    [N_NAME] = 50, [N_DOCKER] = 85,    [N_GATEWAY] = 60,
};

static int eval(struct fp_eval *ev, const struct fp_node *r, const struct fp_endpoint *e,
                bool in_at);

static void trail_add(struct fp_eval *ev, const struct fp_node *leaf, int cond,
                      const struct fp_rdata *rd, const struct fp_item *it,
                      const struct fp_captures *cap, const struct fp_endpoint *e)
{
	if (ev->n == FP_TRAIL_MAX)
		return;
	struct fp_trail *t = &ev->trail[ev->n++];
	t->leaf = leaf;
	t->cond = cond;
	t->rd = rd;
	t->item = it;
	if (cap)
		t->cap = *cap;
	else
		memset(&t->cap, 0, sizeof t->cap);
	t->proto = e ? e->proto : 0;
	t->port = e ? e->port : 0;
}

static const struct fp_hit *find_hit(const struct fp_view *v, const struct fp_item *it,
                                     int pattern)
{
	if (!it->nhits)
		return NULL;
	const struct fp_hit *h = v->hits + it->hit0;
	size_t lo = 0, hi = it->nhits;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h[mid].pattern < pattern)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < it->nhits && h[lo].pattern == pattern ? &h[lo] : NULL;
}

/* Does the pattern match the item? The prefilter has already named the
 * candidates; PCRE2 confirms each once per item and the answer is kept. */
static bool item_holds(struct fp_eval *ev, const struct fp_item *it, int pattern,
                       struct fp_captures *cap)
{
	const struct fp_pattern *p = ev->s->patterns[pattern];
	if (ev->naive)
		return fp_pattern_match(p, ev->m, it->data, it->len, cap) == 1;
	struct fp_hit *h = (struct fp_hit *)find_hit(ev->v, it, pattern);
	if (!h)
		return false;
	if (h->state == 0)
		h->state = fp_pattern_match(p, ev->m, it->data, it->len, &h->cap) ? 1 : 2;
	if (h->state != 1)
		return false;
	*cap = h->cap;
	return true;
}

static bool port_in(const struct fp_port *ports, int n, const struct fp_endpoint *e)
{
	for (int i = 0; i < n; i++)
		if (ports[i].port == FP_PORT_ANY ||
		    (ports[i].port == e->port && ports[i].proto == e->proto))
			return true;
	return false;
}

static enum fp_rec_kind rec_kind(enum fp_node_kind k)
{
	switch (k) {
	case N_BANNER:
		return R_BANNER;
	case N_UDP:
		return R_UDP;
	case N_HTTP:
		return R_HTTP;
	case N_TLS:
		return R_TLS;
	case N_MAC:
		return R_MAC;
	case N_SNMP:
		return R_SNMP;
	case N_MDNS:
		return R_MDNS;
	case N_SSDP:
		return R_SSDP;
	case N_NAME:
		return R_NAME;
	default:
		return R_DOCKER;
	}
}

/* The observation-level filters of a rule: probe, path, status, scheme. */
static bool rd_passes(const struct fp_node *r, const struct fp_rdata *rd)
{
	if (r->probe && (!rd->probe || strcmp(r->probe, rd->probe)))
		return false;
	if (r->kind == N_HTTP) {
		if (r->path && (!rd->path || strcmp(r->path, rd->path)))
			return false;
		if (r->scheme && (!rd->scheme || strcmp(r->scheme, rd->scheme)))
			return false;
		if (r->status_lo &&
		    (rd->status < r->status_lo || rd->status > r->status_hi))
			return false;
	}
	if (r->kind == N_TLS && r->self_signed >= 0 && rd->self_signed != r->self_signed)
		return false;
	return true;
}

/* Evidence rules: the first observation at the place that passes the filters
 * and satisfies every pattern condition (each on one of its items). */
static int leaf_records(struct fp_eval *ev, const struct fp_node *r,
                        const struct fp_endpoint *e)
{
	const struct fp_view *v = ev->v;
	uint32_t r0, nr;
	bool at_port = e && r->kind != N_MAC && r->kind != N_MDNS && r->kind != N_SSDP &&
	               r->kind != N_NAME;
	if (at_port) {
		if (r->kind == N_SNMP && !(e->proto == FP_PROTO_UDP && e->port == 161))
			return FALSE_;
		if (r->nports && !port_in(r->ports, r->nports, e))
			return FALSE_;
		/* Without patterns the rule holds only where its ports say. */
		if (!r->nconds && !r->nports && !port_in(ev->d->ports, ev->d->nports, e))
			return FALSE_;
		r0 = e->rec0;
		nr = e->nrecs;
	} else {
		if (r->kind == N_BANNER || r->kind == N_UDP || r->kind == N_HTTP ||
		    r->kind == N_TLS)
			return FALSE_; /* rejected at load; kept safe */
		r0 = ev->h->rec0;
		nr = ev->h->nrecs;
	}
	enum fp_rec_kind want = rec_kind(r->kind);
	for (uint32_t i = r0; i < r0 + nr; i++) {
		const struct fp_rdata *rd = &v->rdata[v->recs[i].data];
		if (rd->kind != want || !rd_passes(r, rd))
			continue;
		int mark = ev->n, c;
		for (c = 0; c < r->nconds; c++) {
			const struct fp_cond *cd = &r->conds[c];
			const struct fp_item *found = NULL;
			struct fp_captures cap;
			for (uint32_t k = rd->item0; k < rd->item0 + rd->nitems && !found;
			     k++) {
				const struct fp_item *it = &v->items[k];
				if (it->field == cd->field &&
				    item_holds(ev, it, cd->pattern, &cap))
					found = it;
			}
			if (!found)
				break;
			trail_add(ev, r, c, rd, found, &cap, at_port ? e : NULL);
		}
		if (c < r->nconds) {
			ev->n = mark;
			continue;
		}
		if (r->nconds == 0)
			trail_add(ev, r, -1, rd, NULL, NULL, at_port ? e : NULL);
		return r->confidence ? r->confidence : default_confidence[r->kind];
	}
	return FALSE_;
}

static const struct fp_rdata *first_rd(const struct fp_view *v,
                                       const struct fp_endpoint *e)
{
	return e->nrecs ? &v->rdata[v->recs[e->rec0].data] : NULL;
}

static int combine_all(struct fp_eval *ev, const struct fp_node *r,
                       const struct fp_endpoint *e, bool in_at)
{
	double miss = 1.0;
	for (int i = 0; i < r->nkids; i++) {
		int c = eval(ev, r->kids[i], e, in_at);
		if (c < 0)
			return FALSE_;
		miss *= 1.0 - c / 100.0;
	}
	return (int)((1.0 - miss) * 100.0 + 0.5);
}

static int combine_any(struct fp_eval *ev, const struct fp_node *r,
                       const struct fp_endpoint *e, bool in_at)
{
	int best = FALSE_;
	/* Every alternative that holds adds to the trail: the UI shows all. */
	for (int i = 0; i < r->nkids; i++) {
		int c = eval(ev, r->kids[i], e, in_at);
		if (c > best)
			best = c;
	}
	return best;
}

static int eval_at(struct fp_eval *ev, const struct fp_node *r)
{
	for (int i = 0; i < r->nports; i++) {
		const struct fp_endpoint *at =
		    fp_view_endpoint(ev->v, ev->h, r->ports[i].proto, r->ports[i].port);
		if (!at)
			continue;
		int c = eval(ev, r->kids[0], at, true);
		if (c >= 0)
			return c;
	}
	return FALSE_;
}

static int eval(struct fp_eval *ev, const struct fp_node *r, const struct fp_endpoint *e,
                bool in_at)
{
	int mark = ev->n, anchors = ev->anchors, c = FALSE_;
	switch (r->kind) {
	case N_ALL:
		c = combine_all(ev, r, e, in_at);
		break;
	case N_ANY:
		c = combine_any(ev, r, e, in_at);
		break;
	case N_NOT:
		c = eval(ev, r->kids[0], e, in_at) >= 0 ? FALSE_ : 0;
		ev->n = mark;
		ev->anchors = anchors;
		return c;
	case N_AT:
		c = eval_at(ev, r);
		break;
	case N_PORT:
		if (e && port_in(r->ports, r->nports, e)) {
			trail_add(ev, r, -1, first_rd(ev->v, e), NULL, NULL, e);
			c = r->confidence ? r->confidence : default_confidence[N_PORT];
		}
		break;
	case N_HOST_PORT:
		for (int i = 0; i < r->nports && c < 0; i++) {
			const struct fp_endpoint *p = fp_view_endpoint(
			    ev->v, ev->h, r->ports[i].proto, r->ports[i].port);
			if (p) {
				trail_add(ev, r, -1, first_rd(ev->v, p), NULL, NULL, p);
				c = r->confidence ? r->confidence
				                  : default_confidence[N_HOST_PORT];
			}
		}
		break;
	case N_GATEWAY:
		if (ev->h->gateway == r->gateway) {
			trail_add(ev, r, -1, NULL, NULL, NULL, NULL);
			c = r->confidence ? r->confidence : default_confidence[N_GATEWAY];
		}
		break;
	default:
		c = leaf_records(ev, r, e);
		break;
	}
	if (c < 0) {
		ev->n = mark;
		ev->anchors = anchors;
		return FALSE_;
	}
	if (r->kind >= N_PORT) {
		/* Evidence at the matched port itself places the match there. */
		if (e && !in_at && r->kind != N_HOST_PORT && r->kind != N_GATEWAY &&
		    r->kind != N_MAC && r->kind != N_MDNS && r->kind != N_SSDP &&
		    r->kind != N_NAME)
			ev->anchors++;
	} else if (r->confidence) {
		c = r->confidence;
	}
	return c;
}

int fp_eval_def(struct fp_eval *ev, const struct fp_def *d, const struct fp_host *h,
                const struct fp_endpoint *e)
{
	ev->d = d;
	ev->h = h;
	ev->n = 0;
	ev->anchors = 0;
	int c = eval(ev, d->rule, e, false);
	if (c < 0 || (e && ev->anchors == 0))
		return 0;
	return c < 1 ? 1 : (c > 100 ? 100 : c);
}
