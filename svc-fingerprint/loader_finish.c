/* After every file is read: overrides between directories, cross-references
 * (categories, probes, fixture ids), the rules' structural checks, then the
 * matcher's index and prefilters. */
#include "loader_int.h"
#include "pattern.h"
#include "prefilter.h"
#include "sc_log.h"
#include "set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fp_port_str(struct fp_port p, char *buf, size_t len)
{
	if (p.port == FP_PORT_ANY)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%u/%s", p.port,
		         p.proto == FP_PROTO_UDP ? "udp" : "tcp");
	return buf;
}

const char *fp_tier_name(enum fp_tier t)
{
	static const char *const names[] = {"catchall", "generic", "product",
	                                    "application"};
	return (unsigned)t < 4 ? names[t] : "?";
}

/* Later directories replace same-id entries of earlier ones in place (so
 * order, the last tie-breaker, stays put); the same id twice in one
 * directory is a mistake. */
static void resolve_defs(struct ld *l)
{
	for (size_t i = 0; i < l->ndefs; i++) {
		if (!l->defs[i].d.id)
			continue;
		for (size_t j = i + 1; j < l->ndefs; j++) {
			struct ld_def *a = &l->defs[i], *b = &l->defs[j];
			if (!b->d.id || strcmp(a->d.id, b->d.id))
				continue;
			if (a->dir == b->dir) {
				l->file = b->d.file;
				ld_error(l, b->d.line,
				         "duplicate definition id '%s' (first at %s:%d)",
				         b->d.id, a->d.file, a->d.line);
				continue;
			}
			sc_info("definition %s from %s:%d replaces the one from %s:%d",
			        b->d.id, b->d.file, b->d.line, a->d.file, a->d.line);
			a->d = b->d;
			a->dir = b->dir;
			b->d.id = NULL; /* consumed */
		}
	}
}

static void resolve_probes(struct ld *l)
{
	for (size_t i = 0; i < l->nprobes; i++) {
		if (!l->probes[i].p.id)
			continue;
		for (size_t j = i + 1; j < l->nprobes; j++) {
			struct ld_probe *a = &l->probes[i], *b = &l->probes[j];
			if (!b->p.id || strcmp(a->p.id, b->p.id) ||
			    a->p.proto != b->p.proto)
				continue;
			if (a->dir == b->dir) {
				l->file = b->p.file;
				ld_error(l, b->p.line,
				         "duplicate probe id '%s' (first at %s:%d)",
				         b->p.id, a->p.file, a->p.line);
				continue;
			}
			a->p = b->p;
			a->dir = b->dir;
			b->p.id = NULL;
		}
	}
}

static bool has_category(const struct fp_set *s, const char *c)
{
	for (size_t i = 0; i < s->ncategories; i++)
		if (!strcmp(s->categories[i], c))
			return true;
	return false;
}

static bool is_endpoint_leaf(enum fp_node_kind k)
{
	return k == N_PORT || k == N_BANNER || k == N_UDP || k == N_HTTP || k == N_TLS;
}

/* Leaves that can place a port-scope match at its port. */
static bool is_anchor_leaf(enum fp_node_kind k)
{
	return is_endpoint_leaf(k) || k == N_SNMP || k == N_DOCKER;
}

struct walk {
	struct ld *l;
	const struct fp_def *d;
	int anchors; /* positive anchor leaves outside `at` */
};

static int effective_nports(const struct fp_def *d, const struct fp_node *r)
{
	return r->nports ? r->nports : d->nports;
}

static void check_node(struct walk *w, const struct fp_node *r, bool positive, bool in_at)
{
	struct ld *l = w->l;
	const struct fp_def *d = w->d;
	const struct fp_set *s = l->set;
	switch (r->kind) {
	case N_ALL:
	case N_ANY:
		for (int i = 0; i < r->nkids; i++)
			check_node(w, r->kids[i], positive, in_at);
		return;
	case N_NOT:
		check_node(w, r->kids[0], !positive, in_at);
		return;
	case N_AT:
		check_node(w, r->kids[0], positive, true);
		return;
	default:
		break;
	}
	if (d->host_scope && !in_at && is_endpoint_leaf(r->kind)) {
		ld_error(
		    l, r->line,
		    "%s: a host-scope definition has no port of its own; use host_port "
		    "or at",
		    d->id);
		return;
	}
	if (r->kind == N_PORT && r->ports[0].port == FP_PORT_ANY &&
	    (in_at || d->host_scope))
		ld_error(l, r->line,
		         "%s: 'port: any' only makes sense at the matched port", d->id);
	if (r->kind == N_BANNER || r->kind == N_HTTP || r->kind == N_TLS)
		for (int i = 0; i < r->nports; i++)
			if (r->ports[i].port != FP_PORT_ANY &&
			    r->ports[i].proto != FP_PROTO_TCP)
				ld_error(l, r->line, "%s: %s evidence is on TCP ports",
				         d->id, fp_node_kind_name(r->kind));
	if (r->probe) {
		uint8_t want = r->kind == N_UDP ? FP_PROTO_UDP : FP_PROTO_TCP;
		const struct fp_probe *p = fp_set_probe(s, r->probe, want);
		if (!p && !(p = fp_set_probe(s, r->probe, 0)))
			ld_error(l, r->line, "%s: no probe named '%s'", d->id, r->probe);
		else if (p->proto != want)
			ld_error(l, r->line, "%s: probe '%s' is %s, this rule reads %s",
			         d->id, r->probe,
			         p->proto == FP_PROTO_UDP ? "udp" : "tcp",
			         want == FP_PROTO_UDP ? "udp" : "tcp");
		else if (!p->nports && !effective_nports(d, r))
			ld_error(l, r->line,
			         "%s: probe '%s' has no port to be sent to (give the "
			         "rule, the "
			         "definition or the probe ports)",
			         d->id, r->probe);
	}
	if (r->kind == N_UDP && !r->probe)
		ld_error(l, r->line, "%s: a udp rule names the probe it answers", d->id);
	if (r->kind == N_HTTP && r->path && strcmp(r->path, "/") &&
	    !effective_nports(d, r))
		ld_error(
		    l, r->line,
		    "%s: http path %s needs ports (the rule's or the definition's) so "
		    "the probe plan requests it somewhere",
		    d->id, r->path);
	if (r->kind == N_HTTP && r->nconds == 0 && !effective_nports(d, r))
		ld_error(l, r->line,
		         "%s: an http rule without patterns needs ports to hold on",
		         d->id);
	if (positive && !in_at && is_anchor_leaf(r->kind))
		w->anchors++;
}

static void check_def(struct ld *l, const struct fp_def *d)
{
	const struct fp_set *s = l->set;
	l->file = d->file;
	if (!has_category(s, d->category))
		ld_error(l, d->line,
		         "%s: unknown category '%s' (declare it under categories)", d->id,
		         d->category);
	for (int i = 0; i < d->nfallback_cats; i++)
		if (!has_category(s, d->fallback_cats[i]) &&
		    !fp_set_find(s, d->fallback_cats[i]))
			ld_error(l, d->line,
			         "%s: fallback names '%s', neither a category nor a "
			         "definition id",
			         d->id, d->fallback_cats[i]);
	struct walk w = {l, d, 0};
	check_node(&w, d->rule, true, false);
	if (!d->host_scope && w.anchors == 0)
		ld_error(
		    l, d->rule->line,
		    "%s: a port-scope definition needs evidence at its port (port, "
		    "banner, udp, http, tls, snmp or docker, not only under not or at)",
		    d->id);
	const struct fp_fixture *f = d->fixture;
	if (!f)
		return;
	for (size_t i = 0; i < f->nalso; i++)
		if (!fp_set_find(s, f->also[i]))
			ld_error(l, d->line,
			         "%s: fixture's also names unknown definition '%s'",
			         d->id, f->also[i]);
	for (size_t i = 0; i < f->nitems; i++)
		if (f->items[i].probe && f->items[i].probe[0] &&
		    !fp_set_probe(s, f->items[i].probe,
		                  f->items[i].kind == FX_UDP ? FP_PROTO_UDP
		                                             : FP_PROTO_TCP))
			ld_error(l, d->line, "%s: fixture uses unknown probe '%s'", d->id,
			         f->items[i].probe);
}

/* ---- the index ---- */

static int add_pattern_anchor(struct fp_set *s, int pattern, int def, bool host)
{
	size_t n = s->pattern_nanchors[pattern];
	struct fp_anchor *a = s->pattern_anchors[pattern];
	for (size_t i = 0; i < n; i++)
		if (a[i].def == def && a[i].host == host)
			return 0;
	a = realloc(a, (n + 1) * sizeof *a);
	if (!a)
		return -1;
	a[n].def = def;
	a[n].host = host;
	s->pattern_anchors[pattern] = a;
	s->pattern_nanchors[pattern] = n + 1;
	return 0;
}

static int add_port_anchor(struct fp_set *s, size_t *cap, struct fp_port p, int def,
                           bool host)
{
	if (s->nport_anchors == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		struct fp_port_anchor *n = realloc(s->port_anchors, *cap * sizeof *n);
		if (!n)
			return -1;
		s->port_anchors = n;
	}
	struct fp_port_anchor *e = &s->port_anchors[s->nport_anchors++];
	e->key = (uint32_t)p.proto << 16 | p.port;
	e->a.def = def;
	e->a.host = host;
	return 0;
}

static int push_int(int **arr, size_t *n, int v)
{
	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i] == v)
			return 0;
	int *a = realloc(*arr, (*n + 1) * sizeof *a);
	if (!a)
		return -1;
	a[(*n)++] = v;
	*arr = a;
	return 0;
}

struct idx {
	struct fp_set *s;
	size_t port_cap;
	int rc;
};

/* A leaf that puts its definition on the candidate list when its key is seen. */
static void index_leaf(struct idx *x, const struct fp_def *d, const struct fp_node *r,
                       bool host)
{
	struct fp_set *s = x->s;
	if (r->nconds > 0) {
		x->rc |= add_pattern_anchor(s, r->conds[0].pattern, d->index, host);
		return;
	}
	const struct fp_port *ports = r->nports ? r->ports : d->ports;
	int np = r->nports ? r->nports : d->nports;
	for (int i = 0; i < np; i++) {
		if (ports[i].port == FP_PORT_ANY)
			x->rc |= push_int(&s->any_open, &s->nany_open, d->index);
		else
			x->rc |=
			    add_port_anchor(s, &x->port_cap, ports[i], d->index, host);
	}
}

static void index_anchors(struct idx *x, const struct fp_def *d, const struct fp_node *r,
                          bool positive)
{
	switch (r->kind) {
	case N_ALL:
	case N_ANY:
		for (int i = 0; i < r->nkids; i++)
			index_anchors(x, d, r->kids[i], positive);
		return;
	case N_NOT:
	case N_AT: /* evidence elsewhere cannot place a match here */
		return;
	default:
		if (positive && is_anchor_leaf(r->kind))
			index_leaf(x, d, r, false);
	}
}

/* A leaf that must hold for a host-scope rule to hold, if one can be found
 * without enumerating alternatives: the first indexable one down an `all`. */
static const struct fp_node *necessary_leaf(const struct fp_node *r)
{
	switch (r->kind) {
	case N_ALL:
		for (int i = 0; i < r->nkids; i++) {
			const struct fp_node *n = necessary_leaf(r->kids[i]);
			if (n)
				return n;
		}
		return NULL;
	case N_AT:
		return necessary_leaf(r->kids[0]);
	case N_ANY:
	case N_NOT:
	case N_GATEWAY:
		return NULL;
	case N_PORT:
		return r->ports[0].port == FP_PORT_ANY ? NULL : r;
	default:
		return (r->nconds > 0 || r->kind == N_HOST_PORT) ? r : NULL;
	}
}

static int cmp_port_anchor(const void *a, const void *b)
{
	const struct fp_port_anchor *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->a.def - y->a.def;
}

static int build_index(struct fp_set *s)
{
	struct idx x = {s, 0, 0};
	s->pattern_anchors =
	    calloc(s->npatterns ? s->npatterns : 1, sizeof *s->pattern_anchors);
	s->pattern_nanchors =
	    calloc(s->npatterns ? s->npatterns : 1, sizeof *s->pattern_nanchors);
	if (!s->pattern_anchors || !s->pattern_nanchors)
		return -1;
	for (size_t i = 0; i < s->ndefs; i++) {
		const struct fp_def *d = &s->defs[i];
		if (!d->host_scope) {
			index_anchors(&x, d, d->rule, true);
			continue;
		}
		const struct fp_node *n = necessary_leaf(d->rule);
		if (n)
			index_leaf(&x, d, n, true);
		else
			x.rc |= push_int(&s->always_host, &s->nalways_host, d->index);
	}
	if (s->nport_anchors > 1)
		qsort(s->port_anchors, s->nport_anchors, sizeof *s->port_anchors,
		      cmp_port_anchor);
	return x.rc;
}

static int build_fields(struct ld *l)
{
	struct fp_set *s = l->set;
	for (size_t i = 0; i < s->npatterns; i++) {
		struct fp_field *f = &s->fields[l->pattern_field[i]];
		int *p = realloc(f->patterns, (f->npatterns + 1) * sizeof *p);
		if (!p)
			return -1;
		p[f->npatterns++] = (int)i;
		f->patterns = p;
	}
	for (size_t i = 0; i < s->nfields; i++) {
		struct fp_field *f = &s->fields[i];
		if (!f->npatterns)
			continue;
		const char **srcs = malloc(f->npatterns * sizeof *srcs);
		if (!srcs)
			return -1;
		for (size_t j = 0; j < f->npatterns; j++)
			srcs[j] = fp_pattern_source(s->patterns[f->patterns[j]]);
		f->pf = fp_prefilter_build(srcs, f->patterns, f->npatterns);
		free(srcs);
		if (!f->pf)
			return -1;
	}
	return 0;
}

int ld_finish(struct ld *l)
{
	struct fp_set *s = l->set;
	resolve_defs(l);
	resolve_probes(l);
	s->categories = ld_alloc(l, (l->ncats ? l->ncats : 1) * sizeof *s->categories);
	s->probes = ld_alloc(l, (l->nprobes ? l->nprobes : 1) * sizeof *s->probes);
	s->defs = ld_alloc(l, (l->ndefs ? l->ndefs : 1) * sizeof *s->defs);
	if (!s->categories || !s->probes || !s->defs)
		return -1;
	for (size_t i = 0; i < l->ncats; i++)
		s->categories[s->ncategories++] = l->cats[i];
	for (size_t i = 0; i < l->nprobes; i++)
		if (l->probes[i].p.id)
			s->probes[s->nprobes++] = l->probes[i].p;
	for (size_t i = 0; i < l->ndefs; i++) {
		if (!l->defs[i].d.id)
			continue;
		struct fp_def *d = &s->defs[s->ndefs];
		*d = l->defs[i].d;
		d->index = (int)s->ndefs++;
	}
	if (s->ndefs && !s->ncategories)
		ld_error(l, 0,
		         "no categories are declared (a file needs a categories list)");
	for (size_t i = 0; i < s->ndefs; i++)
		check_def(l, &s->defs[i]);
	l->file = NULL;
	if (l->nerrors)
		return -1;
	if (build_index(s) || build_fields(l)) {
		ld_error(l, 0, "out of memory building the matcher's index");
		return -1;
	}
	fp_set_hash_done(s);
	return 0;
}
