/* Rules: a mapping with exactly one kind key (all, any, not, at, or an
 * evidence kind) plus that kind's modifiers. */
#include "loader_int.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *key;
	enum fp_node_kind kind;
	const char *mods; /* modifiers it takes, space separated */
} kinds[] = {
    {"all", N_ALL, "confidence"},
    {"any", N_ANY, "confidence"},
    {"not", N_NOT, ""},
    {"at", N_AT, "rule confidence"},
    {"port", N_PORT, "confidence"},
    {"host_port", N_HOST_PORT, "confidence"},
    {"banner", N_BANNER, "probe ports confidence"},
    {"udp", N_UDP, "probe ports confidence"},
    {"http", N_HTTP, "ports confidence"},
    {"tls", N_TLS, "ports confidence"},
    {"mac_vendor", N_MAC, "confidence"},
    {"snmp", N_SNMP, "confidence"},
    {"mdns", N_MDNS, "confidence"},
    {"ssdp", N_SSDP, "confidence"},
    {"name", N_NAME, "confidence"},
    {"docker", N_DOCKER, "confidence"},
    {"gateway", N_GATEWAY, "confidence"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const char *fp_node_kind_name(enum fp_node_kind k)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].kind == k)
			return kinds[i].key;
	return "?";
}

static int kind_index(const char *key)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].key, key))
			return (int)i;
	return -1;
}

/* Whether a rule of kind ki takes the modifier key mod: a word of its list.
 * An empty key is no word (and strstr would find it everywhere, forever). */
static bool takes(int ki, const char *mod)
{
	const char *m = kinds[ki].mods;
	size_t n = strlen(mod);
	if (n == 0)
		return false;
	while ((m = strstr(m, mod))) {
		if ((m == kinds[ki].mods || m[-1] == ' ') &&
		    (m[n] == ' ' || m[n] == '\0'))
			return true;
		m += n;
	}
	return false;
}

static int add_cond(struct ld *l, struct fp_node *r, yaml_node_t *v, int field,
                    const char *what)
{
	if (r->nconds == FP_MAX_CONDS) {
		ld_error(l, ld_line(v), "more than %d conditions in one rule",
		         FP_MAX_CONDS);
		return -1;
	}
	int p = ld_pattern(l, v, field, what);
	if (p < 0)
		return -1;
	r->conds[r->nconds].field = field;
	r->conds[r->nconds].pattern = p;
	r->nconds++;
	return 0;
}

static int parse_status(struct ld *l, yaml_node_t *v, struct fp_node *r)
{
	const char *s = ld_str(l, v, "status");
	if (!s)
		return -1;
	unsigned lo, hi;
	char tail;
	if (sscanf(s, "%u-%u%c", &lo, &hi, &tail) == 2) {
	} else if (sscanf(s, "%u%c", &lo, &tail) == 1) {
		hi = lo;
	} else {
		lo = hi = 0;
	}
	if (lo < 100 || hi > 599 || lo > hi) {
		ld_error(l, ld_line(v),
		         "status must be a code (200) or a range (200-399), not '%s'", s);
		return -1;
	}
	r->status_lo = (uint16_t)lo;
	r->status_hi = (uint16_t)hi;
	return 0;
}

static int need_map(struct ld *l, yaml_node_t *v, const char *what)
{
	if (v->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(v), "%s must be a mapping", what);
		return -1;
	}
	return 0;
}

static int parse_http(struct ld *l, yaml_node_t *v, struct fp_node *r)
{
	if (need_map(l, v, "http"))
		return -1;
	yaml_node_t *k, *x;
	int rc = 0;
	FOR_PAIRS(l, v, k, x)
	{
		const char *key = ld_str(l, k, "a key");
		if (!key) {
			rc = -1;
		} else if (!strcmp(key, "path")) {
			const char *s = ld_str(l, x, "path");
			if (s && s[0] != '/') {
				ld_error(l, ld_line(x), "path must start with '/'");
				rc = -1;
			} else if (s) {
				r->path = ld_strdup(l, s);
			}
		} else if (!strcmp(key, "scheme")) {
			const char *s = ld_str(l, x, "scheme");
			if (s && strcmp(s, "http") && strcmp(s, "https")) {
				ld_error(l, ld_line(x), "scheme must be http or https");
				rc = -1;
			} else if (s) {
				r->scheme = ld_strdup(l, s);
			}
		} else if (!strcmp(key, "status")) {
			rc |= parse_status(l, x, r);
		} else if (!strcmp(key, "title")) {
			rc |= add_cond(l, r, x, FK_HTTP_TITLE, "http title");
		} else if (!strcmp(key, "body") && x->type == YAML_SEQUENCE_NODE) {
			/* Several patterns, all on the same body. */
			yaml_node_t *b;
			FOR_ITEMS(l, x, b)
			rc |= add_cond(l, r, b, FK_HTTP_BODY, "http body");
		} else if (!strcmp(key, "body")) {
			rc |= add_cond(l, r, x, FK_HTTP_BODY, "http body");
		} else if (!strcmp(key, "headers")) {
			if (need_map(l, x, "headers")) {
				rc = -1;
				continue;
			}
			yaml_node_t *hk, *hv;
			FOR_PAIRS(l, x, hk, hv)
			{
				const char *name = ld_str(l, hk, "a header name");
				int f = name ? ld_header_field(l, name) : -1;
				if (f < 0 || add_cond(l, r, hv, f, "http header"))
					rc = -1;
			}
		} else {
			ld_error(l, ld_line(k),
			         "unknown key '%s' in http (path, scheme, status, title, "
			         "body, headers)",
			         key);
			rc = -1;
		}
	}
	if (rc == 0 && r->nconds == 0 && !r->status_lo) {
		ld_error(l, ld_line(v), "http needs a status, title, body or headers");
		rc = -1;
	}
	return rc;
}

static int parse_tls(struct ld *l, yaml_node_t *v, struct fp_node *r)
{
	if (need_map(l, v, "tls"))
		return -1;
	yaml_node_t *k, *x;
	int rc = 0;
	r->self_signed = -1;
	FOR_PAIRS(l, v, k, x)
	{
		const char *key = ld_str(l, k, "a key");
		if (!key) {
			rc = -1;
		} else if (!strcmp(key, "subject")) {
			rc |= add_cond(l, r, x, FK_TLS_SUBJECT, "tls subject");
		} else if (!strcmp(key, "issuer")) {
			rc |= add_cond(l, r, x, FK_TLS_ISSUER, "tls issuer");
		} else if (!strcmp(key, "san")) {
			rc |= add_cond(l, r, x, FK_TLS_SAN, "tls san");
		} else if (!strcmp(key, "alpn")) {
			rc |= add_cond(l, r, x, FK_TLS_ALPN, "tls alpn");
		} else if (!strcmp(key, "self_signed")) {
			bool b;
			if (ld_bool(l, x, "self_signed", &b) == 0)
				r->self_signed = b;
			else
				rc = -1;
		} else {
			ld_error(l, ld_line(k),
			         "unknown key '%s' in tls (subject, issuer, san, alpn, "
			         "self_signed)",
			         key);
			rc = -1;
		}
	}
	if (rc == 0 && r->nconds == 0) {
		ld_error(l, ld_line(v),
		         "tls needs a subject, issuer, san or alpn pattern");
		rc = -1;
	}
	return rc;
}

/* An OID prefix ("1.3.6.1.4.1.8072") matches itself and everything below it. */
static int add_oid(struct ld *l, struct fp_node *r, yaml_node_t *x)
{
	const char *s = ld_str(l, x, "object_id");
	if (!s)
		return -1;
	char re[256];
	size_t w = 0;
	const char *p = s[0] == '.' ? s + 1 : s;
	bool ok = *p != '\0';
	re[w++] = '^';
	for (; *p && ok && w < sizeof re - 16; p++) {
		if (*p >= '0' && *p <= '9') {
			re[w++] = *p;
		} else if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
			re[w++] = '\\';
			re[w++] = '.';
		} else {
			ok = false;
		}
	}
	if (!ok || *p) {
		ld_error(l, ld_line(x),
		         "object_id must be a numeric OID prefix like 1.3.6.1.4.1.8072");
		return -1;
	}
	memcpy(re + w, "(?:\\.|$)", 9);
	if (r->nconds == FP_MAX_CONDS)
		return -1;
	int pat = ld_pattern_src(l, ld_line(x), FK_SNMP_OID, re, "snmp object_id");
	if (pat < 0)
		return -1;
	r->conds[r->nconds].field = FK_SNMP_OID;
	r->conds[r->nconds].pattern = pat;
	r->nconds++;
	return 0;
}

static int parse_pair_map(struct ld *l, yaml_node_t *v, struct fp_node *r,
                          const char *what)
{
	if (need_map(l, v, what))
		return -1;
	yaml_node_t *k, *x;
	int rc = 0;
	FOR_PAIRS(l, v, k, x)
	{
		const char *key = ld_str(l, k, "a key");
		if (!key) {
			rc = -1;
		} else if (r->kind == N_SNMP && !strcmp(key, "object_id")) {
			rc |= add_oid(l, r, x);
		} else if (r->kind == N_SNMP && !strcmp(key, "descr")) {
			rc |= add_cond(l, r, x, FK_SNMP_DESCR, "snmp descr");
		} else if (r->kind == N_DOCKER && !strcmp(key, "image")) {
			rc |= add_cond(l, r, x, FK_DOCKER_IMAGE, "docker image");
		} else if (r->kind == N_DOCKER && !strcmp(key, "label")) {
			rc |= add_cond(l, r, x, FK_DOCKER_LABEL, "docker label");
		} else {
			ld_error(l, ld_line(k), "unknown key '%s' in %s (%s)", key, what,
			         r->kind == N_SNMP ? "object_id, descr" : "image, label");
			rc = -1;
		}
	}
	if (rc == 0 && r->nconds == 0) {
		ld_error(l, ld_line(v), "%s needs a condition", what);
		rc = -1;
	}
	return rc;
}

static int parse_kids(struct ld *l, yaml_node_t *v, struct fp_node *r, int depth)
{
	if (v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.top == v->data.sequence.items.start) {
		ld_error(l, ld_line(v), "%s must be a non-empty list of rules",
		         fp_node_kind_name(r->kind));
		return -1;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	r->kids = ld_alloc(l, n * sizeof *r->kids);
	if (!r->kids)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct fp_node *k =
		    ld_rule(l, ld_node(l, v->data.sequence.items.start[i]), depth + 1);
		if (!k)
			rc = -1;
		else
			r->kids[r->nkids++] = k;
	}
	return rc;
}

static int parse_kind_value(struct ld *l, yaml_node_t *v, struct fp_node *r, int depth)
{
	switch (r->kind) {
	case N_ALL:
	case N_ANY:
		return parse_kids(l, v, r, depth);
	case N_NOT: {
		r->kids = ld_alloc(l, sizeof *r->kids);
		if (!r->kids || !(r->kids[0] = ld_rule(l, v, depth + 1)))
			return -1;
		r->nkids = 1;
		return 0;
	}
	case N_AT:
		return ld_ports(l, v, "at", false, &r->ports, &r->nports);
	case N_PORT:
		return ld_ports(l, v, "port", true, &r->ports, &r->nports);
	case N_HOST_PORT:
		return ld_ports(l, v, "host_port", false, &r->ports, &r->nports);
	case N_BANNER:
		return add_cond(l, r, v, FK_BANNER, "banner");
	case N_UDP:
		return add_cond(l, r, v, FK_UDP, "udp");
	case N_HTTP:
		return parse_http(l, v, r);
	case N_TLS:
		return parse_tls(l, v, r);
	case N_MAC:
		return add_cond(l, r, v, FK_MAC_VENDOR, "mac_vendor");
	case N_SNMP:
		return parse_pair_map(l, v, r, "snmp");
	case N_MDNS:
		return add_cond(l, r, v, FK_MDNS, "mdns");
	case N_SSDP:
		return add_cond(l, r, v, FK_SSDP, "ssdp");
	case N_NAME:
		return add_cond(l, r, v, FK_NAME, "name");
	case N_DOCKER:
		return parse_pair_map(l, v, r, "docker");
	case N_GATEWAY:
		return ld_bool(l, v, "gateway", &r->gateway);
	case N__COUNT:
		break;
	}
	return -1;
}

struct fp_node *ld_rule(struct ld *l, yaml_node_t *n, int depth)
{
	if (!n || n->type != YAML_MAPPING_NODE) {
		ld_error(
		    l, ld_line(n),
		    "a rule must be a mapping with one of: all, any, not, at, port, "
		    "host_port, banner, udp, http, tls, mac_vendor, snmp, mdns, ssdp, "
		    "name, docker, gateway");
		return NULL;
	}
	if (depth > FP_MAX_DEPTH) {
		ld_error(l, ld_line(n), "rules nested more than %d deep", FP_MAX_DEPTH);
		return NULL;
	}
	yaml_node_t *k, *v, *kind_value = NULL;
	int ki = -1;
	FOR_PAIRS(l, n, k, v)
	{
		const char *key = ld_str(l, k, "a key");
		int i = key ? kind_index(key) : -1;
		if (i < 0)
			continue;
		if (ki >= 0) {
			ld_error(l, ld_line(k),
			         "a rule has one kind; '%s' and '%s' need an all or any "
			         "around "
			         "them",
			         kinds[ki].key, key);
			return NULL;
		}
		ki = i;
		kind_value = v;
	}
	if (ki < 0) {
		ld_error(l, ld_line(n),
		         "rule has no kind (all, any, not, at, port, host_port, banner, "
		         "udp, http, tls, mac_vendor, snmp, mdns, ssdp, name, docker, "
		         "gateway)");
		return NULL;
	}
	struct fp_node *r = ld_alloc(l, sizeof *r);
	if (!r)
		return NULL;
	r->kind = kinds[ki].kind;
	r->line = ld_line(n);
	r->self_signed = -1;
	int rc = parse_kind_value(l, kind_value, r, depth);
	yaml_node_t *sub = NULL;
	FOR_PAIRS(l, n, k, v)
	{
		const char *key = ld_str(l, k, "a key");
		if (!key || kind_index(key) >= 0)
			continue;
		if (!takes(ki, key)) {
			ld_error(l, ld_line(k), "'%s' does not apply to a %s rule%s%s%s",
			         key, kinds[ki].key,
			         kinds[ki].mods[0] ? " (it takes: " : "", kinds[ki].mods,
			         kinds[ki].mods[0] ? ")" : "");
			rc = -1;
		} else if (!strcmp(key, "confidence")) {
			long c;
			if (ld_int(l, v, "confidence", 1, 100, &c) == 0)
				r->confidence = (int)c;
			else
				rc = -1;
		} else if (!strcmp(key, "probe")) {
			const char *s = ld_str(l, v, "probe");
			if (s)
				r->probe = ld_strdup(l, s);
			else
				rc = -1;
		} else if (!strcmp(key, "ports")) {
			/* `ports: any` lets an http rule hold on every port (a
			 * path every HTTP server is asked for). */
			rc |= ld_ports(l, v, "ports", r->kind == N_HTTP, &r->ports,
			               &r->nports);
		} else if (!strcmp(key, "rule")) {
			sub = v;
		}
	}
	if (r->kind == N_AT) {
		if (!sub) {
			ld_error(l, r->line, "at needs a rule to evaluate at that port");
			return NULL;
		}
		r->kids = ld_alloc(l, sizeof *r->kids);
		if (!r->kids || !(r->kids[0] = ld_rule(l, sub, depth + 1)))
			return NULL;
		r->nkids = 1;
	}
	/* Evidence rules on UDP replies are UDP ports, the rest TCP. */
	if (r->kind == N_UDP)
		for (int i = 0; i < r->nports; i++)
			r->ports[i].proto = FP_PROTO_UDP;
	return rc ? NULL : r;
}
