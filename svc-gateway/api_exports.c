/* Exports of the inventory for spreadsheets and other tools. */
#include "http.h"
#include "reply.h"
#include "routes.h"

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
	if (!q)
		return reply_db_error(r);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (size_t c = 0; c < ncols && !rc; c++)
		rc = csv_field(&buf, &len, &cap, header[c], c + 1 == ncols);
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
		request_add_header(r, "Content-Disposition",
		                   "attachment; filename=\"hosts.csv\"");
		res = reply_bytes(r, 200, "text/csv; charset=utf-8", buf, len);
	}
	free(buf);
	return res;
}
