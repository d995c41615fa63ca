#include "apply.h"

#include "sc_batch.h"
#include "sc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Shared parameter text for one batch: the org, network and observation time. */
struct batch_ctx {
	PGconn *pg;
	const char *org, *network;
	char seen[32]; /* unix seconds with ms fraction, for to_timestamp() */
};

static const char *protocol_name(Scanopy__V1__Protocol p)
{
	return p == SCANOPY__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp";
}

static void set_seen(struct batch_ctx *b, int64_t ms)
{
	if (ms <= 0) /* a daemon without a clock reading: use ours */
		ms = sc_now_ms();
	snprintf(b->seen, sizeof b->seen, "%" PRId64 ".%03d", ms / 1000,
	         (int)(ms % 1000));
}

/* Upserts the host at `ip`; mac and hostname only ever fill in, never erase. */
static int upsert_host(struct batch_ctx *b, const char *ip, const char *mac,
                       const char *hostname)
{
	const char *p[] = {b->org,
	                   b->network,
	                   ip,
	                   mac && *mac ? mac : NULL,
	                   hostname && *hostname ? hostname : NULL,
	                   b->seen};
	return sc_pg_exec(
	    b->pg,
	    "INSERT INTO inv.hosts (org_id, network_id, ip, mac, hostname, "
	    "first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, to_timestamp($6), "
	    "to_timestamp($6)) ON CONFLICT (network_id, ip) DO UPDATE SET "
	    "mac = COALESCE(EXCLUDED.mac, inv.hosts.mac), "
	    "hostname = COALESCE(EXCLUDED.hostname, inv.hosts.hostname), "
	    "last_seen = GREATEST(inv.hosts.last_seen, EXCLUDED.last_seen)",
	    6, p);
}

static int apply_port(struct batch_ctx *b, const Scanopy__V1__PortState *ps)
{
	static const char *const status[] = {"unknown", "open", "closed", "filtered",
	                                     "open|filtered"};
	if (!ps->ip || ps->port == 0 || ps->port > 65535 ||
	    ps->status > SCANOPY__V1__PORT_STATUS__PORT_OPEN_FILTERED)
		return 0; /* nothing usable: skip, as for an unknown kind */
	if (ps->status != SCANOPY__V1__PORT_STATUS__PORT_OPEN &&
	    ps->status != SCANOPY__V1__PORT_STATUS__PORT_OPEN_FILTERED)
		return 0; /* closed ports are not inventory */
	char port[8];
	snprintf(port, sizeof port, "%u", ps->port);
	if (upsert_host(b, ps->ip, NULL, NULL))
		return -1;
	const char *p[] = {
	    b->network,         ps->ip, b->org, protocol_name(ps->protocol), port,
	    status[ps->status], b->seen};
	return sc_pg_exec(
	    b->pg,
	    "INSERT INTO inv.ports (host_id, org_id, protocol, port, status, "
	    "first_seen, last_seen) SELECT h.id, $3, $4, $5, $6, to_timestamp($7), "
	    "to_timestamp($7) FROM inv.hosts h WHERE h.network_id = $1 AND h.ip = $2 "
	    "ON CONFLICT (host_id, protocol, port) DO UPDATE SET status = "
	    "EXCLUDED.status, last_seen = GREATEST(inv.ports.last_seen, "
	    "EXCLUDED.last_seen)",
	    7, p);
}

static int apply_self_report(struct batch_ctx *b, const Scanopy__V1__SelfReport *sr)
{
	for (size_t i = 0; i < sr->n_interfaces; i++) {
		const Scanopy__V1__DaemonInterface *ifc = sr->interfaces[i];
		if (ifc->type == SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LOOPBACK)
			continue;
		for (size_t j = 0; j < ifc->n_addresses; j++)
			if (ifc->addresses[j]->ip &&
			    upsert_host(b, ifc->addresses[j]->ip, ifc->mac, sr->hostname))
				return -1;
	}
	return 0;
}

static int apply_match(struct batch_ctx *b, const Scanopy__V1__ServiceMatch *m)
{
	if (!m->ip || !m->definition_id || !m->name)
		return 0;
	char port[8], conf[8];
	snprintf(port, sizeof port, "%u", m->port);
	snprintf(conf, sizeof conf, "%u", m->confidence > 100 ? 100 : m->confidence);
	if (upsert_host(b, m->ip, NULL, NULL))
		return -1;
	const char *p[] = {b->network, m->ip,
	                   b->org,     protocol_name(m->protocol),
	                   port,       m->definition_id,
	                   m->name,    m->category,
	                   m->product, m->version,
	                   conf,       b->seen};
	return sc_pg_exec(
	    b->pg,
	    "INSERT INTO inv.services (host_id, org_id, protocol, port, "
	    "definition_id, name, category, product, version, confidence, "
	    "first_seen, last_seen) SELECT h.id, $3, $4, $5, $6, $7, $8, $9, $10, "
	    "$11, to_timestamp($12), to_timestamp($12) FROM inv.hosts h WHERE "
	    "h.network_id = $1 AND h.ip = $2 ON CONFLICT (host_id, protocol, port, "
	    "definition_id) DO UPDATE SET product = EXCLUDED.product, version = "
	    "EXCLUDED.version, confidence = EXCLUDED.confidence, last_seen = "
	    "GREATEST(inv.services.last_seen, EXCLUDED.last_seen)",
	    12, p);
}

static int apply_observation(struct batch_ctx *b, const Scanopy__V1__Observation *o)
{
	switch (o->kind_case) {
	case SCANOPY__V1__OBSERVATION__KIND_HOST:
		return o->host->ip ? upsert_host(b, o->host->ip, o->host->mac, NULL) : 0;
	case SCANOPY__V1__OBSERVATION__KIND_PORT:
		return apply_port(b, o->port);
	case SCANOPY__V1__OBSERVATION__KIND_SELF_REPORT:
		return apply_self_report(b, o->self_report);
	default:
		/* Kinds the model does not hold yet (and kinds from newer
		 * daemons) are kept only in the ledger's count. */
		return 0;
	}
}

/* Records the batch in the ledger; 1 when it was new, 0 when seen before. */
static int record_batch(struct batch_ctx *b, const Scanopy__V1__ClassifiedBatch *cb)
{
	const Scanopy__V1__BatchHeader *h = cb->batch->header;
	char seq[24], nobs[16], nmatch[16], sent[32];
	snprintf(seq, sizeof seq, "%" PRIu64, h->sequence);
	snprintf(nobs, sizeof nobs, "%zu", cb->batch->n_observations);
	snprintf(nmatch, sizeof nmatch, "%zu", cb->n_matches);
	snprintf(sent, sizeof sent, "%" PRId64 ".%03d", h->sent_at_ms / 1000,
	         (int)(h->sent_at_ms % 1000));
	const char *p[] = {h->daemon_id,
	                   seq,
	                   b->org,
	                   b->network,
	                   h->session_id && *h->session_id ? h->session_id : NULL,
	                   nobs,
	                   nmatch,
	                   h->has_sent_at_ms ? sent : NULL};
	PGresult *r = sc_pg_query(
	    b->pg,
	    "INSERT INTO inv.batches (daemon_id, sequence, org_id, network_id, "
	    "session_id, observations, matches, sent_at) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7, to_timestamp($8)) ON CONFLICT DO NOTHING",
	    8, p);
	if (!r)
		return -1;
	int fresh = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	return fresh;
}

enum apply_result apply_batch(PGconn *pg, const Scanopy__V1__ClassifiedBatch *cb,
                              char *why, size_t whylen)
{
	const Scanopy__V1__BatchHeader *h = cb->batch->header;
	struct batch_ctx b = {.pg = pg, .org = h->org_id, .network = h->network_id};
	const char *p[] = {b.org};
	snprintf(why, whylen, "database rejected the batch");
	/* Row-level security: this transaction may touch only this org's rows. */
	if (sc_pg_exec(pg, "SELECT set_config('scanopy.org_id', $1, true)", 1, p))
		return APPLY_FAILED;
	int fresh = record_batch(&b, cb);
	if (fresh < 0)
		return APPLY_FAILED;
	if (!fresh)
		return APPLY_DUPLICATE;

	for (size_t i = 0; i < cb->batch->n_observations; i++) {
		const Scanopy__V1__Observation *o = cb->batch->observations[i];
		set_seen(&b, o->has_observed_at_ms ? o->observed_at_ms : h->sent_at_ms);
		if (apply_observation(&b, o))
			return APPLY_FAILED;
	}
	set_seen(&b, h->sent_at_ms);
	for (size_t i = 0; i < cb->n_matches; i++)
		if (apply_match(&b, cb->matches[i]))
			return APPLY_FAILED;
	return APPLY_DONE;
}
