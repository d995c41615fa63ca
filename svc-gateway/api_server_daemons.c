/* ServerPoll daemons, provisioned by the server: the daemon cannot connect
 * out, so an admin adds it here with the URL the server calls it at, and the
 * gateway makes its id and a call key (shown once). The key is configured on
 * the daemon (which keeps only its hash) and kept here sealed, since the
 * scheduler presents it on every call (call_key.h).
 *
 *   POST /api/v1/networks/{id}/server-daemons {name, url, tls_pin?}
 *   POST /api/v1/daemons/{id}/call-key {url?, tls_pin?}   a new key (the old
 *        one stops working), optionally a new URL and pin
 *
 * tls_pin is the https daemon's public key pin, as it logs it at start
 * ("sha256//<base64>"; several joined by ';' while a certificate is rotated).
 * The scheduler trusts the daemon by it instead of by an authority. */
#include "auth.h"
#include "call_key.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_pg.h"
#include "sched_api.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAEMON_URL_MAX 500

static bool url_valid(const char *u)
{
	return u && strlen(u) <= DAEMON_URL_MAX &&
	       (!strncmp(u, "http://", 7) || !strncmp(u, "https://", 8)) &&
	       !strpbrk(u, " \t\r\n@?#");
}

/* sha256//<43 base64 characters>= one or more times, joined by ';'. */
static bool pin_valid(const char *p)
{
	for (;;) {
		if (strncmp(p, "sha256//", 8))
			return false;
		p += 8;
		size_t n = strspn(
		    p,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
		if (n != 43 || p[43] != '=')
			return false;
		p += 44;
		if (!*p)
			return true;
		if (*p++ != ';')
			return false;
	}
}

/* tls_pin in a body: absent or null (NULL, 0), or a valid pin for an https
 * url (0); else -1 after replying 422. */
static int pin_of(struct request *r, json_t *in, const char *url, const char **pin,
                  enum MHD_Result *res)
{
	json_t *v = json_object_get(in, "tls_pin");
	*pin = NULL;
	if (!v || json_is_null(v))
		return 0;
	*pin = json_string_value(v);
	if (!*pin || strlen(*pin) > 1000 || !pin_valid(*pin))
		*res = reply_error(r, 422, "invalid_field",
		                   "tls_pin: the daemon's public key pin as it logs it, "
		                   "sha256//<base64> (several joined by ';')",
		                   "tls_pin");
	else if (!url || strncmp(url, "https://", 8))
		*res = reply_error(r, 422, "invalid_field",
		                   "tls_pin: give it with the daemon's https:// url",
		                   "tls_pin");
	else
		return 0;
	return -1;
}

static int new_uuid(char out[37])
{
	uint8_t b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
	         b[12], b[13], b[14], b[15]);
	return 0;
}

/* A fresh call key for daemon_id: the key, its prefix and its sealed hex
 * (caller frees). 0, or -1 after replying. */
static int make_key(struct request *r, const char *daemon_id, char key[96],
                    char prefix[16], char **sealed_hex, enum MHD_Result *res)
{
	if (!r->gw->have_secret_key) {
		*res = reply_error(r, 503, "unavailable",
		                   "the gateway has no secret key file to seal call keys "
		                   "with (see secret_key_file)",
		                   NULL);
		return -1;
	}
	*sealed_hex = NULL;
	if (auth_new_secret("scp_c_", key, 96) == 0)
		*sealed_hex = call_key_seal_hex(r->gw->secret_key, daemon_id, key);
	if (!*sealed_hex) {
		*res = reply_error(r, 500, "internal", "the call key could not be made",
		                   NULL);
		return -1;
	}
	snprintf(prefix, 16, "%.10s", key);
	return 0;
}

/* Replies with the daemon (one row: json text) plus the key, shown once,
 * then wipes the key. */
static enum MHD_Result reply_with_key(struct request *r, unsigned status, PGresult *q,
                                      char *key, const char *missing)
{
	enum MHD_Result res;
	json_t *j =
	    q && PQntuples(q) == 1 ? json_loads(PQgetvalue(q, 0, 0), 0, NULL) : NULL;
	if (!q)
		res = reply_db_error(r);
	else if (!j)
		res = reply_not_found(r, missing);
	else {
		json_object_set_new(j, "call_key", json_string(key));
		res = reply_json(r, status, j);
	}
	PQclear(q);
	OPENSSL_cleanse(key, strlen(key));
	return res;
}

#define SERVER_DAEMON_JSON                                                               \
	"json_build_object('daemon_id', d.id, 'network_id', d.network_id, 'name', "      \
	"d.name, 'mode', d.mode, 'url', d.url, 'tls_pin', d.tls_pin, "                   \
	"'call_key_prefix', d.call_key_prefix)::text"

enum MHD_Result api_server_daemons_create(struct request *r)
{
	enum MHD_Result res;
	json_t *in = request_json(r, &res);
	if (!in)
		return res;
	const char *name = json_str(in, "name"), *url = json_str(in, "url"), *pin;
	char id[37], key[96], prefix[16], *sealed = NULL;
	if (!name || !*name || strlen(name) > 200)
		res = reply_error(r, 422, "invalid_field", "name: 1 to 200 characters",
		                  "name");
	else if (!url_valid(url))
		res = reply_error(r, 422, "invalid_field",
		                  "url: http(s)://host:port of the daemon, up to 500 "
		                  "characters",
		                  "url");
	else if (pin_of(r, in, url, &pin, &res))
		;
	else if (new_uuid(id))
		res = reply_error(r, 500, "internal", "no randomness", NULL);
	else if (make_key(r, id, key, prefix, &sealed, &res) == 0) {
		const char *p[] = {id,  r->who.org_id, r->param[0], name,
		                   url, sealed,        prefix,      pin};
		/* The SELECT through RLS proves the network is this organisation's. */
		PGresult *q = db_tenant_query(
		    r->gw->db, &r->who,
		    "WITH d AS (INSERT INTO core.daemons (id, org_id, network_id, name, "
		    "mode, url, call_key_sealed, call_key_prefix, tls_pin) SELECT $1, "
		    "$2, "
		    "n.id, $4, 'server_poll', $5, decode($6, 'hex'), $7, $8 FROM "
		    "core.networks n WHERE n.id = $3 RETURNING *), sch AS "
		    "(" DEFAULT_SCHEDULES_OF_D ") SELECT " SERVER_DAEMON_JSON " FROM d",
		    8, p);
		res = reply_with_key(r, 201, q, key, "no such network");
	}
	free(sealed);
	json_decref(in);
	return res;
}

enum MHD_Result api_daemon_call_key(struct request *r)
{
	enum MHD_Result res;
	json_t *in = r->body_len ? request_json(r, &res) : json_object();
	if (!in)
		return res;
	const char *url = json_str(in, "url"), *pin;
	char key[96], prefix[16], *sealed = NULL;
	/* A new url without a pin drops the old pin: it was the old URL's. */
	bool url_given = json_object_get(in, "url") != NULL;
	if (url_given && !url_valid(url))
		res = reply_error(r, 422, "invalid_field",
		                  "url: http(s)://host:port of the daemon", "url");
	else if (json_object_get(in, "tls_pin") && !url_given)
		res = reply_error(r, 422, "invalid_field",
		                  "tls_pin: give it with the daemon's https:// url",
		                  "tls_pin");
	else if (pin_of(r, in, url, &pin, &res))
		;
	else if (make_key(r, r->param[0], key, prefix, &sealed, &res) == 0) {
		const char *p[] = {r->param[0], url, sealed,
		                   prefix,      pin, url_given ? "t" : "f"};
		PGresult *q = db_tenant_query(
		    r->gw->db, &r->who,
		    "WITH d AS (UPDATE core.daemons SET url = coalesce($2, url), "
		    "tls_pin = CASE WHEN $6::bool THEN $5 ELSE tls_pin END, "
		    "call_key_sealed = decode($3, 'hex'), call_key_prefix = $4 WHERE id "
		    "= $1 AND mode = 'server_poll' RETURNING *) "
		    "SELECT " SERVER_DAEMON_JSON " FROM d",
		    6, p);
		res = reply_with_key(r, 200, q, key, "no such server_poll daemon");
	}
	free(sealed);
	json_decref(in);
	return res;
}
