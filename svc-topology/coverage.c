/* Hosts a complete sweep missed: see coverage.h. */
#include "coverage.h"

#include "resolve.h"
#include "wbuf.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int coverage_cidr(const char *in, char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = in ? strchr(in, '/') : NULL;
	if (!slash || (size_t)(slash - in) >= sizeof addr || !slash[1])
		return -1;
	memcpy(addr, in, (size_t)(slash - in));
	addr[slash - in] = '\0';
	char *end;
	unsigned long bits = strtoul(slash + 1, &end, 10);
	if (*end || slash[1] < '0' || slash[1] > '9')
		return -1;
	unsigned char a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	unsigned max = family == AF_INET6 ? 128 : 32;
	if (bits > max || inet_pton(family, addr, a) != 1)
		return -1;
	for (unsigned i = 0; i < max / 8; i++) {
		unsigned keep = bits > i * 8 ? bits - i * 8 : 0;
		if (keep < 8)
			a[i] &= (unsigned char)(0xff << (8 - keep));
	}
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, a, text, sizeof text))
		return -1;
	return snprintf(out, len, "%s/%lu", text, bits) < (int)len ? 0 : -1;
}

/* $1 network, $2 CIDRs, $3 started and $4 finished (epoch seconds), $5
 * daemon, $6 sequence: marks the hosts missed, records their changes, and
 * says how many. */
static const char SQL_MISSED[] =
    "WITH t AS (SELECT c::cidr AS c FROM unnest($2::text[]) AS c), g AS (UPDATE "
    "inv.hosts h SET gone_at = to_timestamp($4), gone_reason = 'missed_by_scan' "
    "WHERE h.network_id = $1 AND h.gone_at IS NULL AND NOT h.is_daemon AND "
    "h.last_seen < to_timestamp($3) AND EXISTS (SELECT 1 FROM inv.addresses a WHERE "
    "a.host_id = h.id AND a.swept_at IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM "
    "inv.addresses a WHERE a.host_id = h.id AND NOT EXISTS (SELECT 1 FROM t WHERE "
    "a.ip <<= t.c)) RETURNING h.id, h.org_id, h.last_seen), c AS (INSERT INTO "
    "inv.changes (org_id, network_id, at, kind, host_id, detail, daemon_id, "
    "sequence) SELECT g.org_id, $1, to_timestamp($4), 'host_disappeared', g.id, "
    "jsonb_build_object('reason', 'missed_by_scan', 'last_seen', g.last_seen, "
    "'scan_started', to_timestamp($3), 'scan_finished', to_timestamp($4), "
    "'targets', (SELECT jsonb_agg(DISTINCT t.c::text) FROM t JOIN inv.addresses a "
    "ON a.ip <<= t.c WHERE a.host_id = g.id)), $5, $6 FROM g ORDER BY g.last_seen, "
    "g.id) SELECT count(*) FROM g";

static void epoch_text(int64_t ms, char out[32])
{
	snprintf(out, 32, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

int apply_coverage(struct batch_ctx *b, const Scanopy__V1__ScanCoverage *c)
{
	if (!c->complete || !c->has_started_at_ms || c->started_at_ms <= 0 ||
	    !c->n_targets)
		return 0;
	struct pgarr cidrs = {0};
	for (size_t i = 0; i < c->n_targets; i++) {
		char cidr[64];
		/* A target that is no CIDR covers nothing (a newer daemon's
		 * form, or garbage): the others still count. */
		if (coverage_cidr(c->targets[i], cidr, sizeof cidr) == 0)
			pgarr_add(&cidrs, cidr);
	}
	char started[32], finished[32];
	epoch_text(c->started_at_ms, started);
	/* The end: the daemon's, else the observation's time (daemon clock). */
	epoch_text(c->has_finished_at_ms && c->finished_at_ms >= c->started_at_ms
	               ? c->finished_at_ms
	               : b->seen_ms,
	           finished);
	const char *p[] = {b->network, pgarr_text(&cidrs), started,
	                   finished,   b->daemon,          b->seq_text};
	int rc = -1;
	/* The batch's own writes first (its sightings among them): a host it
	 * saw is not missed. */
	if (!cidrs.count)
		rc = 0;
	else if (p[1] && key_cache_flush(b) == 0) {
		PGresult *r = batch_query(b, SQL_MISSED, 6, p);
		if (r) {
			b->counts.hosts_disappeared +=
			    (unsigned)atoi(PQgetvalue(r, 0, 0));
			rc = 0;
		}
		PQclear(r);
	}
	pgarr_free(&cidrs);
	return rc;
}
