#include "listq.h"

#include "db.h"
#include "http.h"
#include "reply.h"
#include "sc_pg.h"
#include "tags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LQ_MAX_CONDS 12
#define LQ_SQL_MAX 16384

/* A query value of the filter's type; false when it is not one. */
static bool valid_value(enum listq_type t, const char *v)
{
	char *end;
	switch (t) {
	case LQ_UUID:
		return is_uuid(v);
	case LQ_INT:
		errno = 0;
		long n = strtol(v, &end, 10);
		return *v && !*end && !errno && n >= -2147483647L && n <= 2147483647L;
	case LQ_BOOL:
		return !strcmp(v, "true") || !strcmp(v, "false");
	case LQ_TEXT:
		return *v && strlen(v) <= 200;
	case LQ_TAGS:
		return true; /* checked by tags_query() */
	}
	return false;
}

static const char *type_help(enum listq_type t)
{
	return t == LQ_UUID   ? "a UUID"
	       : t == LQ_INT  ? "a whole number"
	       : t == LQ_BOOL ? "true or false"
	       : t == LQ_TAGS ? "tags of 1 to 64 characters, at most 32"
	                      : "1 to 200 characters";
}

/* Parses ?limit= and ?offset= within bounds; -1 on a bad value. */
static int page(struct request *r, char *limit, char *offset)
{
	const char *l = request_query(r, "limit"), *o = request_query(r, "offset");
	char *end = "";
	long lv = 100, ov = 0;
	if (l && ((lv = strtol(l, &end, 10)) < 1 || lv > 1000 || *end || !*l))
		return -1;
	if (o && ((ov = strtol(o, &end, 10)) < 0 || ov > 100000000 || *end || !*o))
		return -1;
	snprintf(limit, 16, "%ld", lv);
	snprintf(offset, 16, "%ld", ov);
	return 0;
}

/* The request's conditions and their parameters (an LQ_TAGS filter's
 * literal in tags); replies (422) and returns -1 on a bad value. */
static int collect(struct request *r, const struct listq_spec *s, const char **conds,
                   const char **params, size_t *n, char *tags, size_t tags_len,
                   enum MHD_Result *replied)
{
	*n = 0;
	for (size_t i = 0; i < s->nfilters && *n < LQ_MAX_CONDS; i++) {
		const struct listq_filter *f = &s->filters[i];
		const char *v = request_query(r, f->param);
		int t = f->type == LQ_TAGS ? tags_query(r, f->param, tags, tags_len) : 0;
		if (t == 1)
			v = tags;
		if (!v && t == 0)
			continue;
		if (t < 0 || !valid_value(f->type, v)) {
			char msg[128];
			snprintf(msg, sizeof msg, "%s: %s", f->param, type_help(f->type));
			*replied = reply_error(r, 422, "invalid_field", msg, f->param);
			return -1;
		}
		conds[*n] = f->cond;
		params[(*n)++] = v;
	}
	const char *q = request_query(r, "q");
	if (s->q && q && *q && strlen(q) <= 200 && *n < LQ_MAX_CONDS) {
		conds[*n] = s->q;
		params[(*n)++] = q;
	}
	return 0;
}

/* The ?sort= key's ORDER BY; NULL after replying 422. */
static const char *sort_order(struct request *r, const struct listq_spec *s,
                              enum MHD_Result *replied)
{
	const char *sort = request_query(r, "sort");
	if (!sort)
		return s->sorts[0].order;
	for (size_t i = 0; i < s->nsorts; i++)
		if (!strcmp(sort, s->sorts[i].key))
			return s->sorts[i].order;
	char msg[256];
	size_t at = (size_t)snprintf(msg, sizeof msg, "sort: one of");
	for (size_t i = 0; i < s->nsorts && at < sizeof msg; i++)
		at += (size_t)snprintf(msg + at, sizeof msg - at, "%s %s", i ? "," : "",
		                       s->sorts[i].key);
	*replied = reply_error(r, 422, "invalid_field", msg, "sort");
	return NULL;
}

enum MHD_Result listq_reply(struct request *r, const struct listq_spec *s)
{
	const char *conds[LQ_MAX_CONDS], *params[LQ_MAX_CONDS + 2];
	size_t n;
	char limit[16], offset[16], tags[TAGS_LITERAL_MAX];
	enum MHD_Result res = MHD_NO;
	if (collect(r, s, conds, params, &n, tags, sizeof tags, &res))
		return res;
	const char *order = sort_order(r, s, &res);
	if (!order)
		return res;
	if (page(r, limit, offset))
		return reply_error(r, 422, "invalid_field", "limit 1..1000, offset >= 0",
		                   request_query(r, "limit") ? "limit" : "offset");
	params[n] = limit;
	params[n + 1] = offset;
	/* The total and the page in one statement (one snapshot, one round
	 * trip), in a tenant transaction of its own. */
	char *where = malloc(LQ_SQL_MAX), *sql = malloc(2 * LQ_SQL_MAX + 512);
	int rc =
	    where && sql ? listq_where(where, LQ_SQL_MAX, s->select, conds, n, 1) : -1;
	if (rc == 0) {
		int w = snprintf(
		    sql, 2 * LQ_SQL_MAX + 512,
		    "SELECT (SELECT count(*) FROM (%s) x)::text, (SELECT "
		    "coalesce(json_agg(x ORDER BY %s), '[]')::text FROM (SELECT * "
		    "FROM (%s) x ORDER BY %s LIMIT $%zu::int OFFSET $%zu::int) x)",
		    where, order, where, order, n + 1, n + 2);
		rc = w < 0 || w >= 2 * LQ_SQL_MAX + 512 ? -1 : 0;
	}
	PGresult *q =
	    rc == 0 ? db_tenant_query(r->gw->db, &r->who, sql, (int)n + 2, params) : NULL;
	free(where);
	free(sql);
	if (!q) {
		res = reply_db_error(r);
	} else {
		request_add_header(r, "X-Total-Count", PQgetvalue(q, 0, 0));
		res = reply_bytes(r, 200, "application/json", PQgetvalue(q, 0, 1),
		                  (size_t)PQgetlength(q, 0, 1));
	}
	PQclear(q);
	return res;
}

int listq_one_sql(const struct listq_spec *s, char *out, size_t len)
{
	char where[LQ_SQL_MAX / 2];
	const char *conds[] = {s->by_id};
	if (listq_where(where, sizeof where, s->select, conds, 1, 1))
		return -1;
	int w = snprintf(out, len, "SELECT row_to_json(x)::text FROM (%s) x", where);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

enum MHD_Result listq_reply_one(struct request *r, const struct listq_spec *s)
{
	char sql[LQ_SQL_MAX / 2];
	const char *p[] = {r->param[0]};
	char missing[64];
	snprintf(missing, sizeof missing, "no such %s", s->what);
	if (listq_one_sql(s, sql, sizeof sql))
		return reply_error(r, 500, "internal", "query too long", NULL);
	return reply_query_json(r, 200, sql, 1, p, 404, missing);
}

PGresult *listq_network_rows(struct request *r, const struct listq_spec *s,
                             const char *network_id, bool as_json)
{
	const char *cond = NULL;
	for (size_t i = 0; i < s->nfilters; i++)
		if (!strcmp(s->filters[i].param, "network_id"))
			cond = s->filters[i].cond;
	char where[LQ_SQL_MAX / 2], sql[LQ_SQL_MAX / 2];
	const char *conds[] = {cond}, *p[] = {network_id};
	if (!cond || listq_where(where, sizeof where, s->select, conds, 1, 1))
		return NULL;
	const char *order = s->sorts[0].order;
	int w = as_json ? snprintf(sql, sizeof sql,
	                           "SELECT coalesce(json_agg(x ORDER BY %s), '[]')::text "
	                           "FROM (%s) x",
	                           order, where)
	                : snprintf(sql, sizeof sql, "SELECT * FROM (%s) x ORDER BY %s",
	                           where, order);
	if (w < 0 || w >= (int)sizeof sql)
		return NULL;
	return db_tenant_query(r->gw->db, &r->who, sql, 1, p);
}
