/* Fixtures: the evidence a definition's author says must match it, written
 * beside the rule (see docs/fingerprints.md). Parsed here, checked by the unit
 * tests and by --check-definitions. */
#include "loader_int.h"

#include <stdio.h>
#include <string.h>

struct fx_build {
	struct fp_fx_item *items;
	size_t n, cap;
};

static struct fp_fx_item *fx_new(struct ld *l, struct fx_build *b, enum fp_fx_kind k)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		struct fp_fx_item *ni =
		    fp_arena_grow(&l->set->arena, b->items, sizeof *ni, b->n, cap);
		if (!ni) {
			ld_error(l, 0, "out of memory");
			return NULL;
		}
		b->items = ni;
		b->cap = cap;
	}
	struct fp_fx_item *it = &b->items[b->n++];
	memset(it, 0, sizeof *it);
	it->kind = k;
	it->self_signed = -1;
	return it;
}

static const char *dup(struct ld *l, yaml_node_t *v, const char *what)
{
	const char *s = ld_str(l, v, what);
	return s ? ld_strdup(l, s) : NULL;
}

static int one_port(struct ld *l, yaml_node_t *v, uint8_t proto, struct fp_port *out)
{
	struct fp_port *p;
	int n;
	if (ld_ports(l, v, "port", false, &p, &n))
		return -1;
	if (n != 1) {
		ld_error(l, ld_line(v), "port must be a single port here");
		return -1;
	}
	*out = p[0];
	if (proto)
		out->proto = proto;
	return 0;
}

static int data_of(struct ld *l, yaml_node_t *v, const uint8_t **data, size_t *len,
                   bool hex)
{
	if (hex)
		return ld_hex(l, v, "hex", data, len);
	const char *s = ld_bytes(l, v, "data", len);
	if (!s)
		return -1;
	uint8_t *b = ld_alloc(l, *len + 1);
	if (!b)
		return -1;
	memcpy(b, s, *len);
	*data = b;
	return 0;
}

static int kv_of(struct ld *l, yaml_node_t *v, struct fp_fx_item *it, const char *what)
{
	if (v->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(v), "%s must be a mapping", what);
		return -1;
	}
	size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	it->kv = ld_alloc(l, (n ? n : 1) * sizeof *it->kv);
	if (!it->kv)
		return -1;
	yaml_node_t *k, *x;
	FOR_PAIRS(l, v, k, x)
	{
		it->kv[it->nkv].key = dup(l, k, what);
		it->kv[it->nkv].value = dup(l, x, what);
		if (!it->kv[it->nkv].key || !it->kv[it->nkv].value)
			return -1;
		it->nkv++;
	}
	return 0;
}

static int list_of(struct ld *l, yaml_node_t *v, const char ***out, size_t *n,
                   const char *what)
{
	if (v->type == YAML_SCALAR_NODE) {
		*out = ld_alloc(l, sizeof **out);
		if (!*out || !((*out)[0] = dup(l, v, what)))
			return -1;
		*n = 1;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		ld_error(l, ld_line(v), "%s must be a string or a list", what);
		return -1;
	}
	size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	*out = ld_alloc(l, (cnt ? cnt : 1) * sizeof **out);
	if (!*out)
		return -1;
	yaml_node_t *x;
	*n = 0;
	FOR_ITEMS(l, v, x)
	{
		if (!((*out)[*n] = dup(l, x, what)))
			return -1;
		(*n)++;
	}
	return 0;
}

/* One evidence entry: a mapping whose keys depend on its kind. */
static int fx_entry(struct ld *l, struct fx_build *b, enum fp_fx_kind kind,
                    yaml_node_t *e)
{
	if (e->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(e), "a fixture entry must be a mapping");
		return -1;
	}
	struct fp_fx_item *it = fx_new(l, b, kind);
	if (!it)
		return -1;
	uint8_t proto = kind == FX_UDP ? FP_PROTO_UDP : FP_PROTO_TCP;
	yaml_node_t *k, *v;
	int rc = 0;
	bool have_port = kind == FX_SNMP || kind == FX_NAME || kind == FX_DOCKER;
	FOR_PAIRS(l, e, k, v)
	{
		const char *key = ld_str(l, k, "a key");
		if (!key)
			return -1;
		if (!strcmp(key, "port") && kind != FX_SNMP && kind != FX_NAME &&
		    kind != FX_DOCKER) {
			rc |= one_port(l, v, proto, &it->port);
			have_port = true;
		} else if (!strcmp(key, "probe") &&
		           (kind == FX_BANNER || kind == FX_UDP)) {
			it->probe = dup(l, v, "probe");
		} else if ((!strcmp(key, "data") || !strcmp(key, "hex")) &&
		           (kind == FX_BANNER || kind == FX_UDP)) {
			rc |= data_of(l, v, &it->data, &it->len, key[0] == 'h');
		} else if (!strcmp(key, "bytes") &&
		           (kind == FX_BANNER || kind == FX_UDP)) {
			rc |= ld_latin1(l, v, "bytes", &it->data, &it->len);
		} else if ((!strcmp(key, "body") || !strcmp(key, "body_hex")) &&
		           kind == FX_HTTP) {
			rc |= data_of(l, v, &it->data, &it->len, key[4] == '_');
		} else if (!strcmp(key, "path") && kind == FX_HTTP) {
			it->path = dup(l, v, "path");
		} else if (!strcmp(key, "scheme") && kind == FX_HTTP) {
			it->scheme = dup(l, v, "scheme");
		} else if (!strcmp(key, "status") && kind == FX_HTTP) {
			long s;
			rc |= ld_int(l, v, "status", 100, 599, &s);
			it->status = (unsigned)s;
		} else if (!strcmp(key, "title") && kind == FX_HTTP) {
			it->title = dup(l, v, "title");
		} else if (!strcmp(key, "headers") && kind == FX_HTTP) {
			rc |= kv_of(l, v, it, "headers");
		} else if (!strcmp(key, "subject") && kind == FX_TLS) {
			it->subject = dup(l, v, "subject");
		} else if (!strcmp(key, "issuer") && kind == FX_TLS) {
			it->issuer = dup(l, v, "issuer");
		} else if (!strcmp(key, "san") && kind == FX_TLS) {
			rc |= list_of(l, v, &it->list, &it->nlist, "san");
		} else if (!strcmp(key, "alpn") && kind == FX_TLS) {
			it->alpn = dup(l, v, "alpn");
		} else if (!strcmp(key, "self_signed") && kind == FX_TLS) {
			bool bv;
			rc |= ld_bool(l, v, "self_signed", &bv);
			it->self_signed = bv;
		} else if (!strcmp(key, "object_id") && kind == FX_SNMP) {
			it->oid = dup(l, v, "object_id");
		} else if (!strcmp(key, "descr") && kind == FX_SNMP) {
			it->descr = dup(l, v, "descr");
		} else if (!strcmp(key, "source") && kind == FX_NAME) {
			it->source = dup(l, v, "source");
		} else if (!strcmp(key, "name") &&
		           (kind == FX_NAME || kind == FX_DOCKER)) {
			it->name = dup(l, v, "name");
		} else if (!strcmp(key, "types") && kind == FX_NAME) {
			rc |= list_of(l, v, &it->list, &it->nlist, "types");
		} else if (!strcmp(key, "detail") && kind == FX_NAME) {
			it->detail = dup(l, v, "detail");
		} else if (!strcmp(key, "image") && kind == FX_DOCKER) {
			it->image = dup(l, v, "image");
		} else if (!strcmp(key, "ip") && kind == FX_DOCKER) {
			it->cip = dup(l, v, "ip");
		} else if (!strcmp(key, "labels") && kind == FX_DOCKER) {
			rc |= kv_of(l, v, it, "labels");
		} else if (!strcmp(key, "ports") && kind == FX_DOCKER) {
			int n = 0;
			rc |= ld_ports(l, v, "ports", false, &it->dports, &n);
			it->ndports = (size_t)n;
		} else {
			ld_error(l, ld_line(k), "unknown key '%s' in this fixture entry",
			         key);
			rc = -1;
		}
	}
	if (!have_port) {
		ld_error(l, ld_line(e), "fixture entry needs a port");
		rc = -1;
	}
	if (kind == FX_HTTP && !it->status)
		it->status = 200;
	return rc;
}

static int fx_list(struct ld *l, struct fx_build *b, enum fp_fx_kind kind, yaml_node_t *v)
{
	if (v->type == YAML_MAPPING_NODE)
		return fx_entry(l, b, kind, v);
	if (v->type != YAML_SEQUENCE_NODE) {
		ld_error(l, ld_line(v), "fixture evidence must be a mapping or a list");
		return -1;
	}
	yaml_node_t *e;
	int rc = 0;
	FOR_ITEMS(l, v, e)
	rc |= fx_entry(l, b, kind, e);
	return rc;
}

static int fx_expect(struct ld *l, struct fp_fixture *f, yaml_node_t *v)
{
	if (v->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(v),
		         "expect must be a mapping (port, host, product, version)");
		return -1;
	}
	yaml_node_t *k, *x;
	int rc = 0;
	FOR_PAIRS(l, v, k, x)
	{
		const char *key = ld_str(l, k, "a key");
		if (!key)
			return -1;
		if (!strcmp(key, "port")) {
			rc |= one_port(l, x, 0, &f->expect_port);
		} else if (!strcmp(key, "host")) {
			rc |= ld_bool(l, x, "host", &f->expect_host);
		} else if (!strcmp(key, "product")) {
			f->expect_product = dup(l, x, "product");
		} else if (!strcmp(key, "version")) {
			f->expect_version = dup(l, x, "version");
		} else {
			ld_error(l, ld_line(k),
			         "unknown key '%s' in expect (port, host, "
			         "product, version)",
			         key);
			rc = -1;
		}
	}
	return rc;
}

struct fp_fixture *ld_fixture(struct ld *l, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(n), "fixture must be a mapping");
		return NULL;
	}
	struct fp_fixture *f = ld_alloc(l, sizeof *f);
	if (!f)
		return NULL;
	char where[512];
	snprintf(where, sizeof where, "%s:%d", l->file, ld_line(n));
	f->yaml_path = ld_strdup(l, where);
	struct fx_build b = {0};
	yaml_node_t *k, *v;
	int rc = 0;
	FOR_PAIRS(l, n, k, v)
	{
		const char *key = ld_str(l, k, "a key");
		if (!key)
			return NULL;
		if (!strcmp(key, "ip")) {
			f->ip = dup(l, v, "ip");
		} else if (!strcmp(key, "mac")) {
			f->mac = dup(l, v, "mac");
		} else if (!strcmp(key, "gateway")) {
			rc |= ld_bool(l, v, "gateway", &f->gateway);
		} else if (!strcmp(key, "open")) {
			struct fp_port *p;
			int np;
			if (ld_ports(l, v, "open", false, &p, &np)) {
				rc = -1;
				continue;
			}
			for (int i = 0; i < np; i++) {
				struct fp_fx_item *it = fx_new(l, &b, FX_OPEN);
				if (!it)
					return NULL;
				it->port = p[i];
			}
		} else if (!strcmp(key, "banner")) {
			rc |= fx_list(l, &b, FX_BANNER, v);
		} else if (!strcmp(key, "udp")) {
			rc |= fx_list(l, &b, FX_UDP, v);
		} else if (!strcmp(key, "http")) {
			rc |= fx_list(l, &b, FX_HTTP, v);
		} else if (!strcmp(key, "tls")) {
			rc |= fx_list(l, &b, FX_TLS, v);
		} else if (!strcmp(key, "snmp")) {
			rc |= fx_list(l, &b, FX_SNMP, v);
		} else if (!strcmp(key, "names")) {
			rc |= fx_list(l, &b, FX_NAME, v);
		} else if (!strcmp(key, "docker")) {
			rc |= fx_list(l, &b, FX_DOCKER, v);
		} else if (!strcmp(key, "expect")) {
			rc |= fx_expect(l, f, v);
		} else if (!strcmp(key, "also")) {
			rc |= list_of(l, v, &f->also, &f->nalso, "also");
		} else {
			ld_error(
			    l, ld_line(k),
			    "unknown key '%s' in a fixture (ip, mac, gateway, open, "
			    "banner, udp, http, tls, snmp, names, docker, expect, also)",
			    key);
			rc = -1;
		}
	}
	f->items = b.items;
	f->nitems = b.n;
	return rc ? NULL : f;
}
