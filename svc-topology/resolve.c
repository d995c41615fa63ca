#include "resolve.h"

#include "changes.h"
#include "coverage.h"
#include "sc_log.h"
#include "sc_pg.h"
#include "wbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-batch cache: "kind\x1fvalue" -> host, and "#host\x1f<uuid>" -> the
 * newest observation time of a host touched by the batch. */
struct cache_entry {
	char *key;
	char host[HOST_ID_LEN];
	double bound; /* epoch seconds the key was bound at */
	int64_t seen_ms;
	bool absent; /* looked up: bound to no host */
};

struct key_cache {
	struct cache_entry *e;
	size_t cap, n;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct key_cache *key_cache_new(void)
{
	struct key_cache *c = calloc(1, sizeof *c);
	if (c && !(c->e = calloc(c->cap = 256, sizeof *c->e))) {
		free(c);
		return NULL;
	}
	return c;
}

void key_cache_free(struct key_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->e[i].key);
	free(c->e);
	free(c);
}

static struct cache_entry *slot(struct key_cache *c, const char *key)
{
	size_t i = hash(key) & (c->cap - 1);
	while (c->e[i].key && strcmp(c->e[i].key, key))
		i = (i + 1) & (c->cap - 1);
	return &c->e[i];
}

static struct cache_entry *cache_get(struct key_cache *c, const char *kind, const char *v)
{
	char k[192];
	snprintf(k, sizeof k, "%s\x1f%s", kind, v);
	struct cache_entry *e = slot(c, k);
	return e->key ? e : NULL;
}

static int cache_put(struct key_cache *c, const char *kind, const char *v,
                     const char *host, double bound, int64_t seen_ms)
{
	if ((c->n + 1) * 2 > c->cap) { /* grow at half full */
		struct key_cache g = {.cap = c->cap * 2};
		if (!(g.e = calloc(g.cap, sizeof *g.e)))
			return -1;
		for (size_t i = 0; i < c->cap; i++)
			if (c->e[i].key)
				*slot(&g, c->e[i].key) = c->e[i];
		free(c->e);
		c->e = g.e;
		c->cap = g.cap;
	}
	char k[192];
	snprintf(k, sizeof k, "%s\x1f%s", kind, v);
	struct cache_entry *e = slot(c, k);
	if (!e->key) {
		if (!(e->key = strdup(k)))
			return -1;
		c->n++;
		e->seen_ms = 0;
	}
	e->absent = false;
	snprintf(e->host, sizeof e->host, "%s", host);
	e->bound = bound;
	if (seen_ms > e->seen_ms)
		e->seen_ms = seen_ms;
	return 0;
}

/* A merge renamed `from` to `to`: so must the cache. */
static void cache_rename(struct key_cache *c, const char *from, const char *to)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->e[i].key && !strcmp(c->e[i].host, from))
			snprintf(c->e[i].host, sizeof c->e[i].host, "%s", to);
}

/* $1 network, $2 daemon, $3 sequence, then per host: id, gone_at,
 * gone_reason, last_seen before (epoch seconds). */
static const char SQL_REAPPEARED[] =
    "INSERT INTO inv.changes (org_id, network_id, at, kind, host_id, detail, "
    "daemon_id, sequence) SELECT h.org_id, $1, h.last_seen, 'host_reappeared', "
    "h.id, jsonb_build_object('reason', coalesce(x.reason, 'stale'), 'gone_at', "
    "x.gone_at, 'last_seen_before', to_timestamp(x.before), 'gone_for_s', "
    "round(extract(epoch FROM h.last_seen) - x.before)), $2, $3 FROM "
    "unnest($4::uuid[], $5::timestamptz[], $6::text[], $7::float8[]) AS x(id, "
    "gone_at, reason, before) JOIN inv.hosts h ON h.id = x.id ORDER BY "
    "h.last_seen, h.id";

/* $1 network, $2 hosts, $3 their gone_at: the host_disappeared changes of
 * marks a sighting from before the marking sweep ended disproves, applied
 * after the sweep's coverage (redelivery, replicas): the host was not missed
 * as marked. */
static const char SQL_NEVER_MISSED[] =
    "DELETE FROM inv.changes c USING unnest($2::uuid[], $3::timestamptz[]) AS "
    "x(id, at) WHERE c.network_id = $1 AND c.kind = 'host_disappeared' AND "
    "c.host_id = x.id AND c.at = x.at AND c.detail->>'reason' = 'missed_by_scan'";

/* The hosts key_cache_flush found back (its rows: id, the old gone_at,
 * gone_reason and last_seen, back?, seen before the sweep that marked it
 * ended?): one host_reappeared change each, with why it was gone and for how
 * long it was not seen; or, when one of the sweeps that marked it missed had
 * heard it after all (its sighting was applied after the sweep's coverage),
 * no change at all and the mark's own change undone. Then the kept sweeps
 * since the sighting may miss it still (coverage_recheck): it is gone again
 * as of those, so the order batches arrive in changes nothing. Rare: usually
 * none. */
static int back_again(struct batch_ctx *b, PGresult *r)
{
	struct pgarr c[4] = {{0}}, undo[2] = {{0}}, back = {0};
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 4), "t"))
			continue;
		pgarr_add(&back, PQgetvalue(r, i, 0));
		if (!strcmp(PQgetvalue(r, i, 5), "t")) {
			pgarr_add(&undo[0], PQgetvalue(r, i, 0));
			pgarr_add(&undo[1], PQgetvalue(r, i, 1));
			b->counts.hosts_not_missed++;
			continue;
		}
		for (int k = 0; k < 4; k++)
			pgarr_add(&c[k],
			          PQgetisnull(r, i, k) ? NULL : PQgetvalue(r, i, k));
		b->counts.hosts_reappeared++;
	}
	int rc = 0;
	if (undo[0].count) {
		const char *p[] = {b->network, pgarr_text(&undo[0]),
		                   pgarr_text(&undo[1])};
		rc = p[1] && p[2] ? batch_exec(b, SQL_NEVER_MISSED, 3, p) : -1;
	}
	pgarr_free(&undo[0]);
	pgarr_free(&undo[1]);
	if (rc == 0 && c[0].count) {
		const char *p[] = {b->network,        b->daemon,
		                   b->seq_text,       pgarr_text(&c[0]),
		                   pgarr_text(&c[1]), pgarr_text(&c[2]),
		                   pgarr_text(&c[3])};
		rc = p[3] && p[4] && p[5] && p[6] ? batch_exec(b, SQL_REAPPEARED, 7, p)
		                                  : -1;
	}
	for (int k = 0; k < 4; k++)
		pgarr_free(&c[k]);
	if (rc == 0 && back.count) {
		const char *ids = pgarr_text(&back);
		rc = ids ? coverage_recheck(b, ids) : -1;
	}
	pgarr_free(&back);
	return rc;
}

int key_cache_flush(struct batch_ctx *b)
{
	struct key_cache *c = b->cache;
	struct pgarr ids = {0}, seen = {0};
	for (size_t i = 0; i < c->cap; i++) {
		struct cache_entry *e = &c->e[i];
		if (!e->key || strncmp(e->key, "#host\x1f", 6))
			continue;
		char at[32];
		snprintf(at, sizeof at, "%" PRId64 ".%03d", e->seen_ms / 1000,
		         (int)(e->seen_ms % 1000));
		pgarr_add(&ids, e->host);
		pgarr_add(&seen, at);
	}
	int rc = -1;
	const char *p[] = {pgarr_text(&ids), pgarr_text(&seen)};
	/* Hosts new to the batch and not yet written are written with these
	 * times; of the others, only hosts whose times move: no dead row for an
	 * unchanged one. A host seen later than before is back, if it had
	 * disappeared (gone.h, coverage.h): its mark goes, and o (the row as it
	 * was before this update, for gone hosts only) says so (back_again). */
	PGresult *r = NULL;
	if (p[0] && p[1] && wbuf_flush_hosts(b, p[0], p[1]) == 0)
		r = batch_query(
		    b,
		    "UPDATE inv.hosts h SET last_seen = GREATEST(h.last_seen, "
		    "to_timestamp(x.s)), first_seen = LEAST(h.first_seen, "
		    "to_timestamp(x.s)), gone_at = CASE WHEN to_timestamp(x.s) > "
		    "h.last_seen THEN NULL ELSE h.gone_at END, gone_reason = CASE WHEN "
		    "to_timestamp(x.s) > h.last_seen THEN NULL ELSE h.gone_reason END "
		    "FROM unnest($1::uuid[], $2::float8[]) AS x(id, s) LEFT JOIN "
		    "inv.hosts o ON o.id = x.id AND o.gone_at IS NOT NULL WHERE h.id = "
		    "ANY ($1::uuid[]) AND h.id = x.id AND (h.last_seen < "
		    "to_timestamp(x.s) OR h.first_seen > to_timestamp(x.s)) RETURNING "
		    "h.id, o.gone_at, o.gone_reason, extract(epoch FROM o.last_seen), "
		    "h.gone_at IS NULL AND o.gone_at IS NOT NULL, o.gone_reason = "
		    "'missed_by_scan' AND to_timestamp(x.s) <= o.gone_at",
		    2, p);
	if (r)
		rc = back_again(b, r);
	PQclear(r);
	pgarr_free(&ids);
	pgarr_free(&seen);
	return rc;
}

/* Every key of the batch looked up at once (prefetch.c): found ones are
 * cached with their host, the others as absent, so resolving asks nothing. */
int key_cache_prefetch(struct batch_ctx *b, struct pgarr *kinds, struct pgarr *values)
{
	if (!kinds->count)
		return 0;
	const char *p[] = {b->network, pgarr_text(kinds), pgarr_text(values)};
	if (!p[1] || !p[2])
		return -1;
	PGresult *r = batch_query(
	    b,
	    "SELECT k.kind, k.value, i.host_id, extract(epoch FROM i.bound_at) FROM "
	    "(SELECT DISTINCT * FROM unnest($2::text[], $3::text[])) AS k(kind, value) "
	    "LEFT JOIN LATERAL (SELECT i.host_id, i.bound_at FROM inv.host_identities i "
	    "WHERE i.network_id = $1 AND i.kind = k.kind AND i.value = k.value LIMIT 1) "
	    "i ON true",
	    3, p);
	if (!r)
		return -1;
	int rc = 0;
	for (int row = 0; row < PQntuples(r) && rc == 0; row++) {
		const char *kind = PQgetvalue(r, row, 0), *value = PQgetvalue(r, row, 1);
		if (cache_get(b->cache, kind, value))
			continue;
		bool absent = PQgetisnull(r, row, 2);
		rc = cache_put(b->cache, kind, value, absent ? "" : PQgetvalue(r, row, 2),
		               absent ? 0 : strtod(PQgetvalue(r, row, 3), NULL), 0);
		struct cache_entry *e = cache_get(b->cache, kind, value);
		if (rc == 0 && e)
			e->absent = absent;
	}
	PQclear(r);
	return rc;
}

static int touch(struct batch_ctx *b, const char *host)
{
	return cache_put(b->cache, "#host", host, host, 0, b->seen_ms);
}

struct found {
	bool have;
	char host[HOST_ID_LEN];
	double bound;
};

/* Looks every key up: the cache, then one indexed query for the rest. */
static int lookup(struct batch_ctx *b, const struct ident_set *s, struct found *f)
{
	char kinds[1024] = "{", values[4096] = "{";
	size_t nk = 1, nv = 1, missing = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct cache_entry *e =
		    cache_get(b->cache, s->key[i].kind, s->key[i].value);
		f[i].have = e && !e->absent;
		if (e && e->absent)
			continue;
		if (e) {
			memcpy(f[i].host, e->host, HOST_ID_LEN);
			f[i].bound = e->bound;
			continue;
		}
		/* Array literals of quoted elements; values hold no '"' or '\\'
		 * after normalisation, but escape them anyway. */
		nk += (size_t)snprintf(kinds + nk, sizeof kinds - nk, "%s\"%s\"",
		                       missing ? "," : "", s->key[i].kind);
		nv += (size_t)snprintf(values + nv, sizeof values - nv, "%s\"",
		                       missing ? "," : "");
		for (const char *v = s->key[i].value; *v && nv < sizeof values - 4; v++) {
			if (*v == '"' || *v == '\\')
				values[nv++] = '\\';
			values[nv++] = *v;
		}
		values[nv++] = '"';
		values[nv] = '\0';
		missing++;
	}
	if (!missing)
		return 0;
	snprintf(kinds + nk, sizeof kinds - nk, "}");
	snprintf(values + nv, sizeof values - nv, "}");
	const char *p[] = {b->network, kinds, values};
	PGresult *r = batch_query(
	    b,
	    "SELECT k.kind, k.value, i.host_id, extract(epoch FROM i.bound_at) FROM "
	    "unnest($2::text[], $3::text[]) AS k(kind, value) JOIN LATERAL (SELECT "
	    "i.host_id, i.bound_at FROM inv.host_identities i WHERE i.network_id = $1 "
	    "AND i.kind = k.kind AND i.value = k.value LIMIT 1) i ON true",
	    3, p);
	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++)
		for (size_t i = 0; i < s->n; i++)
			if (!f[i].have &&
			    !strcmp(s->key[i].kind, PQgetvalue(r, row, 0)) &&
			    !strcmp(s->key[i].value, PQgetvalue(r, row, 1))) {
				f[i].have = true;
				snprintf(f[i].host, HOST_ID_LEN, "%s",
				         PQgetvalue(r, row, 2));
				f[i].bound = strtod(PQgetvalue(r, row, 3), NULL);
			}
	PQclear(r);
	return 0;
}

static int create_host(struct batch_ctx *b, char id[HOST_ID_LEN])
{
	if (wb_uuid(id) || wb_host(b, id))
		return -1;
	b->counts.hosts_added++;
	b->touched_hosts = true;
	return change_log(b, "host_appeared", id, NULL);
}

/* 1 when the host has no identity but addresses, 0 if it has, -1 on error. */
static int only_addresses(struct batch_ctx *b, const char *host)
{
	const char *p[] = {host};
	PGresult *r =
	    batch_query(b,
	                "SELECT NOT EXISTS (SELECT 1 FROM inv.host_identities WHERE "
	                "host_id = $1 AND kind <> 'ip')",
	                1, p);
	if (!r)
		return -1;
	int only = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	return only;
}

/* 1 when a user split the two hosts apart (inv.host_splits): no scan joins
 * them again or moves a key between them; 0 otherwise, -1 on error. Asked
 * only before a join or a move, which are rare. */
static int kept_apart(struct batch_ctx *b, const char *x, const char *y)
{
	const char *p[] = {x, y};
	PGresult *r = batch_query(b, "SELECT inv.kept_apart($1, $2)", 2, p);
	if (!r)
		return -1;
	int apart = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	return apart;
}

static int merge_into(struct batch_ctx *b, const char *into, const char *other,
                      const char *reason, struct found *f, const struct ident_set *s)
{
	int apart = kept_apart(b, into, other);
	if (apart)
		return apart < 0 ? -1 : 0;
	char detail[128];
	snprintf(detail, sizeof detail, "{\"merged\":\"%s\"}", other);
	const char *mp[] = {into, other, reason};
	if (batch_exec(b, "SELECT inv.merge_hosts($1, $2, $3, NULL)", 3, mp) ||
	    change_log(b, "hosts_merged", into, detail))
		return -1;
	cache_rename(b->cache, other, into);
	for (size_t k = 0; k < s->n; k++)
		if (f[k].have && !strcmp(f[k].host, other))
			memcpy(f[k].host, into, HOST_ID_LEN);
	b->counts.hosts_updated++;
	b->touched_hosts = true;
	b->touched_l3_all = true;
	return 0;
}

/* Joins every other host named by the keys into the oldest of them. */
static int join_hosts(struct batch_ctx *b, const struct ident_set *s, struct found *f,
                      char target[HOST_ID_LEN])
{
	char ids[1024] = "{";
	size_t n = 1, distinct = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!f[i].have ||
		    (s->key[i].strength < IDENT_JOINS && strcmp(s->key[i].kind, "ip")))
			continue;
		if (strstr(ids, f[i].host))
			continue;
		n += (size_t)snprintf(ids + n, sizeof ids - n, "%s%s",
		                      distinct ? "," : "", f[i].host);
		distinct++;
	}
	snprintf(ids + n, sizeof ids - n, "}");
	if (distinct == 0)
		return 0;
	if (distinct == 1) { /* nothing to join */
		snprintf(target, HOST_ID_LEN, "%.36s", ids + 1);
		return 0;
	}
	const char *p[] = {ids};
	PGresult *r = batch_query(b,
	                          "SELECT id FROM inv.hosts WHERE id = ANY($1::uuid[]) "
	                          "ORDER BY first_seen, id",
	                          1, p);
	if (!r)
		return -1;
	int rc = 0;
	if (PQntuples(r) > 0)
		snprintf(target, HOST_ID_LEN, "%s", PQgetvalue(r, 0, 0));
	for (int i = 1; i < PQntuples(r) && rc == 0; i++) {
		const char *other = PQgetvalue(r, i, 0);
		char reason[192] = "keys reported together by the device";
		for (size_t k = 0; k < s->n; k++)
			if (f[k].have && !strcmp(f[k].host, other)) {
				snprintf(reason, sizeof reason,
				         "%s %s reported with the other's keys",
				         s->key[k].kind, s->key[k].value);
				break;
			}
		rc = merge_into(b, target, other, reason, f, s);
	}
	PQclear(r);
	return rc;
}

/* The address row of an ip key; the MAC only from ARP-style evidence. */
static int keep_address(struct batch_ctx *b, const char *ip, const char *mac,
                        const char *host, const char *source)
{
	return wb_address(b, ip, mac, host, source);
}

/* The MAC the address row already has, "" when none. */
static int address_mac(struct batch_ctx *b, const char *ip, char mac[18])
{
	const char *p[] = {b->network, ip};
	PGresult *r =
	    batch_query(b,
	                "SELECT coalesce(mac::text, '') FROM inv.addresses WHERE "
	                "network_id = $1 AND ip = $2",
	                2, p);
	if (!r)
		return -1;
	snprintf(mac, 18, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return 0;
}

static int bind_key(struct batch_ctx *b, const struct ident_key *k, const char *host,
                    bool move)
{
	const char *p[] = {b->org, b->network, k->kind,   k->value,
	                   host,   k->reason,  b->daemon, b->seen};
	if (move)
		return batch_exec(
		    b,
		    "UPDATE inv.host_identities SET host_id = $5, reason = $6, "
		    "daemon_id = $7, bound_at = to_timestamp($8), last_seen = "
		    "GREATEST(last_seen, to_timestamp($8)) WHERE network_id = $2 "
		    "AND kind = $3 AND value = $4 AND org_id = $1",
		    8, p);
	return wb_identity(b, k->kind, k->value, host, k->reason);
}

int resolve_host(struct batch_ctx *b, const struct ident_set *s, const char *source,
                 char id[HOST_ID_LEN])
{
	struct found f[IDENT_MAX_KEYS] = {0};
	if (s->n == 0)
		return 1;
	if (lookup(b, s, f))
		return -1;
	const struct ident_key *ipk = ident_find(s, "ip"), *mack = ident_find(s, "mac");
	size_t ipi = ipk ? (size_t)(ipk - s->key) : 0,
	       maci = mack ? (size_t)(mack - s->key) : 0;
	char target[HOST_ID_LEN] = "";
	double seen = (double)b->seen_ms / 1000.0;

	if (s->self) {
		if (join_hosts(b, s, f, target))
			return -1;
	} else if (mack && f[maci].have) {
		memcpy(target, f[maci].host, HOST_ID_LEN);
		/* The address's host is known by nothing but addresses: it was
		 * this machine all along, seen from afar (routed, no MAC). */
		if (ipk && f[ipi].have && strcmp(f[ipi].host, target)) {
			int only = only_addresses(b, f[ipi].host);
			if (only < 0 ||
			    (only && merge_into(b, target, f[ipi].host,
			                        "address bound to the host's MAC", f, s)))
				return -1;
		}
	} else if (ipk && f[ipi].have) {
		char had[18] = "";
		if (mack && address_mac(b, ipk->value, had))
			return -1;
		/* The address already answers with another MAC: a new machine
		 * took it (the address follows below if this is newer). */
		if (!(mack && *had && strcmp(had, mack->value)))
			memcpy(target, f[ipi].host, HOST_ID_LEN);
	} else {
		/* Only keys that name no machine yet (a weak one found
		 * elsewhere stays there). */
		for (size_t i = 0; i < s->n && !*target; i++)
			if (f[i].have && s->key[i].strength >= IDENT_JOINS)
				memcpy(target, f[i].host, HOST_ID_LEN);
	}
	if (!*target && create_host(b, target))
		return -1;

	bool ip_here = false;
	for (size_t i = 0; i < s->n; i++) {
		const struct ident_key *k = &s->key[i];
		bool move = false;
		if (f[i].have && !strcmp(f[i].host, target)) {
			ip_here |= k == ipk;
			continue;
		}
		if (f[i].have) {
			/* Held by another host: only an address moves, and only to
			 * newer evidence (so the order batches arrive in does not
			 * matter). */
			if (k != ipk || f[i].bound > seen)
				continue;
			int apart = kept_apart(b, f[i].host, target);
			if (apart < 0)
				return -1;
			if (apart)
				continue;
			move = true;
			b->touched_l3_all = true;
			char detail[256];
			snprintf(detail, sizeof detail,
			         "{\"ip\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}",
			         k->value, f[i].host, target);
			if (change_log(b, "address_moved", target, detail))
				return -1;
		}
		b->touched_hosts = true;
		if (bind_key(b, k, target, move) ||
		    cache_put(b->cache, k->kind, k->value, target, seen, b->seen_ms))
			return -1;
		ip_here |= k == ipk;
	}
	if (ipk && ip_here &&
	    keep_address(b, ipk->value, !s->self && mack ? mack->value : NULL, target,
	                 source))
		return -1;
	if (touch(b, target))
		return -1;
	memcpy(id, target, HOST_ID_LEN);
	return 0;
}

int resolve_ip(struct batch_ctx *b, const char *ip, const char *source,
               char id[HOST_ID_LEN])
{
	struct ident_set s = {.self = false};
	if (!ident_add_ip(&s, ip, source))
		return 1;
	/* Known in this batch already: no round trip. */
	struct cache_entry *e = cache_get(b->cache, "ip", s.key[0].value);
	if (e && !e->absent) {
		memcpy(id, e->host, HOST_ID_LEN);
		return touch(b, id);
	}
	return resolve_host(b, &s, source, id);
}
