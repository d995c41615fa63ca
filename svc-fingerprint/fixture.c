#include "fixture.h"

#include <string.h>

struct fb {
	struct fp_arena *a;
	Scanopy__V1__Observation **obs;
	size_t n, cap;
	int oom;
	const char *ip;
};

static void *alloc(struct fb *b, size_t size)
{
	void *p = fp_arena_alloc(b->a, size);
	if (!p)
		b->oom = 1;
	return p;
}

static Scanopy__V1__Observation *obs_new(struct fb *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		Scanopy__V1__Observation **n =
		    fp_arena_grow(b->a, b->obs, sizeof *n, b->n, cap);
		if (!n) {
			b->oom = 1;
			return NULL;
		}
		b->obs = n;
		b->cap = cap;
	}
	Scanopy__V1__Observation *o = alloc(b, sizeof *o);
	if (!o)
		return NULL;
	scanopy__v1__observation__init(o);
	b->obs[b->n++] = o;
	return o;
}

static Scanopy__V1__Protocol proto(uint8_t p)
{
	return p == FP_PROTO_UDP ? SCANOPY__V1__PROTOCOL__PROTOCOL_UDP
	                         : SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
}

static void open_port(struct fb *b, const char *ip, struct fp_port p)
{
	/* Once per port. */
	for (size_t i = 0; i < b->n; i++) {
		const Scanopy__V1__Observation *o = b->obs[i];
		if (o->kind_case == SCANOPY__V1__OBSERVATION__KIND_PORT &&
		    o->port->port == p.port && o->port->protocol == proto(p.proto) &&
		    !strcmp(o->port->ip, ip))
			return;
	}
	Scanopy__V1__Observation *o = obs_new(b);
	Scanopy__V1__PortState *ps = alloc(b, sizeof *ps);
	if (!o || !ps)
		return;
	scanopy__v1__port_state__init(ps);
	ps->ip = (char *)ip;
	ps->protocol = proto(p.proto);
	ps->has_protocol = 1;
	ps->port = p.port;
	ps->has_port = 1;
	ps->status = SCANOPY__V1__PORT_STATUS__PORT_OPEN;
	ps->has_status = 1;
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_PORT;
	o->port = ps;
}

static void add_banner(struct fb *b, const struct fp_fx_item *it)
{
	Scanopy__V1__Observation *o = obs_new(b);
	if (!o)
		return;
	if (it->kind == FX_UDP) {
		Scanopy__V1__UdpReply *u = alloc(b, sizeof *u);
		if (!u)
			return;
		scanopy__v1__udp_reply__init(u);
		u->ip = (char *)b->ip;
		u->port = it->port.port;
		u->has_port = 1;
		u->probe = (char *)it->probe;
		u->payload.data = (uint8_t *)it->data;
		u->payload.len = it->len;
		u->has_payload = 1;
		o->kind_case = SCANOPY__V1__OBSERVATION__KIND_UDP_REPLY;
		o->udp_reply = u;
		return;
	}
	Scanopy__V1__Banner *bn = alloc(b, sizeof *bn);
	if (!bn)
		return;
	scanopy__v1__banner__init(bn);
	bn->ip = (char *)b->ip;
	bn->protocol = SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
	bn->has_protocol = 1;
	bn->port = it->port.port;
	bn->has_port = 1;
	bn->probe = (char *)(it->probe ? it->probe : "");
	bn->data.data = (uint8_t *)it->data;
	bn->data.len = it->len;
	bn->has_data = 1;
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_BANNER;
	o->banner = bn;
	open_port(b, b->ip, it->port);
}

static void add_http(struct fb *b, const struct fp_fx_item *it)
{
	Scanopy__V1__Observation *o = obs_new(b);
	Scanopy__V1__HttpResponse *h = alloc(b, sizeof *h);
	if (!o || !h)
		return;
	scanopy__v1__http_response__init(h);
	h->ip = (char *)b->ip;
	h->port = it->port.port;
	h->has_port = 1;
	h->scheme = (char *)(it->scheme ? it->scheme : "http");
	h->path = (char *)(it->path ? it->path : "/");
	h->status = it->status;
	h->has_status = 1;
	h->title = (char *)it->title;
	if (it->data) {
		h->body_prefix.data = (uint8_t *)it->data;
		h->body_prefix.len = it->len;
		h->has_body_prefix = 1;
		h->body_length = it->len;
		h->has_body_length = 1;
	}
	h->headers = alloc(b, (it->nkv ? it->nkv : 1) * sizeof *h->headers);
	for (size_t i = 0; h->headers && i < it->nkv; i++) {
		Scanopy__V1__HttpHeader *hd = alloc(b, sizeof *hd);
		if (!hd)
			return;
		scanopy__v1__http_header__init(hd);
		hd->name = (char *)it->kv[i].key;
		hd->value = (char *)it->kv[i].value;
		h->headers[h->n_headers++] = hd;
	}
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_HTTP;
	o->http = h;
	open_port(b, b->ip, it->port);
}

static void add_tls(struct fb *b, const struct fp_fx_item *it)
{
	Scanopy__V1__Observation *o = obs_new(b);
	Scanopy__V1__TlsInfo *t = alloc(b, sizeof *t);
	if (!o || !t)
		return;
	scanopy__v1__tls_info__init(t);
	t->ip = (char *)b->ip;
	t->port = it->port.port;
	t->has_port = 1;
	t->subject = (char *)it->subject;
	t->issuer = (char *)it->issuer;
	t->subject_alt_names = (char **)it->list;
	t->n_subject_alt_names = it->nlist;
	t->alpn = (char *)it->alpn;
	if (it->self_signed >= 0) {
		t->self_signed = it->self_signed;
		t->has_self_signed = 1;
	}
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_TLS;
	o->tls = t;
	open_port(b, b->ip, it->port);
}

static void add_snmp(struct fb *b, const struct fp_fx_item *it)
{
	Scanopy__V1__Observation *o = obs_new(b);
	Scanopy__V1__SnmpSystem *s = alloc(b, sizeof *s);
	if (!o || !s)
		return;
	scanopy__v1__snmp_system__init(s);
	s->ip = (char *)b->ip;
	s->sys_descr = (char *)it->descr;
	s->sys_object_id = (char *)it->oid;
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM;
	o->snmp_system = s;
}

static Scanopy__V1__NameSource source(const char *s)
{
	static const struct {
		const char *name;
		Scanopy__V1__NameSource v;
	} m[] = {
	    {"rdns", SCANOPY__V1__NAME_SOURCE__NAME_RDNS},
	    {"mdns", SCANOPY__V1__NAME_SOURCE__NAME_MDNS},
	    {"netbios", SCANOPY__V1__NAME_SOURCE__NAME_NETBIOS},
	    {"ssdp", SCANOPY__V1__NAME_SOURCE__NAME_SSDP},
	    {"dhcp", SCANOPY__V1__NAME_SOURCE__NAME_DHCP},
	    {"snmp", SCANOPY__V1__NAME_SOURCE__NAME_SNMP},
	    {"lldp", SCANOPY__V1__NAME_SOURCE__NAME_LLDP},
	    {"docker", SCANOPY__V1__NAME_SOURCE__NAME_DOCKER},
	};
	for (size_t i = 0; s && i < sizeof m / sizeof m[0]; i++)
		if (!strcmp(m[i].name, s))
			return m[i].v;
	return SCANOPY__V1__NAME_SOURCE__NAME_UNKNOWN;
}

static void add_name(struct fb *b, const struct fp_fx_item *it)
{
	Scanopy__V1__Observation *o = obs_new(b);
	Scanopy__V1__NameRecord *n = alloc(b, sizeof *n);
	if (!o || !n)
		return;
	scanopy__v1__name_record__init(n);
	n->ip = (char *)b->ip;
	n->source = source(it->source);
	n->has_source = 1;
	n->name = (char *)it->name;
	n->service_types = (char **)it->list;
	n->n_service_types = it->nlist;
	n->detail = (char *)it->detail;
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_NAME;
	o->name = n;
}

static void add_docker(struct fb *b, const struct fp_fx_item *it)
{
	Scanopy__V1__Observation *o = obs_new(b);
	Scanopy__V1__DockerContainer *c = alloc(b, sizeof *c);
	if (!o || !c)
		return;
	scanopy__v1__docker_container__init(c);
	c->host_ip = (char *)b->ip;
	c->id = "0123456789ab";
	c->name = (char *)(it->name ? it->name : "fixture");
	c->image = (char *)it->image;
	c->state = "running";
	if (it->cip) {
		Scanopy__V1__DockerEndpoint *e = alloc(b, sizeof *e);
		c->endpoints = alloc(b, sizeof *c->endpoints);
		if (!e || !c->endpoints)
			return;
		scanopy__v1__docker_endpoint__init(e);
		e->network = "bridge";
		e->ip = (char *)it->cip;
		c->endpoints[0] = e;
		c->n_endpoints = 1;
	}
	c->labels = alloc(b, (it->nkv ? it->nkv : 1) * sizeof *c->labels);
	for (size_t i = 0; c->labels && i < it->nkv; i++) {
		Scanopy__V1__DockerLabel *l = alloc(b, sizeof *l);
		if (!l)
			return;
		scanopy__v1__docker_label__init(l);
		l->key = (char *)it->kv[i].key;
		l->value = (char *)it->kv[i].value;
		c->labels[c->n_labels++] = l;
	}
	c->ports = alloc(b, (it->ndports ? it->ndports : 1) * sizeof *c->ports);
	for (size_t i = 0; c->ports && i < it->ndports; i++) {
		Scanopy__V1__DockerPort *p = alloc(b, sizeof *p);
		if (!p)
			return;
		scanopy__v1__docker_port__init(p);
		p->private_port = it->dports[i].port;
		p->has_private_port = 1;
		p->protocol = proto(it->dports[i].proto);
		p->has_protocol = 1;
		c->ports[c->n_ports++] = p;
	}
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_CONTAINER;
	o->container = c;
}

const char *fp_fixture_ip(const struct fp_def *d)
{
	const struct fp_fixture *f = d->fixture;
	if (f && f->ip)
		return f->ip;
	/* A container's own address, when that is where its evidence is. */
	for (size_t i = 0; f && i < f->nitems; i++)
		if (f->items[i].kind == FX_DOCKER && f->items[i].cip)
			return f->items[i].cip;
	return FP_FIXTURE_IP;
}

Scanopy__V1__ObservationBatch *fp_fixture_batch(const struct fp_def *d,
                                                struct fp_arena *a)
{
	const struct fp_fixture *f = d->fixture;
	if (!f)
		return NULL;
	struct fb b = {.a = a, .ip = f->ip ? f->ip : FP_FIXTURE_IP};
	Scanopy__V1__ObservationBatch *batch = alloc(&b, sizeof *batch);
	Scanopy__V1__BatchHeader *h = alloc(&b, sizeof *h);
	Scanopy__V1__Observation *o = obs_new(&b);
	Scanopy__V1__HostSeen *hs = alloc(&b, sizeof *hs);
	if (!batch || !h || !o || !hs)
		return NULL;
	scanopy__v1__observation_batch__init(batch);
	scanopy__v1__batch_header__init(h);
	h->org_id = "fixture-org";
	h->network_id = "fixture-net";
	h->daemon_id = "fixture-daemon";
	h->sequence = 1;
	h->has_sequence = 1;
	batch->header = h;
	scanopy__v1__host_seen__init(hs);
	hs->ip = (char *)b.ip;
	hs->mac = (char *)f->mac;
	hs->evidence = SCANOPY__V1__EVIDENCE__EVIDENCE_ARP;
	hs->has_evidence = 1;
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_HOST;
	o->host = hs;
	if (f->gateway) {
		Scanopy__V1__Observation *so = obs_new(&b);
		Scanopy__V1__SelfReport *sr = alloc(&b, sizeof *sr);
		char **gw = alloc(&b, sizeof *gw);
		if (!so || !sr || !gw)
			return NULL;
		scanopy__v1__self_report__init(sr);
		sr->hostname = "daemon";
		gw[0] = (char *)b.ip;
		sr->default_gateways = gw;
		sr->n_default_gateways = 1;
		so->kind_case = SCANOPY__V1__OBSERVATION__KIND_SELF_REPORT;
		so->self_report = sr;
	}
	for (size_t i = 0; i < f->nitems && !b.oom; i++) {
		const struct fp_fx_item *it = &f->items[i];
		switch (it->kind) {
		case FX_OPEN:
			open_port(&b, b.ip, it->port);
			break;
		case FX_BANNER:
		case FX_UDP:
			add_banner(&b, it);
			break;
		case FX_HTTP:
			add_http(&b, it);
			break;
		case FX_TLS:
			add_tls(&b, it);
			break;
		case FX_SNMP:
			add_snmp(&b, it);
			break;
		case FX_NAME:
			add_name(&b, it);
			break;
		case FX_DOCKER:
			add_docker(&b, it);
			break;
		}
	}
	if (b.oom)
		return NULL;
	batch->observations = b.obs;
	batch->n_observations = b.n;
	return batch;
}

struct fp_port fp_fixture_port(const struct fp_def *d)
{
	struct fp_port none = {0, 0};
	const struct fp_fixture *f = d->fixture;
	if (!f || d->host_scope)
		return none;
	if (f->expect_port.port)
		return f->expect_port;
	for (size_t i = 0; i < f->nitems; i++) {
		const struct fp_fx_item *it = &f->items[i];
		if (it->kind == FX_BANNER || it->kind == FX_UDP || it->kind == FX_HTTP ||
		    it->kind == FX_TLS)
			return it->port;
	}
	for (size_t i = 0; i < f->nitems; i++) {
		const struct fp_fx_item *it = &f->items[i];
		if (it->kind == FX_OPEN)
			return it->port;
		if (it->kind == FX_SNMP)
			return (struct fp_port){FP_PROTO_UDP, 161};
		if (it->kind == FX_DOCKER && it->ndports)
			return it->dports[0];
	}
	return none;
}
