/* Fingerprint definitions: GET /api/v1/definitions lists the built-in ones
 * (the catalogue the fingerprint service publishes beside the probe plan)
 * and the organisation's own; POST, PUT and DELETE manage its own. Each write
 * is checked by the fingerprint service's own loader (the organisation's
 * whole file over the built-in definitions, as the service will load it),
 * stored in core.definitions, and handed to the fingerprint replicas as the
 * organisation's file in the SC_KV_DEFS bucket, which they watch: the change
 * applies to that organisation's observations only, without a restart. */
#include "db.h"
#include "fp.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_log.h"
#include "sc_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_MAX_BYTES (256 * 1024)
#define DEF_ROW                                                                          \
	"json_build_object('id', d.id, 'definition_id', d.definition_id, 'definition', " \
	"d.body, 'created_at', d.created_at, 'updated_at', d.updated_at)"

/* A list item for one of the organisation's definitions. */
static json_t *own_item(json_t *row)
{
	json_t *b = json_object_get(row, "definition"), *ports = json_array(), *p;
	size_t i;
	json_array_foreach(json_object_get(b, "ports"), i, p)
	{
		char buf[24];
		if (json_is_integer(p))
			snprintf(buf, sizeof buf, "%lld/tcp",
			         (long long)json_integer_value(p));
		else
			snprintf(buf, sizeof buf, "%s",
			         json_string_value(p) ? json_string_value(p) : "");
		json_array_append_new(ports, json_string(buf));
	}
	const char *tier = json_str(b, "tier");
	const char *scope = json_str(b, "scope");
	return json_pack(
	    "{s:O, s:O, s:O, s:O*, s:O*, s:O*, s:O*, s:s, s:s, s:o, s:s, s:O}", "id",
	    json_object_get(row, "id"), "definition_id",
	    json_object_get(row, "definition_id"), "name", json_object_get(b, "name"),
	    "category", json_object_get(b, "category"), "vendor",
	    json_object_get(b, "vendor"), "product", json_object_get(b, "product"),
	    "description", json_object_get(b, "description"), "tier",
	    tier ? tier : "product", "scope", scope ? scope : "port", "ports", ports,
	    "source", "organization", "definition", b);
}

/* The built-in catalogue as list items; NULL when none is published yet. */
static json_t *builtin_items(struct request *r, json_t *own)
{
	char *text = NULL;
	if (sc_nats_kv_get(&r->gw->svc.nats, SC_KV_PLAN, "definitions", &text))
		return NULL;
	json_t *cat = json_loads(text, 0, NULL), *out = json_array(), *d;
	free(text);
	size_t i, k;
	json_array_foreach(json_object_get(cat, "definitions"), i, d)
	{
		json_t *item = json_deep_copy(d), *o;
		const char *id = json_str(d, "id");
		bool overridden = false;
		json_array_foreach(own, k,
		                   o) if (id && json_str(o, "definition_id") &&
		                          !strcmp(id, json_str(o, "definition_id")))
		    overridden = true;
		json_object_set(item, "definition_id", json_object_get(d, "id"));
		json_object_del(item, "id");
		json_object_set_new(item, "source", json_string("builtin"));
		json_object_set_new(item, "overridden", json_boolean(overridden));
		json_array_append_new(out, item);
	}
	json_decref(cat);
	return out;
}

/* GET /api/v1/definitions[?source=builtin|organization&category=]. */
enum MHD_Result api_definitions_list(struct request *r)
{
	const char *source = request_query(r, "source"),
	           *cat = request_query(r, "category");
	if (source && strcmp(source, "builtin") && strcmp(source, "organization"))
		return reply_error(r, 422, "invalid_field",
		                   "source: builtin or organization", "source");
	PGresult *q = db_tenant_query(r->gw->db, &r->who,
	                              "SELECT coalesce(json_agg(" DEF_ROW
	                              " ORDER BY d.definition_id), '[]')::text FROM "
	                              "core.definitions d",
	                              0, NULL);
	if (!q)
		return reply_db_error(r);
	json_t *rows = json_loads(PQgetvalue(q, 0, 0), 0, NULL), *own = json_array(),
	       *row;
	PQclear(q);
	size_t i;
	json_array_foreach(rows, i, row) json_array_append_new(own, own_item(row));
	json_decref(rows);
	json_t *all = json_array();
	if (!source || !strcmp(source, "builtin")) {
		json_t *b = builtin_items(r, own);
		if (!b) {
			json_decref(own);
			json_decref(all);
			return reply_error(
			    r, 503, "unavailable",
			    "no definitions published yet (scanopy-fingerprint "
			    "publishes them when it starts)",
			    NULL);
		}
		json_array_extend(all, b);
		json_decref(b);
	}
	if (!source || !strcmp(source, "organization"))
		json_array_extend(all, own);
	json_decref(own);
	if (cat) {
		json_t *kept = json_array(), *d;
		json_array_foreach(all, i, d) if (json_str(d, "category") &&
		                                  !strcmp(json_str(d, "category"), cat))
		    json_array_append(kept, d);
		json_decref(all);
		all = kept;
	}
	char n[24];
	snprintf(n, sizeof n, "%zu", json_array_size(all));
	request_add_header(r, "X-Total-Count", n);
	return reply_json(r, 200, all);
}

/* GET /api/v1/definitions/{id}: one of the organisation's own. */
enum MHD_Result api_definition_get(struct request *r)
{
	const char *p[] = {r->param[0]};
	return reply_query_json(
	    r, 200, "SELECT " DEF_ROW "::text FROM core.definitions d WHERE d.id = $1", 1,
	    p, 404, "no such definition of this organisation");
}

/* The organisation's file: {"format": 1, "definitions": [...]} (JSON, which
 * the loader reads as YAML), one definition per line so that the loader's
 * line numbers point at one. Caller frees. */
static char *org_file(json_t *defs)
{
	size_t i, len = 64, at = 0;
	json_t *d;
	char **parts = calloc(json_array_size(defs) + 1, sizeof *parts);
	if (!parts)
		return NULL;
	json_array_foreach(defs, i, d)
	{
		parts[i] = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
		len += (parts[i] ? strlen(parts[i]) : 0) + 4;
	}
	char *text = malloc(len);
	if (text)
		at = (size_t)snprintf(text, len, "{\"format\": 1, \"definitions\": [\n");
	json_array_foreach(defs, i, d)
	{
		if (text && parts[i])
			at += (size_t)snprintf(text + at, len - at, "%s%s\n", parts[i],
			                       i + 1 < json_array_size(defs) ? "," : "");
		free(parts[i]);
	}
	free(parts);
	if (text)
		snprintf(text + at, len - at, "]}\n");
	return text;
}

/* Loads the file over the built-in definitions with the fingerprint service's
 * loader: 0, or -1 with the loader's "file:line: reason" lines in *errors. */
static int validate(struct gateway *gw, const char *text, char **errors)
{
	const char *dirs[] = {gw->definitions_dir};
	struct fp_load_opts o = {dirs, 1, NULL};
	const char *names[] = {"definitions"}, *texts[] = {text};
	size_t lens[] = {strlen(text)};
	struct fp_set *s = NULL;
	int rc = fp_set_load_with(&o, names, texts, lens, 1, &s, errors);
	fp_set_unref(s);
	return rc;
}

/* One write: `body` (NULL: delete) replaces the definition with key `key`
 * (NULL: a new one). Everything under the organisation's lock, in one
 * transaction: the others read, the file validated, the row written, the
 * file handed to the fingerprint replicas, then the commit. */
static enum MHD_Result write_definition(struct request *r, const char *key, json_t *body)
{
	const char *def_id = body ? json_str(body, "id") : NULL;
	if (body && (!def_id || !*def_id || strlen(def_id) > 64))
		return reply_error(r, 422, "invalid_field",
		                   "id: the definition's id (1-64 of a-z, 0-9, . _ -)",
		                   "id");
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	PGresult *q = NULL, *w = NULL;
	char *text = NULL, *errors = NULL, *bodytext = NULL;
	const char *o[] = {r->who.org_id};
	int rc = db_begin_tenant(c, &r->who);
	unsigned status = 0;
	const char *code = NULL, *msg = NULL;
	if (rc == 0)
		rc = sc_pg_exec(
		    c, "SELECT pg_advisory_xact_lock(hashtextextended('defs:' || $1, 0))",
		    1, o);
	if (rc == 0 && key) {
		const char *k[] = {key};
		PGresult *e =
		    sc_pg_query(c, "SELECT 1 FROM core.definitions WHERE id = $1", 1, k);
		rc = e ? 0 : -1;
		if (e && PQntuples(e) == 0)
			status = 404, code = "not_found",
			msg = "no such definition of this organisation";
		PQclear(e);
	}
	const char *k[] = {key};
	if (rc == 0 && !status)
		rc = (q = sc_pg_query(
		          c,
		          "SELECT coalesce(json_agg(body ORDER BY definition_id), "
		          "'[]')::text, bool_or(definition_id = $2) FROM "
		          "core.definitions WHERE $1::uuid IS NULL OR id <> $1::uuid",
		          2, (const char *[]){key, def_id}))
		         ? 0
		         : -1;
	if (rc == 0 && !status && !strcmp(PQgetvalue(q, 0, 1), "t"))
		status = 409, code = "conflict",
		msg = "the organisation has a definition with this id already";
	json_t *defs =
	    rc == 0 && !status ? json_loads(PQgetvalue(q, 0, 0), 0, NULL) : NULL;
	if (defs && body)
		json_array_append(defs, body);
	if (defs && !(text = org_file(defs)))
		rc = -1;
	if (rc == 0 && text && body && validate(r->gw, text, &errors))
		status = 422, code = "invalid_definition",
		msg = errors ? errors : "the definition does not load";
	if (rc == 0 && !status && body) {
		bodytext = json_dumps(body, JSON_COMPACT);
		const char *p[] = {key, r->who.org_id, def_id, bodytext, r->who.user_id};
		w = sc_pg_query(
		    c,
		    key ? "UPDATE core.definitions d SET definition_id = $3, "
		          "body = $4::jsonb, "
		          "updated_at = now(), updated_by = $5::uuid WHERE "
		          "d.id = $1::uuid "
		          "AND $2::uuid IS NOT NULL RETURNING " DEF_ROW "::text"
		        : "INSERT INTO core.definitions AS d (org_id, "
		          "definition_id, body, "
		          "updated_by) SELECT $2::uuid, $3, $4::jsonb, $5::uuid "
		          "WHERE $1::uuid IS NULL RETURNING " DEF_ROW "::text",
		    5, p);
		rc = w ? 0 : -1;
	} else if (rc == 0 && !status) {
		rc = sc_pg_exec(c, "DELETE FROM core.definitions WHERE id = $1", 1, k);
	}
	/* Handed on before the commit: if the bucket cannot take it, nothing
	 * changes. The organisation's lock keeps the bucket in commit order. */
	if (rc == 0 && !status) {
		int replicas = (int)r->gw->svc.nats_replicas;
		rc = json_array_size(defs)
		         ? sc_nats_kv_put(&r->gw->svc.nats, SC_KV_DEFS, r->who.org_id,
		                          text, replicas)
		         : sc_nats_kv_delete(&r->gw->svc.nats, SC_KV_DEFS, r->who.org_id,
		                             replicas);
	}
	rc = db_end(c, rc || status ? -1 : 0);
	db_release(r->gw->db, c);
	enum MHD_Result res;
	if (status) {
		char shown[1200];
		snprintf(shown, sizeof shown, "%s", msg);
		res = reply_error(r, status, code, shown,
		                  status == 422 ? "definition" : NULL);
	} else if (rc) {
		res = reply_db_error(r);
	} else if (w) {
		res = reply_bytes(r, key ? 200 : 201, "application/json",
		                  PQgetvalue(w, 0, 0), (size_t)PQgetlength(w, 0, 0));
	} else {
		res = reply_empty(r, 204);
	}
	json_decref(defs);
	PQclear(q);
	PQclear(w);
	free(text);
	free(errors);
	free(bodytext);
	return res;
}

static enum MHD_Result with_body(struct request *r, const char *key)
{
	if (r->body_len > DEF_MAX_BYTES)
		return reply_error(r, 413, "too_large", "a definition is at most 256 KiB",
		                   NULL);
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	res = write_definition(r, key, in);
	json_decref(in);
	return res;
}

/* POST /api/v1/definitions: a definition object, as in the built-in files. */
enum MHD_Result api_definitions_create(struct request *r)
{
	return with_body(r, NULL);
}

/* PUT /api/v1/definitions/{id}: replaces it. */
enum MHD_Result api_definition_put(struct request *r)
{
	return with_body(r, r->param[0]);
}

enum MHD_Result api_definition_delete(struct request *r)
{
	return write_definition(r, r->param[0], NULL);
}
