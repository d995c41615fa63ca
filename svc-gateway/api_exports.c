/* Exports of the inventory for spreadsheets and other tools: CSV per
 * resource, the whole inventory as JSON, and a NetBox import. */
#include "http.h"
#include "listq.h"
#include "reply.h"
#include "routes.h"
#include "sc_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends one CSV field (RFC 4180: quoted when it holds a comma, quote or
 * line break; quotes doubled); NULL is an empty field. Formula-looking text
 * (=, +, -, @ first) gets a leading quote so spreadsheets do not run it. */
static int csv_field(char **buf, size_t *len, size_t *cap, const char *v, bool last)
{
	size_t n = v ? strlen(v) : 0;
	if (*len + 2 * n + 8 > *cap) {
		size_t want = (*cap ? *cap * 2 : 4096) + 2 * n + 8;
		char *grown = realloc(*buf, want);
		if (!grown)
			return -1;
		*buf = grown;
		*cap = want;
	}
	char *o = *buf + *len;
	bool formula = n && strchr("=+-@", v[0]);
	bool quote = formula || (v && strpbrk(v, ",\"\r\n"));
	if (quote)
		*o++ = '"';
	if (formula)
		*o++ = '\'';
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			*o++ = '"';
		*o++ = v[i];
	}
	if (quote)
		*o++ = '"';
	if (last) {
		*o++ = '\r';
		*o++ = '\n';
	} else {
		*o++ = ',';
	}
	*len = (size_t)(o - *buf);
	return 0;
}

/* Answers the rows of q (taken: cleared here) as a CSV attachment, under the
 * given header (NULL: the result's column names). */
static enum MHD_Result csv_reply(struct request *r, PGresult *q,
                                 const char *const *header, size_t ncols,
                                 const char *filename)
{
	if (!q)
		return reply_db_error(r);
	if (!header)
		ncols = (size_t)PQnfields(q);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (size_t c = 0; c < ncols && !rc; c++)
		rc = csv_field(&buf, &len, &cap, header ? header[c] : PQfname(q, (int)c),
		               c + 1 == ncols);
	for (int i = 0; i < PQntuples(q) && !rc; i++)
		for (size_t c = 0; c < ncols && !rc; c++)
			rc = csv_field(
			    &buf, &len, &cap,
			    PQgetisnull(q, i, (int)c) ? NULL : PQgetvalue(q, i, (int)c),
			    c + 1 == ncols);
	PQclear(q);
	enum MHD_Result res;
	if (rc) {
		res = reply_error(r, 500, "internal", "out of memory", NULL);
	} else {
		char disp[96];
		snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
		request_add_header(r, "Content-Disposition", disp);
		res = reply_bytes(r, 200, "text/csv; charset=utf-8", buf, len);
	}
	free(buf);
	return res;
}

/* GET /api/v1/networks/{id}/exports/hosts.csv: one row per host. */
enum MHD_Result api_export_hosts_csv(struct request *r)
{
	static const char *const header[] = {
	    "id",         "name",     "discovered_name", "kind",      "addresses", "macs",
	    "open_ports", "services", "first_seen",      "last_seen", "stale"};
	const size_t ncols = sizeof header / sizeof header[0];
	const char *p[] = {r->param[0]};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "SELECT h.id, coalesce(h.user_name, h.name), h.name, h.kind, (SELECT "
	    "string_agg(host(a.ip), ' ' ORDER BY a.ip) FROM inv.addresses a WHERE "
	    "a.host_id = h.id), (SELECT string_agg(DISTINCT a.mac::text, ' ') FROM "
	    "inv.addresses a WHERE a.host_id = h.id AND a.mac IS NOT NULL), (SELECT "
	    "string_agg(p.port || '/' || p.protocol, ' ' ORDER BY p.protocol, p.port) "
	    "FROM inv.ports p WHERE p.host_id = h.id), (SELECT string_agg(s.name || "
	    "coalesce(' ' || s.version, '') || ' (' || s.port || '/' || s.protocol || "
	    "')', "
	    "'; ' ORDER BY s.protocol, s.port) FROM inv.services s WHERE s.host_id = "
	    "h.id), to_char(h.first_seen AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(h.last_seen AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), CASE WHEN h.last_seen < now() - interval "
	    "'7 days' THEN 'true' ELSE 'false' END FROM inv.hosts h WHERE h.network_id = "
	    "$1 "
	    "ORDER BY (SELECT min(a.ip) FROM inv.addresses a WHERE a.host_id = h.id) "
	    "NULLS "
	    "LAST, h.id",
	    1, p);
	return csv_reply(r, q, header, ncols, "hosts.csv");
}

/* The network's name when the caller's organisation has it, else NULL after
 * replying (404, or 503). Caller frees. */
static char *network_name(struct request *r, enum MHD_Result *replied)
{
	const char *p[] = {r->param[0]};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who, "SELECT name FROM core.networks WHERE id = $1", 1, p);
	char *name = NULL;
	if (!q)
		*replied = reply_db_error(r);
	else if (PQntuples(q) == 0)
		*replied = reply_not_found(r, "no such network");
	else if (!(name = strdup(PQgetvalue(q, 0, 0))))
		*replied = reply_error(r, 500, "internal", "out of memory", NULL);
	PQclear(q);
	return name;
}

static const struct {
	const char *file;
	const struct listq_spec *spec;
} csv_resources[] = {
    {"subnets.csv", &listq_subnets},
    {"interfaces.csv", &listq_interfaces},
    {"ports.csv", &listq_ports},
    {"services.csv", &listq_services},
    {"links.csv", &listq_links},
    {"workloads.csv", &listq_workloads},
    {"applications.csv", &listq_applications},
};

/* GET /api/v1/networks/{id}/exports/{resource}.csv: the columns of the
 * resource's list, one row per item (JSON members as JSON text). */
enum MHD_Result api_export_resource_csv(struct request *r)
{
	const char *file = strrchr(r->url, '/');
	file = file ? file + 1 : "";
	for (size_t i = 0; i < sizeof csv_resources / sizeof csv_resources[0]; i++) {
		if (strcmp(file, csv_resources[i].file))
			continue;
		enum MHD_Result res;
		char *name = network_name(r, &res);
		if (!name)
			return res;
		free(name);
		PGresult *q =
		    listq_network_rows(r, csv_resources[i].spec, r->param[0], false);
		return csv_reply(r, q, NULL, 0, file);
	}
	return reply_not_found(r, "no such export");
}

/* The rows of `spec` in the network as a JSON array (new reference), or NULL. */
static json_t *rows_json(struct request *r, const struct listq_spec *spec)
{
	PGresult *q = listq_network_rows(r, spec, r->param[0], true);
	json_t *j =
	    q && PQntuples(q) == 1 ? json_loads(PQgetvalue(q, 0, 0), 0, NULL) : NULL;
	PQclear(q);
	return j;
}

/* GET /api/v1/networks/{id}/exports/inventory.json: the network's hosts
 * (with interfaces, ports, services and cables), subnets, workloads and
 * applications in one document. */
enum MHD_Result api_export_inventory_json(struct request *r)
{
	enum MHD_Result res;
	char *name = network_name(r, &res);
	if (!name)
		return res;
	json_t *hosts = rows_json(r, &listq_hosts),
	       *subnets = rows_json(r, &listq_subnets),
	       *workloads = rows_json(r, &listq_workloads),
	       *apps = rows_json(r, &listq_applications);
	char at[32];
	reply_utc_now(at, sizeof at);
	if (!hosts || !subnets || !workloads || !apps) {
		json_decref(hosts);
		json_decref(subnets);
		json_decref(workloads);
		json_decref(apps);
		res = reply_db_error(r);
	} else {
		request_add_header(r, "Content-Disposition",
		                   "attachment; filename=\"inventory.json\"");
		res = reply_json(
		    r, 200,
		    json_pack("{s:s, s:{s:s, s:s}, s:s, s:o, s:o, s:o, s:o}", "format",
		              "scanopy-inventory/1", "network", "id", r->param[0], "name",
		              name, "generated_at", at, "hosts", hosts, "subnets",
		              subnets, "workloads", workloads, "applications", apps));
	}
	free(name);
	return res;
}
