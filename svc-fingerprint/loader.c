/* Reading definition files: YAML documents into the model, every problem
 * reported with its file and line. Whole-set semantics: one bad file fails
 * the load, and the caller keeps the set it had. */
#include "fp.h"
#include "loader_int.h"
#include "pattern.h"
#include "sc_log.h"
#include "set.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES (4 * 1024 * 1024)
#define MAX_FILES 2000
#define MAX_NODES 2000000
#define MAX_YAML_DEPTH 64

void ld_error(struct ld *l, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	l->nerrors++;
	if (l->nerrors > LD_MAX_ERRORS)
		return;
	char text[1024];
	int n;
	if (l->nerrors == LD_MAX_ERRORS)
		n = snprintf(text, sizeof text, "%s: too many errors, giving up\n",
		             l->file ? l->file : "definitions");
	else if (line > 0)
		n = snprintf(text, sizeof text, "%s:%d: %s\n",
		             l->file ? l->file : "definitions", line, msg);
	else
		n = snprintf(text, sizeof text, "%s: %s\n",
		             l->file ? l->file : "definitions", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof text)
		n = sizeof text - 1;
	sc_error("%.*s", n - 1, text);
	if (l->errlen + (size_t)n + 1 > l->errcap) {
		size_t cap = (l->errcap + (size_t)n + 1) * 2;
		char *e = realloc(l->errors, cap);
		if (!e)
			return;
		l->errors = e;
		l->errcap = cap;
	}
	memcpy(l->errors + l->errlen, text, (size_t)n);
	l->errlen += (size_t)n;
	l->errors[l->errlen] = '\0';
}

void *ld_alloc(struct ld *l, size_t size)
{
	void *p = fp_arena_alloc(&l->set->arena, size);
	if (!p)
		ld_error(l, 0, "out of memory");
	return p;
}

char *ld_strdup(struct ld *l, const char *s)
{
	char *d = fp_arena_strdup(&l->set->arena, s);
	if (!d)
		ld_error(l, 0, "out of memory");
	return d;
}

yaml_node_t *ld_node(struct ld *l, int idx)
{
	return yaml_document_get_node(l->doc, idx);
}

int ld_line(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

const char *ld_bytes(struct ld *l, yaml_node_t *n, const char *what, size_t *len)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		ld_error(l, ld_line(n), "%s must be a string", what);
		return NULL;
	}
	*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

const char *ld_str(struct ld *l, yaml_node_t *n, const char *what)
{
	size_t len;
	const char *s = ld_bytes(l, n, what, &len);
	if (s && strlen(s) != len) {
		ld_error(l, ld_line(n), "%s contains a NUL character", what);
		return NULL;
	}
	return s;
}

int ld_int(struct ld *l, yaml_node_t *n, const char *what, long lo, long hi, long *out)
{
	const char *s = ld_str(l, n, what);
	if (!s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi) {
		ld_error(l, ld_line(n),
		         "%s must be a whole number from %ld to %ld, not '%s'", what, lo,
		         hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

int ld_bool(struct ld *l, yaml_node_t *n, const char *what, bool *out)
{
	const char *s = ld_str(l, n, what);
	if (!s)
		return -1;
	if (!strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	ld_error(l, ld_line(n), "%s must be true or false, not '%s'", what, s);
	return -1;
}

int ld_latin1(struct ld *l, yaml_node_t *n, const char *what, const uint8_t **out,
              size_t *len)
{
	size_t n8;
	const char *s = ld_bytes(l, n, what, &n8);
	if (!s)
		return -1;
	uint8_t *buf = ld_alloc(l, n8 + 1);
	if (!buf)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < n8;) {
		uint8_t c = (uint8_t)s[i];
		if (c < 0x80) {
			buf[k++] = c;
			i++;
		} else if ((c == 0xc2 || c == 0xc3) && i + 1 < n8 &&
		           ((uint8_t)s[i + 1] & 0xc0) == 0x80) {
			buf[k++] =
			    (uint8_t)(((c & 0x03) << 6) | ((uint8_t)s[i + 1] & 0x3f));
			i += 2;
		} else {
			ld_error(l, ld_line(n),
			         "%s: a character above \\xff; write bytes as "
			         "\\xHH escapes (or use hex)",
			         what);
			return -1;
		}
	}
	*out = buf;
	*len = k;
	return 0;
}

int ld_hex(struct ld *l, yaml_node_t *n, const char *what, const uint8_t **out,
           size_t *len)
{
	const char *s = ld_str(l, n, what);
	if (!s)
		return -1;
	uint8_t *buf = ld_alloc(l, strlen(s) / 2 + 1);
	if (!buf)
		return -1;
	size_t k = 0;
	for (const char *p = s; *p;) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1])) {
			ld_error(l, ld_line(n), "%s must be pairs of hex digits", what);
			return -1;
		}
		char two[3] = {p[0], p[1], 0};
		buf[k++] = (uint8_t)strtoul(two, NULL, 16);
		p += 2;
	}
	*out = buf;
	*len = k;
	return 0;
}

static int parse_port(struct ld *l, yaml_node_t *n, const char *what, bool any,
                      struct fp_port *p)
{
	const char *s = ld_str(l, n, what);
	if (!s)
		return -1;
	if (any && !strcmp(s, "any")) {
		p->proto = 0;
		p->port = FP_PORT_ANY;
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	p->proto = FP_PROTO_TCP;
	if (!strcmp(end, "/udp"))
		p->proto = FP_PROTO_UDP;
	else if (*end && strcmp(end, "/tcp"))
		v = -1;
	if (end == s || errno || v < 1 || v > 65535) {
		ld_error(l, ld_line(n),
		         "%s: '%s' is not a port (1-65535, optionally /tcp or /udp)%s",
		         what, s, any ? " or any" : "");
		return -1;
	}
	p->port = (uint16_t)v;
	return 0;
}

int ld_ports(struct ld *l, yaml_node_t *n, const char *what, bool any,
             struct fp_port **out, int *count)
{
	if (n && n->type == YAML_SCALAR_NODE) {
		struct fp_port *p = ld_alloc(l, sizeof *p);
		if (!p || parse_port(l, n, what, any, p))
			return -1;
		*out = p;
		*count = 1;
		return 0;
	}
	if (!n || n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top == n->data.sequence.items.start) {
		ld_error(l, ld_line(n), "%s must be a port or a non-empty list of ports",
		         what);
		return -1;
	}
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	struct fp_port *p = ld_alloc(l, cnt * sizeof *p);
	if (!p)
		return -1;
	for (size_t i = 0; i < cnt; i++)
		if (parse_port(l, ld_node(l, n->data.sequence.items.start[i]), what, any,
		               &p[i]))
			return -1;
	*out = p;
	*count = (int)cnt;
	return 0;
}

int ld_header_field(struct ld *l, const char *name)
{
	struct fp_set *s = l->set;
	char low[128];
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof low) {
		ld_error(l, 0, "header name '%s' is empty or too long", name);
		return -1;
	}
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	for (size_t i = FK_HTTP_HEADER; i < s->nfields; i++)
		if (!strcmp(s->fields[i].header, low))
			return (int)i;
	struct fp_field *f = realloc(s->fields, (s->nfields + 1) * sizeof *f);
	if (!f) {
		ld_error(l, 0, "out of memory");
		return -1;
	}
	s->fields = f;
	memset(&f[s->nfields], 0, sizeof *f);
	f[s->nfields].kind = FK_HTTP_HEADER;
	f[s->nfields].header = ld_strdup(l, low);
	return (int)s->nfields++;
}

int ld_pattern_src(struct ld *l, int line, int field, const char *src, const char *what)
{
	struct fp_set *s = l->set;
	for (size_t i = 0; i < s->npatterns; i++)
		if (l->pattern_field[i] == field &&
		    !strcmp(fp_pattern_source(s->patterns[i]), src))
			return (int)i;
	char err[256];
	struct fp_pattern *p = fp_pattern_compile(src, err, sizeof err);
	if (!p) {
		ld_error(l, line, "%s: %s", what, err);
		return -1;
	}
	if (s->npatterns == l->cappatterns) {
		size_t cap = l->cappatterns ? l->cappatterns * 2 : 256;
		struct fp_pattern **np = realloc(s->patterns, cap * sizeof *np);
		if (np)
			s->patterns = np;
		int *nf = realloc(l->pattern_field, cap * sizeof *nf);
		if (nf)
			l->pattern_field = nf;
		if (!np || !nf) {
			fp_pattern_free(p);
			ld_error(l, line, "out of memory");
			return -1;
		}
		l->cappatterns = cap;
	}
	s->patterns[s->npatterns] = p;
	l->pattern_field[s->npatterns] = field;
	return (int)s->npatterns++;
}

int ld_pattern(struct ld *l, yaml_node_t *n, int field, const char *what)
{
	const char *src = ld_str(l, n, what);
	if (!src)
		return -1;
	return ld_pattern_src(l, ld_line(n), field, src, what);
}

/* ids: lower-case letters, digits, '.', '_' and '-': stable in URLs and logs. */
static bool id_ok(const char *s)
{
	if (!*s || strlen(s) > 64 || !isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static const char *key_of(struct ld *l, yaml_node_t *k)
{
	return ld_str(l, k, "a key");
}

static const char *opt_str(struct ld *l, yaml_node_t *v, const char *what)
{
	const char *s = ld_str(l, v, what);
	return s ? ld_strdup(l, s) : NULL;
}

static int push_def(struct ld *l, const struct fp_def *d)
{
	if (l->ndefs == l->capdefs) {
		size_t cap = l->capdefs ? l->capdefs * 2 : 256;
		struct ld_def *nd = realloc(l->defs, cap * sizeof *nd);
		if (!nd) {
			ld_error(l, d->line, "out of memory");
			return -1;
		}
		l->defs = nd;
		l->capdefs = cap;
	}
	l->defs[l->ndefs].d = *d;
	l->defs[l->ndefs].dir = l->dir;
	l->ndefs++;
	return 0;
}

static int parse_fallback(struct ld *l, yaml_node_t *v, struct fp_def *d)
{
	if (v->type == YAML_SCALAR_NODE) {
		const char *s = ld_str(l, v, "fallback");
		if (s && !strcmp(s, "any")) {
			d->fallback_any = true;
			return 0;
		}
		ld_error(l, ld_line(v), "fallback must be 'any' or a list of categories");
		return -1;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		ld_error(l, ld_line(v), "fallback must be 'any' or a list of categories");
		return -1;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	d->fallback_cats = ld_alloc(l, (n ? n : 1) * sizeof *d->fallback_cats);
	if (!d->fallback_cats)
		return -1;
	yaml_node_t *c;
	FOR_ITEMS(l, v, c)
	{
		const char *s = opt_str(l, c, "a fallback category");
		if (!s)
			return -1;
		d->fallback_cats[d->nfallback_cats++] = s;
	}
	return 0;
}

static void load_def(struct ld *l, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(n), "a definition must be a mapping");
		return;
	}
	int errs = l->nerrors;
	struct fp_def d = {0};
	d.tier = FP_TIER_PRODUCT;
	d.line = ld_line(n);
	d.file = ld_strdup(l, l->file);
	yaml_node_t *k, *v, *match = NULL, *fixture = NULL;
	FOR_PAIRS(l, n, k, v)
	{
		const char *key = key_of(l, k);
		if (!key)
			continue;
		if (!strcmp(key, "id")) {
			d.id = opt_str(l, v, "id");
			if (d.id && !id_ok(d.id))
				ld_error(
				    l, ld_line(v),
				    "id '%s' must be 1-64 of a-z, 0-9, '.', '_', '-', "
				    "starting with a letter or digit",
				    d.id);
		} else if (!strcmp(key, "name")) {
			d.name = opt_str(l, v, "name");
		} else if (!strcmp(key, "category")) {
			d.category = opt_str(l, v, "category");
		} else if (!strcmp(key, "description")) {
			d.description = opt_str(l, v, "description");
		} else if (!strcmp(key, "vendor")) {
			d.vendor = opt_str(l, v, "vendor");
		} else if (!strcmp(key, "product")) {
			d.product = opt_str(l, v, "product");
		} else if (!strcmp(key, "tier")) {
			const char *t = ld_str(l, v, "tier");
			if (!t)
				continue;
			if (!strcmp(t, "catchall"))
				d.tier = FP_TIER_CATCHALL;
			else if (!strcmp(t, "generic"))
				d.tier = FP_TIER_GENERIC;
			else if (!strcmp(t, "product"))
				d.tier = FP_TIER_PRODUCT;
			else if (!strcmp(t, "application"))
				d.tier = FP_TIER_APPLICATION;
			else
				ld_error(l, ld_line(v),
				         "tier must be catchall, generic, product or "
				         "application, not '%s'",
				         t);
		} else if (!strcmp(key, "scope")) {
			const char *t = ld_str(l, v, "scope");
			if (t && !strcmp(t, "host"))
				d.host_scope = true;
			else if (t && strcmp(t, "port"))
				ld_error(l, ld_line(v),
				         "scope must be port or host, not '%s'", t);
		} else if (!strcmp(key, "ports")) {
			ld_ports(l, v, "ports", false, &d.ports, &d.nports);
		} else if (!strcmp(key, "match")) {
			match = v;
		} else if (!strcmp(key, "fallback")) {
			parse_fallback(l, v, &d);
		} else if (!strcmp(key, "fixture")) {
			fixture = v;
		} else {
			ld_error(
			    l, ld_line(k),
			    "unknown key '%s' in a definition (id, name, category, "
			    "description, vendor, product, tier, scope, ports, match, "
			    "fallback, fixture)",
			    key);
		}
	}
	const char *who = d.id ? d.id : "without an id";
	if (!d.id)
		ld_error(l, d.line, "definition has no id");
	if (!d.name)
		ld_error(l, d.line, "definition %s has no name", who);
	if (!d.category)
		ld_error(l, d.line, "definition %s has no category", who);
	if (!match)
		ld_error(l, d.line, "definition %s has no match rule", who);
	else
		d.rule = ld_rule(l, match, 0);
	if (fixture)
		d.fixture = ld_fixture(l, fixture);
	if ((d.fallback_any || d.nfallback_cats) && !d.host_scope)
		ld_error(l, d.line, "fallback applies to host-scope definitions only");
	if (l->nerrors == errs)
		push_def(l, &d);
}

static void load_probe(struct ld *l, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(n), "a probe must be a mapping");
		return;
	}
	int errs = l->nerrors;
	struct fp_probe p = {0};
	p.line = ld_line(n);
	p.file = ld_strdup(l, l->file);
	p.read_ms = 0;
	bool have_payload = false;
	yaml_node_t *k, *v;
	FOR_PAIRS(l, n, k, v)
	{
		const char *key = key_of(l, k);
		if (!key)
			continue;
		if (!strcmp(key, "id")) {
			p.id = opt_str(l, v, "id");
			if (p.id && !id_ok(p.id))
				ld_error(l, ld_line(v), "probe id '%s' is not a valid id",
				         p.id);
		} else if (!strcmp(key, "description")) {
			p.description = opt_str(l, v, "description");
		} else if (!strcmp(key, "protocol")) {
			const char *s = ld_str(l, v, "protocol");
			if (s && !strcmp(s, "tcp"))
				p.proto = FP_PROTO_TCP;
			else if (s && !strcmp(s, "udp"))
				p.proto = FP_PROTO_UDP;
			else if (s)
				ld_error(l, ld_line(v), "protocol must be tcp or udp");
		} else if (!strcmp(key, "payload")) {
			if (ld_latin1(l, v, "payload", &p.payload, &p.len) == 0)
				have_payload = true;
		} else if (!strcmp(key, "payload_hex")) {
			if (ld_hex(l, v, "payload_hex", &p.payload, &p.len) == 0)
				have_payload = true;
		} else if (!strcmp(key, "ports")) {
			ld_ports(l, v, "ports", false, &p.ports, &p.nports);
		} else if (!strcmp(key, "read_ms")) {
			long ms;
			if (ld_int(l, v, "read_ms", 1, 30000, &ms) == 0)
				p.read_ms = (unsigned)ms;
		} else {
			ld_error(
			    l, ld_line(k),
			    "unknown key '%s' in a probe (id, description, protocol, "
			    "payload, payload_hex, ports, read_ms)",
			    key);
		}
	}
	if (!p.id)
		ld_error(l, p.line, "probe has no id");
	if (!p.proto)
		ld_error(l, p.line, "probe %s has no protocol", p.id ? p.id : "");
	if (!have_payload)
		ld_error(l, p.line, "probe %s has no payload or payload_hex",
		         p.id ? p.id : "");
	for (int i = 0; i < p.nports; i++)
		p.ports[i].proto = p.proto;
	if (l->nerrors != errs)
		return;
	if (l->nprobes == l->capprobes) {
		size_t cap = l->capprobes ? l->capprobes * 2 : 32;
		struct ld_probe *np = realloc(l->probes, cap * sizeof *np);
		if (!np) {
			ld_error(l, p.line, "out of memory");
			return;
		}
		l->probes = np;
		l->capprobes = cap;
	}
	l->probes[l->nprobes].p = p;
	l->probes[l->nprobes].dir = l->dir;
	l->nprobes++;
}

static void load_categories(struct ld *l, yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_error(l, ld_line(n), "categories must be a list of names");
		return;
	}
	yaml_node_t *c;
	FOR_ITEMS(l, n, c)
	{
		const char *s = opt_str(l, c, "a category");
		if (!s)
			continue;
		if (l->ncats == l->capcats) {
			size_t cap = l->capcats ? l->capcats * 2 : 64;
			const char **nc = realloc(l->cats, cap * sizeof *nc);
			if (!nc) {
				ld_error(l, ld_line(c), "out of memory");
				return;
			}
			l->cats = nc;
			l->capcats = cap;
		}
		l->cats[l->ncats++] = s;
	}
}

static void load_list(struct ld *l, yaml_node_t *v, const char *what,
                      void (*one)(struct ld *, yaml_node_t *))
{
	if (v->type != YAML_SEQUENCE_NODE) {
		ld_error(l, ld_line(v), "%s must be a list", what);
		return;
	}
	yaml_node_t *item;
	FOR_ITEMS(l, v, item)
	one(l, item);
}

static void load_root(struct ld *l, yaml_node_t *root)
{
	if (root->type != YAML_MAPPING_NODE) {
		ld_error(l, ld_line(root),
		         "a definitions file must be a mapping (format, categories, "
		         "probes, definitions)");
		return;
	}
	yaml_node_t *k, *v;
	FOR_PAIRS(l, root, k, v)
	{
		const char *key = key_of(l, k);
		if (!key)
			continue;
		if (!strcmp(key, "format")) {
			long f;
			if (ld_int(l, v, "format", 1, 1000, &f) == 0 && f != 1)
				ld_error(l, ld_line(v),
				         "format %ld is newer than this service "
				         "understands (1)",
				         f);
		} else if (!strcmp(key, "categories")) {
			load_categories(l, v);
		} else if (!strcmp(key, "probes")) {
			load_list(l, v, "probes", load_probe);
		} else if (!strcmp(key, "definitions")) {
			load_list(l, v, "definitions", load_def);
		} else {
			ld_error(l, ld_line(k),
			         "unknown key '%s' at the top of a definitions file "
			         "(format, categories, probes, definitions)",
			         key);
		}
	}
}

/* libyaml shares a node between an anchor and its aliases; the model wants a
 * tree, and a shared node is how "billion laughs" documents explode. Refuse
 * any node reached twice, and bound depth and size. Iterative: a hostile file
 * cannot exhaust the stack. */
static int check_tree(struct ld *l, yaml_document_t *doc)
{
	size_t nn = (size_t)(doc->nodes.top - doc->nodes.start);
	if (nn > MAX_NODES) {
		ld_error(l, 0, "more than %d YAML nodes", MAX_NODES);
		return -1;
	}
	unsigned char *seen = calloc(nn + 1, 1);
	struct {
		int idx, depth;
	} *stack = malloc((nn + 1) * sizeof *stack);
	int rc = 0;
	size_t top = 0;
	if (!seen || !stack) {
		ld_error(l, 0, "out of memory");
		rc = -1;
		goto out;
	}
	stack[top].idx = 1;
	stack[top++].depth = 0;
	while (top > 0 && rc == 0) {
		int idx = stack[--top].idx, depth = stack[top].depth;
		yaml_node_t *n = yaml_document_get_node(doc, idx);
		if (!n)
			continue;
		if (seen[idx])
			goto shared;
		seen[idx] = 1;
		if (depth > MAX_YAML_DEPTH) {
			ld_error(l, ld_line(n), "nested more than %d levels deep",
			         MAX_YAML_DEPTH);
			rc = -1;
			break;
		}
		if (n->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *i = n->data.sequence.items.start;
			     i < n->data.sequence.items.top; i++) {
				if (top >= nn) /* more edges than a tree has */
					goto shared;
				stack[top].idx = *i;
				stack[top++].depth = depth + 1;
			}
		} else if (n->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
			     p < n->data.mapping.pairs.top; p++) {
				if (top + 1 >= nn)
					goto shared;
				stack[top].idx = p->key;
				stack[top++].depth = depth + 1;
				stack[top].idx = p->value;
				stack[top++].depth = depth + 1;
			}
		}
	}
out:
	free(seen);
	free(stack);
	return rc;
shared:
	ld_error(l, 0, "YAML anchors and aliases are not supported");
	rc = -1;
	goto out;
}

static void load_text(struct ld *l, const char *name, const unsigned char *text,
                      size_t len)
{
	l->file = name;
	if (len > MAX_FILE_BYTES) {
		ld_error(l, 0, "larger than %d bytes", MAX_FILE_BYTES);
		return;
	}
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		ld_error(l, 0, "out of memory");
		return;
	}
	yaml_parser_set_input_string(&p, text, len);
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&p, &doc)) {
			ld_error(l, (int)p.problem_mark.line + 1, "YAML syntax: %s%s%s",
			         p.problem ? p.problem : "unreadable",
			         p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		l->doc = &doc;
		if (check_tree(l, &doc) == 0)
			load_root(l, root);
		l->doc = NULL;
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&p);
}

static void ld_release(struct ld *l)
{
	free(l->defs);
	free(l->probes);
	free(l->cats);
	free(l->pattern_field);
}

static int run_load(struct ld *l, struct fp_set **out, char **errors)
{
	int rc = -1;
	if (l->nerrors == 0 && ld_finish(l) == 0 && l->nerrors == 0)
		rc = 0;
	ld_release(l);
	if (rc) {
		fp_set_unref(l->set);
		if (errors)
			*errors =
			    l->errors ? l->errors : strdup("definitions: load failed\n");
		else
			free(l->errors);
		return -1;
	}
	free(l->errors);
	if (errors)
		*errors = NULL;
	*out = l->set;
	return 0;
}

static int ld_begin(struct ld *l, const struct fp_oui *oui)
{
	memset(l, 0, sizeof *l);
	l->set = fp_set_new(oui);
	if (!l->set) {
		sc_error("out of memory (definition set)");
		return -1;
	}
	return 0;
}

int fp_set_load_buffers(const char *const *names, const char *const *texts,
                        const size_t *lens, size_t n, const struct fp_oui *oui,
                        struct fp_set **out, char **errors)
{
	struct ld l;
	if (errors)
		*errors = NULL;
	if (ld_begin(&l, oui))
		return -1;
	for (size_t i = 0; i < n; i++) {
		l.dir = 0;
		fp_set_hash_file(l.set, names[i], texts[i], lens[i]);
		load_text(&l, names[i], (const unsigned char *)texts[i], lens[i]);
		l.set->nfiles++;
	}
	return run_load(&l, out, errors);
}

static bool is_definition_file(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return false;
	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(struct ld *l, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		ld_error(l, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char *buf = malloc(MAX_FILE_BYTES + 1);
	size_t n = buf ? fread(buf, 1, MAX_FILE_BYTES + 1, f) : 0;
	int err = ferror(f);
	fclose(f);
	if (!buf || err) {
		ld_error(l, 0, buf ? "read error" : "out of memory");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Reads one directory's definition files in name order. */
static void load_dir(struct ld *l, const char *dir, int index)
{
	l->file = dir;
	DIR *d = opendir(dir);
	if (!d) {
		ld_error(l, 0, "cannot read definitions directory: %s", strerror(errno));
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_definition_file(e->d_name))
			continue;
		if (n == MAX_FILES) {
			ld_error(l, 0, "more than %d definition files", MAX_FILES);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct stat st;
		l->file = path;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			size_t len;
			char *text = read_file(l, path, &len);
			if (text) {
				char *display = ld_strdup(l, path);
				l->dir = index;
				fp_set_hash_file(l->set, names[i], text, len);
				load_text(l, display ? display : path,
				          (const unsigned char *)text, len);
				l->set->nfiles++;
				free(text);
			}
		}
		free(names[i]);
	}
	free(names);
	l->file = NULL;
}

int fp_set_load_with(const struct fp_load_opts *o, const char *const *names,
                     const char *const *texts, const size_t *lens, size_t n,
                     struct fp_set **out, char **errors)
{
	struct ld l;
	if (errors)
		*errors = NULL;
	if (ld_begin(&l, o->oui))
		return -1;
	for (size_t i = 0; i < o->ndirs; i++)
		if (o->dirs[i] && o->dirs[i][0])
			load_dir(&l, o->dirs[i], (int)i);
	/* The buffers come last, so their ids override the directories'. */
	for (size_t i = 0; i < n; i++) {
		l.dir = (int)o->ndirs;
		fp_set_hash_file(l.set, names[i], texts[i], lens[i]);
		load_text(&l, names[i], (const unsigned char *)texts[i], lens[i]);
		l.set->nfiles++;
	}
	return run_load(&l, out, errors);
}

int fp_set_load(const struct fp_load_opts *o, struct fp_set **out, char **errors)
{
	return fp_set_load_with(o, NULL, NULL, NULL, 0, out, errors);
}
