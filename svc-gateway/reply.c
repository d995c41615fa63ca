#include "reply.h"

#include "db.h"
#include "etag.h"
#include "http.h"
#include "request.h"
#include "sc_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void reply_utc_now(char *at, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	strftime(at, len, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
}
#include <strings.h>

static bool has_header(const struct request *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return true;
	return false;
}

static void common_headers(struct request *r, struct MHD_Response *resp)
{
	/* A response with a validator may be kept and revalidated (never
	 * shared); anything else is not kept at all. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        has_header(r, "ETag") ? "private, no-cache" : "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
}

/* A successful GET gets a weak ETag of its body (unless its route set a
 * validator of its own), and a client that has that body already gets 304
 * and none. True when the 304 is the answer. */
static bool not_modified(struct request *r, unsigned status, const void *data, size_t len)
{
	if (status != 200 || (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")))
		return false;
	char etag[48];
	if (!has_header(r, "ETag")) {
		if (etag_of(data, len, etag, sizeof etag))
			return false;
		request_add_header(r, "ETag", etag);
	}
	const char *inm = request_header(r, "If-None-Match");
	for (size_t i = 0; inm && i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, "ETag"))
			return etag_matches(inm, r->headers[i].value);
	return false;
}

enum MHD_Result reply_bytes(struct request *r, unsigned status, const char *type,
                            const void *data, size_t len)
{
	if (not_modified(r, status, data, len)) {
		status = 304;
		type = NULL;
		len = 0;
	}
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	common_headers(r, resp);
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

enum MHD_Result reply_json(struct request *r, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(body);
	static const char internal[] =
	    "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}";
	if (!text)
		return reply_bytes(r, 500, "application/json", internal,
		                   sizeof internal - 1);
	size_t len = strlen(text);
	text[len] = '\0';
	enum MHD_Result ret = reply_bytes(r, status, "application/json", text, len);
	free(text);
	return ret;
}

enum MHD_Result reply_error(struct request *r, unsigned status, const char *code,
                            const char *message, const char *field)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (field)
		json_object_set_new(err, "field", json_string(field));
	return reply_json(r, status, json_pack("{s:o}", "error", err));
}

enum MHD_Result reply_empty(struct request *r, unsigned status)
{
	return reply_bytes(r, status, NULL, "", 0);
}

enum MHD_Result reply_db_error(struct request *r)
{
	return reply_error(r, 503, "unavailable", "the database is not available", NULL);
}

enum MHD_Result reply_not_found(struct request *r, const char *what)
{
	return reply_error(r, 404, "not_found", what, NULL);
}

enum MHD_Result reply_query_json(struct request *r, unsigned status, const char *sql,
                                 int nparams, const char *const *params,
                                 unsigned missing_status, const char *missing)
{
	PGresult *q = db_tenant_query(r->gw->db, &r->who, sql, nparams, params);
	enum MHD_Result res;
	if (!q)
		res = reply_db_error(r);
	else if (PQntuples(q) == 0 || PQgetisnull(q, 0, 0))
		res = reply_error(r, missing_status,
		                  missing_status == 409 ? "conflict" : "not_found",
		                  missing, NULL);
	else
		res = reply_bytes(r, status, "application/json", PQgetvalue(q, 0, 0),
		                  (size_t)PQgetlength(q, 0, 0));
	PQclear(q);
	return res;
}
