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

static void put(struct out *o, const char *fmt, ...)
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
		if (dot)
			put(o, "\", shape=%s];\n",
			    !strcmp(str(n, "kind"), "subnet") ? "ellipse" : "box");
		else
			put(o, "\"]\n");
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
	put(&o, dot ? "graph view {\n  rankdir=LR;\n" : "flowchart LR\n");
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
