/* GET /api/v1/networks/{id}/views/{l2|l3|workloads|applications}: the four
 * views of a network as one graph {view, network_id, generated_at, nodes,
 * edges}, filtered by ?subnet=CIDR, ?category=, ?q= (name or address
 * substring), ?tag= (repeated or comma-separated: hosts carrying them all)
 * and ?include_stale= (default true); ?format=mermaid, dot or svg renders
 * the same graph as text or a picture. Unfiltered, the view is the one the
 * topology service rendered ahead (inv.view_cache) when that is of the
 * network's current generation, tagged with it; or, while the network keeps
 * changing, when it was rendered at most view_stale_max_ms ago and misses no
 * user's edit (headers X-Scanopy-View-Behind, X-Scanopy-View-Age-Ms; a
 * request with Cache-Control: no-cache takes only a current one); else it is
 * rendered here from the model. Filtered by include_stale=false alone, it is
 * the unfiltered view when no host is stale: a current rendering that says
 * none was (and none can have turned stale since) is served too.
 *
 * GET /api/v1/views/{view}: the same view across every network of the
 * organisation the caller may see (org_view). */
#include "db.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_gzip.h"
#include "sc_log.h"
#include "sc_pg.h"
#include "tags.h"
#include "views_render.h"
#include "views_sql.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A CIDR with a valid address and prefix length. */
static bool valid_cidr(const char *s)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	unsigned char buf[16];
	if (!slash || (size_t)(slash - s) >= sizeof addr)
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	char *end;
	long len = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1)
		return false;
	if (inet_pton(AF_INET, addr, buf) == 1)
		return len >= 0 && len <= 32;
	return inet_pton(AF_INET6, addr, buf) == 1 && len >= 0 && len <= 128;
}

/* True when Accept-Encoding takes gzip (by name or "*", q not zero). */
static bool accepts_gzip(const char *ae)
{
	for (const char *t = ae; t && *t;) {
		while (*t == ' ' || *t == ',')
			t++;
		size_t n = strcspn(t, ",;");
		while (n && t[n - 1] == ' ')
			n--;
		bool named = (n == 4 && !strncasecmp(t, "gzip", 4)) ||
		             (n == 6 && !strncasecmp(t, "x-gzip", 6)) ||
		             (n == 1 && *t == '*');
		const char *end = t + strcspn(t, ",");
		const char *q = strstr(t, "q=");
		bool zero = q && q < end && strtod(q + 2, NULL) == 0;
		if (named && !zero)
			return true;
		t = end;
	}
	return false;
}

/* True when the request's Cache-Control asks for a current reply: a
 * no-cache or max-age=0 directive. */
static bool wants_current(struct request *r)
{
	for (const char *t = request_header(r, "Cache-Control"); t && *t;) {
		while (*t == ' ' || *t == ',')
			t++;
		size_t n = strcspn(t, ",");
		while (n && t[n - 1] == ' ')
			n--;
		if ((n == 8 && !strncasecmp(t, "no-cache", 8)) ||
		    (n == 9 && !strncasecmp(t, "max-age=0", 9)))
			return true;
		t += strcspn(t, ",");
	}
	return false;
}

/* The view as rendered ahead, current or at most stale_ms old (NULL: current
 * only), and when no_stale_hosts, only if no host was stale: ETag, the reply
 * gzip (binary), generations behind, age in ms. */
static PGresult *cached_view(PGconn *c, const char *network, const char *name,
                             const char *stale_ms, bool no_stale_hosts)
{
	const char *p[VIEW_CACHED_NPARAMS] = {network, name, stale_ms,
	                                      no_stale_hosts ? "t" : "f"};
	PGresult *res =
	    PQexecParams(c, view_sql_cached, VIEW_CACHED_NPARAMS, NULL, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		sc_error("postgres: %s", PQerrorMessage(c));
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The reply kept gzip: as it is to a client that takes gzip, else inflated. */
static enum MHD_Result reply_cached(struct request *r, PGresult *c)
{
	const char *gz = PQgetvalue(c, 0, 1);
	size_t gzlen = (size_t)PQgetlength(c, 0, 1);
	request_add_header(r, "ETag", PQgetvalue(c, 0, 0));
	request_add_header(r, "Vary", "Accept-Encoding");
	request_add_header(r, "X-Scanopy-View-Source", "cache");
	request_add_header(r, "X-Scanopy-View-Behind", PQgetvalue(c, 0, 2));
	request_add_header(r, "X-Scanopy-View-Age-Ms", PQgetvalue(c, 0, 3));
	if (accepts_gzip(request_header(r, "Accept-Encoding"))) {
		request_add_header(r, "Content-Encoding", "gzip");
		return reply_bytes(r, 200, "application/json", gz, gzlen);
	}
	char *doc;
	size_t len;
	if (sc_gunzip(gz, gzlen, &doc, &len))
		return reply_error(r, 500, "internal", "view not readable", NULL);
	enum MHD_Result res = reply_bytes(r, 200, "application/json", doc, len);
	free(doc);
	return res;
}

/* What a view request asks: the view's parameters (p[0], the network, set
 * per network) and the format. */
struct view_ask {
	const char *p[VIEW_NPARAMS];
	char tags[TAGS_LITERAL_MAX];
	const char *format;
	bool unfiltered, fresh_only, current;
	bool jit_off; /* this transaction renders without JIT already */
};

/* Reads the request's filters and format into a; on a bad one, says what is
 * wrong (and *field which) and returns -1. */
static int view_ask_parse(struct request *r, struct view_ask *a, const char **why,
                          const char **field)
{
	const char *subnet = request_query(r, "subnet"),
	           *category = request_query(r, "category"), *q = request_query(r, "q"),
	           *stale = request_query(r, "include_stale");
	a->format = request_query(r, "format");
	*field = NULL;
	if (subnet && !valid_cidr(subnet)) {
		*why = "subnet: a CIDR such as 10.0.0.0/24", *field = "subnet";
	} else if ((category && (!*category || strlen(category) > 64)) ||
	           (q && strlen(q) > 128)) {
		*why = "category up to 64, q up to 128 characters";
		*field = category && strlen(category) > 64 ? "category" : "q";
	} else if (stale && strcmp(stale, "true") && strcmp(stale, "false")) {
		*why = "include_stale: true or false", *field = "include_stale";
	} else if (a->format && strcmp(a->format, "json") &&
	           strcmp(a->format, "mermaid") && strcmp(a->format, "dot") &&
	           strcmp(a->format, "svg")) {
		*why = "format: json, mermaid, dot or svg", *field = "format";
	}
	int tagged = *field ? 0 : tags_query(r, "tag", a->tags, sizeof a->tags);
	if (tagged < 0)
		*why = "tag: tags of 1 to 64 characters, at most 32", *field = "tag";
	if (*field)
		return -1;
	a->p[0] = NULL;
	a->p[1] = subnet;
	a->p[2] = category;
	a->p[3] = q && *q ? q : NULL;
	a->p[4] = stale && !strcmp(stale, "false") ? "f" : "t";
	a->p[5] = tagged ? a->tags : NULL;
	a->unfiltered = !a->p[1] && !a->p[2] && !a->p[3] && !a->p[5];
	a->fresh_only = a->p[4][0] == 'f';
	a->current = wants_current(r);
	a->jit_off = false;
	return 0;
}

/* One network's view, in the request's transaction: the rendering ahead when
 * the ask may have it (*cached, a row), else rendered here (*live). */
static int network_view(PGconn *c, const struct gateway *gw, const char *network,
                        const char *name, const char *sql, struct view_ask *a,
                        PGresult **cached, PGresult **live)
{
	*cached = *live = NULL;
	if (a->unfiltered) {
		char bound[24];
		snprintf(bound, sizeof bound, "%ld", gw->view_stale_max_ms);
		*cached = cached_view(
		    c, network, name,
		    gw->view_stale_max_ms > 0 && !a->fresh_only && !a->current ? bound
		                                                               : NULL,
		    a->fresh_only);
		if (!*cached)
			return -1;
		if (PQntuples(*cached) == 1)
			return 0;
		PQclear(*cached);
		*cached = NULL;
	}
	/* Rendered here: without JIT, whose compiling (a tenth of a second
	 * and more) the planner starts for a view it expects to be large, and
	 * which saves less than that. */
	a->p[0] = network;
	if (!a->jit_off && sc_pg_exec(c, "SET LOCAL jit = off", 0, NULL) == 0)
		a->jit_off = true;
	if (a->jit_off)
		*live = sc_pg_query(c, sql, VIEW_NPARAMS, a->p);
	return *live ? 0 : -1;
}

/* The graph {nodes, edges} of a network_view result, or NULL. */
static json_t *view_graph(PGresult *cached, PGresult *live)
{
	json_error_t je;
	if (live)
		return json_loads(PQgetvalue(live, 0, 0), 0, &je);
	char *doc;
	size_t len;
	if (sc_gunzip(PQgetvalue(cached, 0, 1), (size_t)PQgetlength(cached, 0, 1), &doc,
	              &len))
		return NULL;
	json_t *graph = json_loadb(doc, len, 0, &je);
	free(doc);
	return graph;
}

/* The graph as asked: JSON, head's members (the view, whose and when)
 * followed by the nodes and edges, or a text rendering. Takes both. */
static enum MHD_Result reply_graph(struct request *r, const char *format, json_t *head,
                                   json_t *graph)
{
	enum MHD_Result res;
	if (!head || !graph) {
		res = reply_error(r, 500, "internal", "view not readable", NULL);
	} else if (format && strcmp(format, "json")) {
		bool dot = !strcmp(format, "dot"), svg = !strcmp(format, "svg");
		char *text = dot   ? view_render_dot(graph)
		             : svg ? view_render_svg(graph)
		                   : view_render_mermaid(graph);
		res = text ? reply_bytes(r, 200,
		                         dot   ? "text/vnd.graphviz"
		                         : svg ? "image/svg+xml"
		                               : "text/vnd.mermaid",
		                         text, strlen(text))
		           : reply_error(r, 500, "internal", "rendering failed", NULL);
		free(text);
	} else {
		json_object_set(head, "nodes", json_object_get(graph, "nodes"));
		json_object_set(head, "edges", json_object_get(graph, "edges"));
		res = reply_json(r, 200, json_incref(head));
	}
	json_decref(head);
	json_decref(graph);
	return res;
}

static enum MHD_Result view(struct request *r, const char *name, const char *sql)
{
	struct view_ask a;
	const char *why, *field;
	if (view_ask_parse(r, &a, &why, &field))
		return reply_error(r, 422, "invalid_field", why, field);
	/* The network must be the caller's: RLS hides others', so not found. */
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	const char *network = r->param[0];
	PGresult *net = NULL, *live = NULL, *cached = NULL;
	int rc = db_begin_tenant(c, &r->who);
	if (rc == 0 && (net = sc_pg_query(c, "SELECT 1 FROM core.networks WHERE id = $1",
	                                  1, &network)) == NULL)
		rc = -1;
	if (rc == 0 && PQntuples(net) == 1)
		rc = network_view(c, r->gw, network, name, sql, &a, &cached, &live);
	rc = db_end(c, rc);
	db_release(r->gw->db, c);
	enum MHD_Result res;
	if (rc) {
		res = reply_db_error(r);
	} else if (PQntuples(net) == 0) {
		res = reply_not_found(r, "no such network");
	} else if (cached && (!a.format || !strcmp(a.format, "json"))) {
		res = reply_cached(r, cached);
	} else {
		request_add_header(r, "X-Scanopy-View-Source", live ? "live" : "cache");
		request_add_header(r, "X-Scanopy-View-Behind",
		                   live ? "0" : PQgetvalue(cached, 0, 2));
		request_add_header(r, "X-Scanopy-View-Age-Ms",
		                   live ? "0" : PQgetvalue(cached, 0, 3));
		char at[32];
		reply_utc_now(at, sizeof at);
		res = reply_graph(r, a.format,
		                  json_pack("{s:s, s:s, s:s}", "view", name, "network_id",
		                            network, "generated_at", at),
		                  view_graph(cached, live));
	}
	PQclear(net);
	PQclear(live);
	PQclear(cached);
	return res;
}

/* Adds one network's graph to the organisation's: a node for the network,
 * its top-level nodes under it. A filtered view leaves out a network none of
 * whose nodes it keeps. Takes graph. */
static int add_network(json_t *org, PGresult *nets, int i, json_t *graph,
                       PGresult *cached, bool unfiltered)
{
	json_t *nodes = json_object_get(graph, "nodes"),
	       *edges = json_object_get(graph, "edges");
	if (!json_is_array(nodes) || !json_is_array(edges)) {
		json_decref(graph);
		return -1;
	}
	if (!unfiltered && json_array_size(nodes) == 0) {
		json_decref(graph);
		return 0;
	}
	const char *id = PQgetvalue(nets, i, 0), *name = PQgetvalue(nets, i, 1);
	char node_id[48];
	snprintf(node_id, sizeof node_id, "n:%s", id);
	json_t *data = json_pack("{s:s, s:s, s:s, s:s}", "network_id", id, "view_source",
	                         cached ? "cache" : "live", "view_behind",
	                         cached ? PQgetvalue(cached, 0, 2) : "0", "view_age_ms",
	                         cached ? PQgetvalue(cached, 0, 3) : "0");
	int rc = json_array_append_new(
	    json_object_get(org, "nodes"),
	    json_pack("{s:s, s:s, s:s, s:n, s:n, s:n, s:n, s:b, s:o}", "id", node_id,
	              "kind", "network", "label", name, "parent", "host_id", "category",
	              "ip", "stale", 0, "data", data));
	/* Top level: no parent, or one the view does not show. */
	json_t *ids = json_object();
	size_t k;
	json_t *n;
	json_array_foreach(nodes, k, n)
	{
		const char *nid = json_string_value(json_object_get(n, "id"));
		if (!ids || !nid || json_object_set_new(ids, nid, json_true()))
			rc = -1;
	}
	json_array_foreach(nodes, k, n)
	{
		const char *up = json_string_value(json_object_get(n, "parent"));
		if (rc == 0 && (!up || !json_object_get(ids, up)))
			rc = json_object_set_new(n, "parent", json_string(node_id));
	}
	json_decref(ids);
	if (rc || json_array_extend(json_object_get(org, "nodes"), nodes) ||
	    json_array_extend(json_object_get(org, "edges"), edges))
		rc = -1;
	json_decref(graph);
	return rc;
}

/* GET /api/v1/views/{view}: the view across every network of the
 * organisation the caller may see (an MSP's client, or a site's networks),
 * in one snapshot: each network a node, with the nodes of its own view under
 * it; the same filters and formats as a network's view. Each network's part
 * is its rendering ahead when the request allows one (unfiltered), else
 * rendered here; its node says which (data.view_source, view_behind,
 * view_age_ms). */
static enum MHD_Result org_view(struct request *r, const char *name, const char *sql)
{
	struct view_ask a;
	const char *why, *field;
	if (view_ask_parse(r, &a, &why, &field))
		return reply_error(r, 422, "invalid_field", why, field);
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	json_t *graph = json_pack("{s:[], s:[]}", "nodes", "edges");
	PGresult *nets = NULL;
	int rc = db_begin_tenant(c, &r->who);
	if (rc == 0 && !(nets = sc_pg_query(c,
	                                    "SELECT id::text, name FROM core.networks "
	                                    "ORDER BY name, id",
	                                    0, NULL)))
		rc = -1;
	for (int i = 0; rc == 0 && graph && i < PQntuples(nets); i++) {
		PGresult *cached, *live;
		rc = network_view(c, r->gw, PQgetvalue(nets, i, 0), name, sql, &a,
		                  &cached, &live);
		json_t *g = rc ? NULL : view_graph(cached, live);
		if (rc == 0)
			rc =
			    g ? add_network(graph, nets, i, g, cached, a.unfiltered) : -1;
		PQclear(cached);
		PQclear(live);
	}
	rc = db_end(c, graph ? rc : -1);
	db_release(r->gw->db, c);
	PQclear(nets);
	if (rc) {
		json_decref(graph);
		return reply_db_error(r);
	}
	char at[32];
	reply_utc_now(at, sizeof at);
	return reply_graph(r, a.format,
	                   json_pack("{s:s, s:s, s:s}", "view", name, "organization_id",
	                             r->who.org_id, "generated_at", at),
	                   graph);
}

enum MHD_Result api_view_l2(struct request *r)
{
	return view(r, "l2", view_sql_l2);
}

enum MHD_Result api_view_l3(struct request *r)
{
	return view(r, "l3", view_sql_l3);
}

enum MHD_Result api_view_workloads(struct request *r)
{
	return view(r, "workloads", view_sql_workloads);
}

enum MHD_Result api_view_applications(struct request *r)
{
	return view(r, "applications", view_sql_applications);
}

enum MHD_Result api_org_view_l2(struct request *r)
{
	return org_view(r, "l2", view_sql_l2);
}

enum MHD_Result api_org_view_l3(struct request *r)
{
	return org_view(r, "l3", view_sql_l3);
}

enum MHD_Result api_org_view_workloads(struct request *r)
{
	return org_view(r, "workloads", view_sql_workloads);
}

enum MHD_Result api_org_view_applications(struct request *r)
{
	return org_view(r, "applications", view_sql_applications);
}
