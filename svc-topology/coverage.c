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

static const struct coverage_opts defaults = {COVERAGE_MISSES, COVERAGE_KEEP_DAYS};

/* The service's options, else the defaults (a batch applied by a tool). */
static const struct coverage_opts *opts_of(const struct batch_ctx *b)
{
	return b->coverage ? b->coverage : &defaults;
}

/* The sweeps are kept (inv.scan_coverage, migration 0019): $1 org, $2
 * network, $3 started and $4 finished (epoch seconds; an end before the
 * start, from a daemon clock that stepped, is the start), $5 CIDRs, $6
 * daemon, $7 the days sweeps are kept. A sweep seen before (redelivered,
 * resent) is the same row: it counts once. Sweeps older than any host should
 * need go (a host not seen for that long is stale, gone.c, unless the days
 * are fewer). $8 the batch's sequence, kept with the sweep: its
 * host_disappeared changes name it. Says whether the sweep is new. */
static const char SQL_KEEP[] =
    "WITH i AS (INSERT INTO inv.scan_coverage (org_id, network_id, started_at, "
    "targets, finished_at, daemon_id, sequence) SELECT $1, $2, to_timestamp($3), "
    "ARRAY(SELECT DISTINCT c::cidr FROM unnest($5::text[]) AS c ORDER BY 1), "
    "GREATEST(to_timestamp($4), to_timestamp($3)), $6, $8 ON CONFLICT DO NOTHING "
    "RETURNING 1), d AS (DELETE FROM "
    "inv.scan_coverage WHERE network_id = $2 AND started_at < to_timestamp($3) - "
    "$7::int * interval '1 day') SELECT count(*) FROM i";

/* Hosts k (every host of the network that could be missed: not gone, not a
 * daemon, answered a sweep before) that $5 (the misses option) kept sweeps
 * started after they were last seen, each covering all their addresses, did
 * not hear: m, with the one that makes them gone (mk: its end is gone_at),
 * how many missed them up to its end (n) and when the first started. $1
 * network, $3 daemon, $4 sequence: the batch's, named by a change only when
 * the marking sweep was kept without its own. Marks them and records their
 * changes; says how many. One definition for a sweep's coverage and for
 * hosts a late sighting brought back (coverage_recheck). */
#define CANDIDATE                                                                        \
	"h.network_id = $1 AND h.gone_at IS NULL AND NOT h.is_daemon AND EXISTS "        \
	"(SELECT 1 FROM inv.addresses a WHERE a.host_id = h.id AND a.swept_at IS NOT "   \
	"NULL)"
#define MARK                                                                             \
	"m AS (SELECT k.id, k.org_id, k.last_seen, s.mk, s.first, (SELECT count(*) "     \
	"FROM "                                                                          \
	"unnest(s.ends) AS e WHERE e <= (s.mk).finished_at) AS n FROM k CROSS JOIN "     \
	"LATERAL (SELECT count(*) AS n, (array_agg(sc ORDER BY sc.finished_at, "         \
	"sc.started_at))[$5::int] AS mk, array_agg(sc.finished_at) AS ends, "            \
	"min(sc.started_at) AS first FROM inv.scan_coverage sc WHERE sc.network_id = "   \
	"$1 "                                                                            \
	"AND sc.started_at > k.last_seen AND NOT EXISTS (SELECT 1 FROM inv.addresses a " \
	"WHERE a.host_id = k.id AND NOT a.ip <<= ANY (sc.targets))) s WHERE s.n >= "     \
	"$5::int), g AS (UPDATE inv.hosts h SET gone_at = (m.mk).finished_at, "          \
	"gone_reason = 'missed_by_scan' FROM m WHERE h.id = m.id RETURNING h.id, "       \
	"h.org_id, h.last_seen, m.mk, m.first, m.n), c AS (INSERT INTO inv.changes "     \
	"(org_id, network_id, at, kind, host_id, detail, daemon_id, sequence) SELECT "   \
	"g.org_id, $1, (g.mk).finished_at, 'host_disappeared', g.id, "                   \
	"jsonb_build_object('reason', 'missed_by_scan', 'missed_sweeps', g.n, "          \
	"'last_seen', g.last_seen, 'first_scan_started', g.first, 'scan_started', "      \
	"(g.mk).started_at, 'scan_finished', (g.mk).finished_at, 'targets', (SELECT "    \
	"jsonb_agg(DISTINCT t::text) FROM unnest((g.mk).targets) AS t JOIN "             \
	"inv.addresses a ON a.ip <<= t WHERE a.host_id = g.id)), CASE WHEN "             \
	"(g.mk).sequence IS NULL THEN $3::uuid ELSE (g.mk).daemon_id END, "              \
	"coalesce((g.mk).sequence, $4::bigint) FROM g ORDER "                            \
	"BY g.last_seen, g.id) SELECT count(*) FROM g"

/* After a sweep ($2 its CIDRs, $6 its start): the hosts it could have heard
 * (every address inside its targets) and did not (not seen since it
 * started). */
static const char SQL_MISSED[] =
    "WITH t AS (SELECT c::cidr AS c FROM unnest($2::text[]) AS c), k AS (SELECT "
    "h.id, h.org_id, h.last_seen FROM inv.hosts h WHERE " CANDIDATE " AND "
    "h.last_seen < to_timestamp($6) AND NOT EXISTS (SELECT 1 FROM inv.addresses a "
    "WHERE a.host_id = h.id AND NOT EXISTS (SELECT 1 FROM t WHERE a.ip <<= "
    "t.c))), " MARK;

/* After a late sighting brought hosts back ($2 their ids). */
static const char SQL_RECHECK[] =
    "WITH k AS (SELECT h.id, h.org_id, h.last_seen FROM inv.hosts h WHERE h.id = "
    "ANY ($2::uuid[]) AND " CANDIDATE "), " MARK;

static int mark(struct batch_ctx *b, const char *sql, const char *set,
                const char *started)
{
	char misses[24];
	snprintf(misses, sizeof misses, "%ld", opts_of(b)->misses);
	const char *p[] = {b->network, set, b->daemon, b->seq_text, misses, started};
	PGresult *r = batch_query(b, sql, started ? 6 : 5, p);
	if (!r)
		return -1;
	b->counts.hosts_disappeared += (unsigned)atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int coverage_recheck(struct batch_ctx *b, const char *ids)
{
	return mark(b, SQL_RECHECK, ids, NULL);
}

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
	const char *set = pgarr_text(&cidrs);
	char days[24];
	snprintf(days, sizeof days, "%ld", opts_of(b)->keep_days);
	const char *p[] = {b->org, b->network, started, finished,
	                   set,    b->daemon,  days,    b->seq_text};
	int rc = -1;
	PGresult *r = NULL;
	/* The batch's own writes first (its sightings among them): a host it
	 * saw is not missed. A sweep already kept changes nothing more. */
	if (!cidrs.count)
		rc = 0;
	else if (set && key_cache_flush(b) == 0 && (r = batch_query(b, SQL_KEEP, 8, p)))
		rc = atoi(PQgetvalue(r, 0, 0)) ? mark(b, SQL_MISSED, set, started) : 0;
	PQclear(r);
	pgarr_free(&cidrs);
	return rc;
}
