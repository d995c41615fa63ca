#include "view.h"

#include "oui.h"
#include "prefilter.h"
#include "sc_log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct vb {
	struct fp_view *v;
	struct fp_arena *a;
	const struct fp_set *s;
	size_t caphosts, caprecs, caprdata, capitems, caphits;
	uint32_t *table; /* open-addressing ip -> host index + 1 */
	size_t tsize;
	const char **gateways;
	size_t ngateways, capgw;
	int oom;
};

/* Grows an arena array; on failure the old one stays and oom is set. */
static void *vgrow(struct vb *b, void *arr, size_t elem, size_t n, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void *na = fp_arena_grow(b->a, arr, elem, n, ncap);
	if (!na) {
		b->oom = 1;
		return arr;
	}
	*cap = ncap;
	return na;
}

/* A new zeroed element at the end of arr, or NULL when memory ran out. */
#define VPUSH(b, arr, n, cap)                                                            \
	((n) == (cap) &&                                                                 \
	         ((arr) = vgrow((b), (arr), sizeof *(arr), (n), &(cap)), (n) == (cap))   \
	     ? NULL                                                                      \
	     : memset(&(arr)[(n)++], 0, sizeof *(arr)))

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The host for an address, created on first sight; UINT32_MAX for no address. */
static uint32_t host_of(struct vb *b, const char *ip)
{
	if (!ip || !*ip)
		return UINT32_MAX;
	uint32_t i = hash_str(ip) & (uint32_t)(b->tsize - 1);
	for (;; i = (i + 1) & (uint32_t)(b->tsize - 1)) {
		uint32_t slot = b->table[i];
		if (!slot)
			break;
		if (!strcmp(b->v->hosts[slot - 1].ip, ip))
			return slot - 1;
	}
	struct fp_host *h = VPUSH(b, b->v->hosts, b->v->nhosts, b->caphosts);
	if (!h)
		return UINT32_MAX;
	h->ip = ip;
	b->table[i] = (uint32_t)b->v->nhosts;
	return (uint32_t)b->v->nhosts - 1;
}

static struct fp_rdata *rdata_new(struct vb *b, enum fp_rec_kind kind, int obs)
{
	struct fp_rdata *d = VPUSH(b, b->v->rdata, b->v->nrdata, b->caprdata);
	if (!d)
		return NULL;
	d->kind = (uint8_t)kind;
	d->obs = obs;
	d->self_signed = -1;
	d->item0 = (uint32_t)b->v->nitems;
	return d;
}

/* Adds a piece of text evidence to the newest rdata, if some pattern reads
 * its field at all. */
static void item_add(struct vb *b, int field, const void *data, size_t len)
{
	if (field < 0 || !b->s->fields[field].npatterns || !data)
		return;
	struct fp_item *it = VPUSH(b, b->v->items, b->v->nitems, b->capitems);
	if (!it)
		return;
	it->field = field;
	it->data = data;
	it->len = (uint32_t)(len > FP_SUBJECT_MAX ? FP_SUBJECT_MAX : len);
	b->v->rdata[b->v->nrdata - 1].nitems++;
}

static void item_str(struct vb *b, int field, const char *s)
{
	if (s)
		item_add(b, field, s, strlen(s));
}

static void rec_add(struct vb *b, uint32_t host, uint8_t proto, uint32_t port)
{
	if (host == UINT32_MAX || port > 65535)
		return;
	struct fp_rec *r = VPUSH(b, b->v->recs, b->v->nrecs, b->caprecs);
	if (!r)
		return;
	r->host = host;
	r->proto = port ? proto : 0;
	r->port = (uint16_t)port;
	r->data = (uint32_t)b->v->nrdata - 1;
}

static int header_field(const struct fp_set *s, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = FK_HTTP_HEADER; i < s->nfields; i++)
		if (!strcasecmp(s->fields[i].header, name))
			return (int)i;
	return -1;
}

static void set_mac(struct vb *b, uint32_t host, const char *mac, int obs)
{
	if (host == UINT32_MAX || !mac || !*mac)
		return;
	struct fp_host *h = &b->v->hosts[host];
	if (h->mac)
		return;
	h->mac = mac;
	h->vendor = fp_oui_vendor(b->s->oui, mac);
	if (!h->vendor || !rdata_new(b, R_MAC, obs))
		return;
	item_str(b, FK_MAC_VENDOR, h->vendor);
	rec_add(b, host, 0, 0);
}

static uint8_t proto_of(Scanopy__V1__Protocol p, bool has, uint8_t dflt)
{
	if (!has)
		return dflt;
	return p == SCANOPY__V1__PROTOCOL__PROTOCOL_UDP ? FP_PROTO_UDP : FP_PROTO_TCP;
}

static void add_container(struct vb *b, const Scanopy__V1__DockerContainer *c, int obs)
{
	const char *ip = NULL;
	for (size_t i = 0; i < c->n_endpoints && !ip; i++)
		if (c->endpoints[i] && c->endpoints[i]->ip && c->endpoints[i]->ip[0])
			ip = c->endpoints[i]->ip;
	uint32_t ctx = host_of(b, ip ? ip : c->host_ip);
	uint32_t dhost = host_of(b, c->host_ip);
	if (ctx == UINT32_MAX || !rdata_new(b, R_DOCKER, obs))
		return;
	item_str(b, FK_DOCKER_IMAGE, c->image);
	if (b->s->fields[FK_DOCKER_LABEL].npatterns)
		for (size_t i = 0; i < c->n_labels; i++) {
			const Scanopy__V1__DockerLabel *l = c->labels[i];
			if (!l || !l->key)
				continue;
			size_t kl = strlen(l->key), vl = l->value ? strlen(l->value) : 0;
			char *kv = fp_arena_alloc(b->a, kl + vl + 2);
			if (!kv) {
				b->oom = 1;
				return;
			}
			memcpy(kv, l->key, kl);
			kv[kl] = '=';
			if (vl)
				memcpy(kv + kl + 1, l->value, vl);
			item_add(b, FK_DOCKER_LABEL, kv, kl + vl + 1);
		}
	rec_add(b, ctx, 0, 0);
	for (size_t i = 0; i < c->n_ports; i++) {
		const Scanopy__V1__DockerPort *p = c->ports[i];
		if (!p)
			continue;
		uint8_t proto = proto_of(p->protocol, p->has_protocol, FP_PROTO_TCP);
		if (p->private_port)
			rec_add(b, ctx, proto, p->private_port);
		/* A published port is the same service seen on the Docker host. */
		if (p->public_port && dhost != ctx)
			rec_add(b, dhost, proto, p->public_port);
		else if (p->public_port && p->public_port != p->private_port)
			rec_add(b, ctx, proto, p->public_port);
	}
}

static void add_name(struct vb *b, const Scanopy__V1__NameRecord *n, int obs)
{
	uint32_t h = host_of(b, n->ip);
	if (h == UINT32_MAX)
		return;
	if (n->name && n->name[0] && rdata_new(b, R_NAME, obs)) {
		item_str(b, FK_NAME, n->name);
		rec_add(b, h, 0, 0);
	}
	bool mdns = n->source == SCANOPY__V1__NAME_SOURCE__NAME_MDNS;
	bool ssdp = n->source == SCANOPY__V1__NAME_SOURCE__NAME_SSDP;
	if (!(mdns || ssdp) || !rdata_new(b, mdns ? R_MDNS : R_SSDP, obs))
		return;
	for (size_t i = 0; i < n->n_service_types; i++)
		item_str(b, mdns ? FK_MDNS : FK_SSDP, n->service_types[i]);
	if (ssdp)
		item_str(b, FK_SSDP, n->detail);
	rec_add(b, h, 0, 0);
}

static void add_http(struct vb *b, const Scanopy__V1__HttpResponse *r, int obs)
{
	uint32_t h = host_of(b, r->ip);
	struct fp_rdata *d;
	if (h == UINT32_MAX || !r->port || !(d = rdata_new(b, R_HTTP, obs)))
		return;
	d->path = r->path;
	d->scheme = r->scheme;
	d->status = (uint16_t)(r->status > 999 ? 0 : r->status);
	item_str(b, FK_HTTP_TITLE, r->title);
	if (r->has_body_prefix)
		item_add(b, FK_HTTP_BODY,
		         r->body_prefix.data ? r->body_prefix.data : (uint8_t *)"",
		         r->body_prefix.len);
	for (size_t i = 0; i < r->n_headers; i++)
		if (r->headers[i])
			item_str(b, header_field(b->s, r->headers[i]->name),
			         r->headers[i]->value);
	rec_add(b, h, FP_PROTO_TCP, r->port);
}

static void add_tls(struct vb *b, const Scanopy__V1__TlsInfo *t, int obs)
{
	uint32_t h = host_of(b, t->ip);
	struct fp_rdata *d;
	if (h == UINT32_MAX || !t->port || !(d = rdata_new(b, R_TLS, obs)))
		return;
	d->self_signed = t->has_self_signed ? (int8_t)t->self_signed : -1;
	item_str(b, FK_TLS_SUBJECT, t->subject);
	item_str(b, FK_TLS_ISSUER, t->issuer);
	for (size_t i = 0; i < t->n_subject_alt_names; i++)
		item_str(b, FK_TLS_SAN, t->subject_alt_names[i]);
	item_str(b, FK_TLS_ALPN, t->alpn);
	rec_add(b, h, FP_PROTO_TCP, t->port);
}

static void add_obs(struct vb *b, const Scanopy__V1__Observation *o, int i)
{
	struct fp_rdata *d;
	uint32_t h;
	switch (o->kind_case) {
	case SCANOPY__V1__OBSERVATION__KIND_HOST:
		set_mac(b, host_of(b, o->host->ip), o->host->mac, i);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_ARP:
		set_mac(b, host_of(b, o->arp->ip), o->arp->mac, i);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_SELF_REPORT:
		for (size_t k = 0; k < o->self_report->n_default_gateways; k++) {
			const char **g = VPUSH(b, b->gateways, b->ngateways, b->capgw);
			if (g)
				*g = o->self_report->default_gateways[k];
		}
		break;
	case SCANOPY__V1__OBSERVATION__KIND_PORT:
		if (o->port->status != SCANOPY__V1__PORT_STATUS__PORT_OPEN ||
		    !o->port->port)
			break;
		h = host_of(b, o->port->ip);
		if (h != UINT32_MAX && rdata_new(b, R_PORT, i))
			rec_add(b, h,
			        proto_of(o->port->protocol, o->port->has_protocol,
			                 FP_PROTO_TCP),
			        o->port->port);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_BANNER: {
		const Scanopy__V1__Banner *bn = o->banner;
		uint8_t proto = proto_of(bn->protocol, bn->has_protocol, FP_PROTO_TCP);
		h = host_of(b, bn->ip);
		if (h == UINT32_MAX || !bn->port ||
		    !(d = rdata_new(b, proto == FP_PROTO_UDP ? R_UDP : R_BANNER, i)))
			break;
		d->probe = bn->probe;
		item_add(b, proto == FP_PROTO_UDP ? FK_UDP : FK_BANNER,
		         bn->data.data ? bn->data.data : (uint8_t *)"", bn->data.len);
		rec_add(b, h, proto, bn->port);
		break;
	}
	case SCANOPY__V1__OBSERVATION__KIND_UDP_REPLY:
		h = host_of(b, o->udp_reply->ip);
		if (h == UINT32_MAX || !o->udp_reply->port ||
		    !(d = rdata_new(b, R_UDP, i)))
			break;
		d->probe = o->udp_reply->probe;
		item_add(b, FK_UDP,
		         o->udp_reply->payload.data ? o->udp_reply->payload.data
		                                    : (uint8_t *)"",
		         o->udp_reply->payload.len);
		rec_add(b, h, FP_PROTO_UDP, o->udp_reply->port);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_TLS:
		add_tls(b, o->tls, i);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_HTTP:
		add_http(b, o->http, i);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_NAME:
		add_name(b, o->name, i);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM:
		h = host_of(b, o->snmp_system->ip);
		if (h == UINT32_MAX || !rdata_new(b, R_SNMP, i))
			break;
		item_str(b, FK_SNMP_DESCR, o->snmp_system->sys_descr);
		item_str(b, FK_SNMP_OID, o->snmp_system->sys_object_id);
		/* The agent answered: host-wide facts, and a service at 161/udp. */
		rec_add(b, h, 0, 0);
		rec_add(b, h, FP_PROTO_UDP, 161);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_CONTAINER:
		add_container(b, o->container, i);
		break;
	default:
		break; /* not evidence of a service (interfaces, links, progress) */
	}
}

static int cmp_rec(const void *a, const void *b)
{
	const struct fp_rec *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	uint32_t kx = (uint32_t)x->proto << 16 | x->port,
	         ky = (uint32_t)y->proto << 16 | y->port;
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x->data < y->data ? -1 : x->data > y->data;
}

static int cmp_hit(const void *a, const void *b)
{
	return ((const struct fp_hit *)a)->pattern - ((const struct fp_hit *)b)->pattern;
}

struct scan_ctx {
	struct vb *b;
};

static void on_hit(int id, void *ctx)
{
	struct vb *b = ctx;
	struct fp_hit *h = VPUSH(b, b->v->hits, b->v->nhits, b->caphits);
	if (h)
		h->pattern = id;
}

static void scan_items(struct vb *b, struct fp_pf_scratch *pfs)
{
	struct fp_view *v = b->v;
	for (size_t i = 0; i < v->nitems && !b->oom; i++) {
		struct fp_item *it = &v->items[i];
		it->hit0 = (uint32_t)v->nhits;
		fp_prefilter_scan(b->s->fields[it->field].pf, pfs, it->data, it->len,
		                  on_hit, b);
		size_t n = v->nhits - it->hit0;
		if (n == 0)
			continue;
		struct fp_hit *h = v->hits + it->hit0;
		if (n > 1)
			qsort(h, n, sizeof *h, cmp_hit);
		size_t u = 0; /* a failed scan may report a pattern twice */
		for (size_t k = 0; k < n; k++)
			if (u == 0 || h[u - 1].pattern != h[k].pattern)
				h[u++] = h[k];
		v->nhits = it->hit0 + u;
		it->nhits = (uint32_t)u;
	}
}

static void group(struct vb *b)
{
	struct fp_view *v = b->v;
	if (v->nrecs > 1)
		qsort(v->recs, v->nrecs, sizeof *v->recs, cmp_rec);
	size_t capeps = 0;
	for (size_t i = 0; i < v->nrecs && !b->oom;) {
		struct fp_host *h = &v->hosts[v->recs[i].host];
		size_t j = i;
		if (v->recs[i].port == 0) {
			while (j < v->nrecs && v->recs[j].host == v->recs[i].host &&
			       v->recs[j].port == 0)
				j++;
			h->rec0 = (uint32_t)i;
			h->nrecs = (uint32_t)(j - i);
			i = j;
			continue;
		}
		while (j < v->nrecs && v->recs[j].host == v->recs[i].host &&
		       v->recs[j].proto == v->recs[i].proto &&
		       v->recs[j].port == v->recs[i].port)
			j++;
		if (h->nep == 0)
			h->ep0 = (uint32_t)v->neps;
		struct fp_endpoint *e = VPUSH(b, v->eps, v->neps, capeps);
		if (!e)
			return;
		e->proto = v->recs[i].proto;
		e->port = v->recs[i].port;
		e->rec0 = (uint32_t)i;
		e->nrecs = (uint32_t)(j - i);
		h->nep++;
		i = j;
	}
}

int fp_view_build(struct fp_view *v, struct fp_arena *a, const struct fp_set *s,
                  const Scanopy__V1__ObservationBatch *batch, struct fp_pf_scratch *pfs,
                  bool prefilter)
{
	memset(v, 0, sizeof *v);
	struct vb b = {.v = v, .a = a, .s = s};
	/* At most two addresses per observation (a container and its host). */
	size_t want = 2 * batch->n_observations + 8;
	b.tsize = 16;
	while (b.tsize < 2 * want)
		b.tsize <<= 1;
	b.table = fp_arena_alloc(a, b.tsize * sizeof *b.table);
	if (!b.table)
		return -1;
	for (size_t i = 0; i < batch->n_observations && !b.oom; i++)
		if (batch->observations[i])
			add_obs(&b, batch->observations[i], (int)i);
	for (size_t g = 0; g < b.ngateways; g++) {
		if (!b.gateways[g])
			continue;
		uint32_t i = hash_str(b.gateways[g]) & (uint32_t)(b.tsize - 1);
		for (; b.table[i]; i = (i + 1) & (uint32_t)(b.tsize - 1))
			if (!strcmp(v->hosts[b.table[i] - 1].ip, b.gateways[g]))
				v->hosts[b.table[i] - 1].gateway = true;
	}
	if (!b.oom && prefilter)
		scan_items(&b, pfs);
	if (!b.oom)
		group(&b);
	if (b.oom) {
		sc_error("out of memory building the evidence view");
		return -1;
	}
	return 0;
}

const struct fp_endpoint *fp_view_endpoint(const struct fp_view *v,
                                           const struct fp_host *h, uint8_t proto,
                                           uint16_t port)
{
	for (uint32_t i = 0; i < h->nep; i++) {
		const struct fp_endpoint *e = &v->eps[h->ep0 + i];
		if (e->proto == proto && e->port == port)
			return e;
	}
	return NULL;
}
