#include "views_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
struct out {
	char *s;
	size_t n, cap;
	int failed;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int w = vsnprintf(o->s ? o->s + o->n : NULL, o->s ? o->cap - o->n : 0,
		                  fmt, ap);
		va_end(ap);
		if (w < 0) {
			o->failed = 1;
			return;
		}
		if (o->s && o->n + (size_t)w < o->cap) {
			o->n += (size_t)w;
			return;
		}
		size_t cap = (o->cap ? o->cap * 2 : 4096) + (size_t)w;
		char *g = realloc(o->s, cap);
		if (!g) {
			o->failed = 1;
			return;
		}
		o->s = g;
		o->cap = cap;
	}
}

/* Label text safe inside "...": quotes and backslashes and newlines out. */
static void put_label(struct out *o, const char *s, int dot)
{
	for (; s && *s; s++) {
		if (*s == '"')
			put(o, dot ? "\\\"" : "#quot;");
		else if (*s == '\\')
			put(o, dot ? "\\\\" : "/");
		else if (*s == '\n' || *s == '\r')
			put(o, " ");
		else if (!dot && (*s == '<' || *s == '>'))
			put(o, *s == '<' ? "#lt;" : "#gt;");
		else
			put(o, "%c", *s);
	}
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Index of the node with this id, or -1. */
static long node_index(json_t *nodes, const char *id)
{
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n) if (id && str(n, "id") &&
	                                    !strcmp(str(n, "id"), id)) return (long)i;
	return -1;
}

static int has_children(json_t *nodes, const char *id)
{
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n) if (str(n, "parent") &&
	                                    !strcmp(str(n, "parent"), id)) return 1;
	return 0;
}

/* What an export says of a host that is no longer there: "gone, <reason>"
 * (data.gone_reason: missed_by_scan, stale) or "stale" (not seen for 7
 * days); NULL for a node that is neither. */
static const char *node_absence(json_t *n, char *buf, size_t len)
{
	json_t *d = json_object_get(n, "data");
	const char *why = str(d, "gone_reason");
	if (str(d, "gone_at")) {
		snprintf(buf, len, "gone, %s", why ? why : "stale");
		for (char *c = buf; *c; c++)
			if (*c == '_')
				*c = ' ';
		return buf;
	}
	return json_is_true(json_object_get(n, "stale")) ? "stale" : NULL;
}

/* Nodes whose parent is `parent` (NULL: top level, or a parent not shown). */
static void nodes_under(struct out *o, json_t *nodes, const char *parent, int dot,
                        int depth)
{
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n)
	{
		const char *p = str(n, "parent"), *id = str(n, "id");
		int top = !p || node_index(nodes, p) < 0;
		if (parent ? !(p && !strcmp(p, parent)) : !top)
			continue;
		if (depth > 8)
			continue;
		if (has_children(nodes, id)) {
			if (dot)
				put(o, "  subgraph cluster_n%zu {\n    label=\"", i);
			else
				put(o, "  subgraph n%zu_group [\"", i);
			put_label(o, str(n, "label"), dot);
			put(o, dot ? "\";\n" : "\"]\n");
		}
		if (dot)
			put(o, "  n%zu [label=\"", i);
		else
			put(o, "  n%zu[\"", i);
		put_label(o, str(n, "label"), dot);
		if (str(n, "ip") &&
		    strcmp(str(n, "ip"), str(n, "label") ? str(n, "label") : "")) {
			put(o, dot ? "\\n" : "<br/>");
			put_label(o, str(n, "ip"), dot);
		}
		char why[48];
		const char *absent = node_absence(n, why, sizeof why);
		if (absent)
			put(o, dot ? "\\n(%s)" : "<br/>(%s)", absent);
		if (dot) {
			put(o, "\", shape=%s%s];\n",
			    !strcmp(str(n, "kind"), "subnet") ? "ellipse" : "box",
			    absent ? ", style=dashed, fontcolor=gray40, color=gray40"
			           : "");
		} else {
			put(o, "\"]\n");
			if (absent)
				put(o, "  class n%zu absent\n", i);
		}
		if (has_children(nodes, id)) {
			nodes_under(o, nodes, id, dot, depth + 1);
			put(o, dot ? "  }\n" : "  end\n");
		}
	}
}

static char *render(json_t *g, int dot)
{
	struct out o = {0};
	json_t *nodes = json_object_get(g, "nodes"), *edges = json_object_get(g, "edges");
	put(&o,
	    dot ? "graph view {\n  rankdir=LR;\n"
	        : "flowchart LR\n  classDef absent stroke-dasharray:5 5,opacity:0.5\n");
	nodes_under(&o, nodes, NULL, dot, 0);
	size_t i;
	json_t *e;
	json_array_foreach(edges, i, e)
	{
		long a = node_index(nodes, str(e, "source")),
		     b = node_index(nodes, str(e, "target"));
		if (a < 0 || b < 0)
			continue;
		const char *label = str(e, "label");
		if (dot) {
			put(&o, "  n%ld -- n%ld [label=\"", a, b);
			put_label(&o, label ? label : str(e, "kind"), 1);
			put(&o, "\"];\n");
		} else {
			put(&o, "  n%ld ---|\"", a);
			put_label(&o, label ? label : str(e, "kind"), 0);
			put(&o, "\"| n%ld\n", b);
		}
	}
	if (dot)
		put(&o, "}\n");
	if (o.failed) {
		free(o.s);
		return NULL;
	}
	return o.s;
}

char *view_render_mermaid(json_t *graph)
{
	return render(graph, 0);
}

char *view_render_dot(json_t *graph)
{
	return render(graph, 1);
}

/* XML text: the five special characters escaped, control characters out. */
static void put_xml(struct out *o, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			put(o, "&amp;");
		else if (c == '<')
			put(o, "&lt;");
		else if (c == '>')
			put(o, "&gt;");
		else if (c == '"')
			put(o, "&quot;");
		else if (c == '\'')
			put(o, "&apos;");
		else if (c < 0x20)
			put(o, " ");
		else
			put(o, "%c", c);
	}
}

enum { SVG_W = 170, SVG_H = 46, SVG_GAP_X = 30, SVG_GAP_Y = 70, SVG_MARGIN = 20 };

static const char *svg_fill(const char *kind)
{
	static const struct {
		const char *kind, *fill;
	} fills[] = {{"router", "#ffe0b2"},  {"switch", "#c8e6c9"},
	             {"subnet", "#e3f2fd"},  {"container", "#f3e5f5"},
	             {"vm", "#ede7f6"},      {"application", "#fff9c4"},
	             {"service", "#fce4ec"}, {"gateway", "#ffe0b2"}};
	for (size_t i = 0; kind && i < sizeof fills / sizeof fills[0]; i++)
		if (!strcmp(kind, fills[i].kind))
			return fills[i].fill;
	return "#eceff1";
}

/* The layout: each connected part (edges and parent links) laid out in
 * layers by breadth-first distance from its best-connected node; layers top
 * to bottom, nodes of a layer left to right, parts side by side. */
struct svg_layout {
	size_t n;
	long *layer, *col;
	size_t *adj_start, *adj; /* adjacency lists (CSR) */
};

static int svg_layout(json_t *nodes, json_t *edges, struct svg_layout *L)
{
	size_t n = json_array_size(nodes), ne = json_array_size(edges), i;
	size_t *deg = calloc(n + 1, sizeof *deg),
	       *pairs = calloc(2 * (ne + n) + 1, sizeof *pairs);
	L->n = n;
	L->layer = calloc(n + 1, sizeof *L->layer);
	L->col = calloc(n + 1, sizeof *L->col);
	L->adj_start = calloc(n + 2, sizeof *L->adj_start);
	L->adj = calloc(2 * (ne + n) + 1, sizeof *L->adj);
	size_t *queue = calloc(n + 1, sizeof *queue);
	long *next_col = calloc(n + 1, sizeof *next_col);
	int rc = -1;
	if (!deg || !pairs || !L->layer || !L->col || !L->adj_start || !L->adj ||
	    !queue || !next_col)
		goto out;
	size_t np = 0;
	json_t *e;
	json_array_foreach(edges, i, e)
	{
		long a = node_index(nodes, str(e, "source")),
		     b = node_index(nodes, str(e, "target"));
		if (a >= 0 && b >= 0 && a != b) {
			pairs[np++] = (size_t)a;
			pairs[np++] = (size_t)b;
		}
	}
	json_array_foreach(nodes, i, e)
	{
		long p = node_index(nodes, str(e, "parent"));
		if (p >= 0 && (size_t)p != i) {
			pairs[np++] = (size_t)p;
			pairs[np++] = i;
		}
	}
	for (size_t k = 0; k < np; k++)
		deg[pairs[k]]++;
	for (size_t k = 0; k < n; k++)
		L->adj_start[k + 1] = L->adj_start[k] + deg[k];
	memset(deg, 0, (n + 1) * sizeof *deg);
	for (size_t k = 0; k < np; k += 2) {
		size_t a = pairs[k], b = pairs[k + 1];
		L->adj[L->adj_start[a] + deg[a]++] = b;
		L->adj[L->adj_start[b] + deg[b]++] = a;
	}
	for (size_t k = 0; k < n; k++)
		L->layer[k] = -1;
	long col_base = 0;
	for (;;) {
		/* The unplaced node with most neighbours roots the next part. */
		long root = -1;
		for (size_t k = 0; k < n; k++)
			if (L->layer[k] < 0 && (root < 0 || deg[k] > deg[root]))
				root = (long)k;
		if (root < 0)
			break;
		size_t head = 0, tail = 0;
		long width = 0, max_layer = 0;
		L->layer[root] = 0;
		queue[tail++] = (size_t)root;
		while (head < tail) {
			size_t v = queue[head++];
			for (size_t k = L->adj_start[v]; k < L->adj_start[v + 1]; k++)
				if (L->layer[L->adj[k]] < 0) {
					L->layer[L->adj[k]] = L->layer[v] + 1;
					queue[tail++] = L->adj[k];
				}
		}
		for (size_t k = 0; k < tail; k++)
			if (L->layer[queue[k]] > max_layer)
				max_layer = L->layer[queue[k]];
		for (long l = 0; l <= max_layer; l++)
			next_col[l] = col_base;
		for (size_t k = 0; k < tail; k++) {
			size_t v = queue[k];
			L->col[v] = next_col[L->layer[v]]++;
			if (L->col[v] - col_base + 1 > width)
				width = L->col[v] - col_base + 1;
		}
		col_base += width;
	}
	rc = 0;
out:
	free(deg);
	free(pairs);
	free(queue);
	free(next_col);
	return rc;
}

static void svg_layout_free(struct svg_layout *L)
{
	free(L->layer);
	free(L->col);
	free(L->adj_start);
	free(L->adj);
}

static long svg_x(const struct svg_layout *L, size_t i)
{
	return SVG_MARGIN + L->col[i] * (SVG_W + SVG_GAP_X);
}

static long svg_y(const struct svg_layout *L, size_t i)
{
	return SVG_MARGIN + L->layer[i] * (SVG_H + SVG_GAP_Y);
}

char *view_render_svg(json_t *graph)
{
	struct out o = {0};
	json_t *nodes = json_object_get(graph, "nodes"),
	       *edges = json_object_get(graph, "edges");
	struct svg_layout L = {0};
	if (svg_layout(nodes, edges, &L)) {
		svg_layout_free(&L);
		return NULL;
	}
	long w = SVG_MARGIN, h = SVG_MARGIN;
	for (size_t i = 0; i < L.n; i++) {
		if (svg_x(&L, i) + SVG_W + SVG_MARGIN > w)
			w = svg_x(&L, i) + SVG_W + SVG_MARGIN;
		if (svg_y(&L, i) + SVG_H + SVG_MARGIN > h)
			h = svg_y(&L, i) + SVG_H + SVG_MARGIN;
	}
	put(&o,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "
	    "xmlns=\"http://www.w3.org/2000/svg\" width=\"%ld\" height=\"%ld\" "
	    "viewBox=\"0 0 %ld %ld\" font-family=\"sans-serif\" font-size=\"12\">\n",
	    w, h, w, h);
	size_t i;
	json_t *e;
	json_array_foreach(edges, i, e)
	{
		long a = node_index(nodes, str(e, "source")),
		     b = node_index(nodes, str(e, "target"));
		if (a < 0 || b < 0)
			continue;
		long x1 = svg_x(&L, (size_t)a) + SVG_W / 2,
		     y1 = svg_y(&L, (size_t)a) + SVG_H / 2,
		     x2 = svg_x(&L, (size_t)b) + SVG_W / 2,
		     y2 = svg_y(&L, (size_t)b) + SVG_H / 2;
		put(&o,
		    "<g class=\"edge\"><line x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" "
		    "stroke=\"#607d8b\"/><text x=\"%ld\" y=\"%ld\" font-size=\"10\" "
		    "text-anchor=\"middle\" fill=\"#37474f\">",
		    x1, y1, x2, y2, (x1 + x2) / 2, (y1 + y2) / 2 - 3);
		const char *label = str(e, "label");
		put_xml(&o, label ? label : str(e, "kind"));
		put(&o, "</text></g>\n");
	}
	json_array_foreach(nodes, i, e)
	{
		long p = node_index(nodes, str(e, "parent"));
		if (p >= 0)
			put(&o,
			    "<line x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" "
			    "stroke=\"#b0bec5\" stroke-dasharray=\"4 3\"/>\n",
			    svg_x(&L, (size_t)p) + SVG_W / 2,
			    svg_y(&L, (size_t)p) + SVG_H, svg_x(&L, i) + SVG_W / 2,
			    svg_y(&L, i));
	}
	json_array_foreach(nodes, i, e)
	{
		long x = svg_x(&L, i), y = svg_y(&L, i);
		char why[48];
		const char *absent = node_absence(e, why, sizeof why);
		put(&o, "<g class=\"node\" data-kind=\"");
		put_xml(&o, str(e, "kind"));
		if (absent) /* drawn faint and dashed, as the UI draws it */
			put(&o, "\" data-absent=\"%s\" opacity=\"0.5", absent);
		put(&o,
		    "\"><rect x=\"%ld\" y=\"%ld\" width=\"%d\" height=\"%d\" rx=\"6\" "
		    "fill=\"%s\" stroke=\"#455a64\"%s/><text x=\"%ld\" y=\"%ld\" "
		    "text-anchor=\"middle\">",
		    x, y, SVG_W, SVG_H, svg_fill(str(e, "kind")),
		    absent ? " stroke-dasharray=\"4 3\"" : "", x + SVG_W / 2, y + 19);
		char label[25];
		snprintf(label, sizeof label, "%s",
		         str(e, "label") ? str(e, "label") : "");
		/* Cut at a character boundary, never inside a UTF-8 sequence. */
		size_t ll = strlen(label), lead = ll ? ll - 1 : 0;
		while (lead && ((unsigned char)label[lead] & 0xC0) == 0x80)
			lead--;
		unsigned char c0 = (unsigned char)label[lead];
		size_t need = c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC0 ? 2 : 1;
		if (ll && lead + need > ll)
			label[lead] = '\0';
		put_xml(&o, label);
		put(&o, "</text>");
		if (str(e, "ip")) {
			put(&o,
			    "<text x=\"%ld\" y=\"%ld\" text-anchor=\"middle\" "
			    "font-size=\"10\" fill=\"#546e7a\">",
			    x + SVG_W / 2, y + 35);
			put_xml(&o, str(e, "ip"));
			put(&o, "</text>");
		}
		put(&o, "<title>");
		put_xml(&o, str(e, "label"));
		if (absent)
			put(&o, " (%s)", absent);
		put(&o, "</title></g>\n");
	}
	put(&o, "</svg>\n");
	svg_layout_free(&L);
	if (o.failed) {
		free(o.s);
		return NULL;
	}
	return o.s;
}
