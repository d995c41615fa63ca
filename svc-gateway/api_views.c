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
 * none was (and none can have turned stale since) is served too. */
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
#include <time.h>

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

static enum MHD_Result view(struct request *r, const char *name, const char *sql)
{
	const char *subnet = request_query(r, "subnet"),
	           *category = request_query(r, "category"), *q = request_query(r, "q"),
	           *stale = request_query(r, "include_stale"),
	           *format = request_query(r, "format");
	if (subnet && !valid_cidr(subnet))
		return reply_error(r, 422, "invalid_field",
		                   "subnet: a CIDR such as 10.0.0.0/24", "subnet");
	if ((category && (!*category || strlen(category) > 64)) || (q && strlen(q) > 128))
		return reply_error(r, 422, "invalid_field",
		                   "category up to 64, q up to 128 characters",
		                   category && strlen(category) > 64 ? "category" : "q");
	if (stale && strcmp(stale, "true") && strcmp(stale, "false"))
		return reply_error(r, 422, "invalid_field",
		                   "include_stale: true or false", "include_stale");
	char tags[TAGS_LITERAL_MAX];
	int tagged = tags_query(r, "tag", tags, sizeof tags);
	if (tagged < 0)
		return reply_error(r, 422, "invalid_field",
		                   "tag: tags of 1 to 64 characters, at most 32", "tag");
	if (format && strcmp(format, "json") && strcmp(format, "mermaid") &&
	    strcmp(format, "dot") && strcmp(format, "svg"))
		return reply_error(r, 422, "invalid_field",
		                   "format: json, mermaid, dot or svg", "format");
	const char *p[VIEW_NPARAMS] = {r->param[0],
	                               subnet,
	                               category,
	                               q && *q ? q : NULL,
	                               stale && !strcmp(stale, "false") ? "f" : "t",
	                               tagged ? tags : NULL};
	bool unfiltered = !p[1] && !p[2] && !p[3] && !p[5], fresh_only = p[4][0] == 'f';
	/* The network must be the caller's: RLS hides others', so not found. */
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	PGresult *net = NULL, *g = NULL, *cached = NULL;
	int rc = db_begin_tenant(c, &r->who);
	if (rc == 0 &&
	    (net = sc_pg_query(c, "SELECT 1 FROM core.networks WHERE id = $1", 1, p)) &&
	    PQntuples(net) == 1) {
		char bound[24];
		snprintf(bound, sizeof bound, "%ld", r->gw->view_stale_max_ms);
		if (unfiltered)
			cached = cached_view(c, r->param[0], name,
			                     r->gw->view_stale_max_ms > 0 &&
			                             !fresh_only && !wants_current(r)
			                         ? bound
			                         : NULL,
			                     fresh_only);
		/* Rendered here: without JIT, whose compiling (a tenth of a
		 * second and more) the planner starts for a view it expects
		 * to be large, and which saves less than that. */
		if ((!cached || PQntuples(cached) == 0) &&
		    sc_pg_exec(c, "SET LOCAL jit = off", 0, NULL) == 0)
			g = sc_pg_query(c, sql, VIEW_NPARAMS, p);
	}
	rc = db_end(c, rc == 0 && net && (PQntuples(net) == 0 || g || cached) ? 0 : -1);
	db_release(r->gw->db, c);
	enum MHD_Result res;
	if (rc || !net) {
		res = reply_db_error(r);
	} else if (PQntuples(net) == 0) {
		res = reply_not_found(r, "no such network");
	} else if (!g && (!format || !strcmp(format, "json"))) {
		res = reply_cached(r, cached);
	} else {
		json_error_t je;
		char *doc = NULL;
		size_t len;
		json_t *graph =
		    g ? json_loads(PQgetvalue(g, 0, 0), 0, &je)
		    : sc_gunzip(PQgetvalue(cached, 0, 1),
		                (size_t)PQgetlength(cached, 0, 1), &doc, &len) == 0
		        ? json_loadb(doc, len, 0, &je)
		        : NULL;
		free(doc);
		request_add_header(r, "X-Scanopy-View-Source", g ? "live" : "cache");
		request_add_header(r, "X-Scanopy-View-Behind",
		                   g ? "0" : PQgetvalue(cached, 0, 2));
		request_add_header(r, "X-Scanopy-View-Age-Ms",
		                   g ? "0" : PQgetvalue(cached, 0, 3));
		char at[32];
		time_t now = time(NULL);
		struct tm tm;
		strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		if (!graph) {
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
			           : reply_error(r, 500, "internal", "rendering failed",
			                         NULL);
			free(text);
			json_decref(graph);
		} else {
			json_t *body =
			    json_pack("{s:s, s:s, s:s, s:O, s:O}", "view", name,
			              "network_id", r->param[0], "generated_at", at,
			              "nodes", json_object_get(graph, "nodes"), "edges",
			              json_object_get(graph, "edges"));
			json_decref(graph);
			res = reply_json(r, 200, body);
		}
	}
	PQclear(net);
	PQclear(g);
	PQclear(cached);
	return res;
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
