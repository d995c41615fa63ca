/* Applying one classified batch: the ledger that makes it idempotent, the
 * network's advisory lock, each observation to its applier, and the derived
 * parts of the model (links, subnets and roles, applications) rebuilt from
 * what the batch touched. */
#include "apply.h"

#include "apply_internal.h"
#include "coverage.h"
#include "prefetch.h"
#include "resolve.h"
#include "sc_batch.h"
#include "sc_pg.h"
#include "wbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void batch_set_seen(struct batch_ctx *b, int64_t ms)
{
	if (ms <= 0) /* a daemon without a clock reading: use ours */
		ms = sc_now_ms();
	b->seen_ms = ms;
	snprintf(b->seen, sizeof b->seen, "%" PRId64 ".%03d", ms / 1000,
	         (int)(ms % 1000));
}

int apply_lock_network(PGconn *pg, const char *network)
{
	const char *p[] = {network};
	return sc_pg_exec(pg, "SELECT inv.lock_network($1)", 1, p);
}

static int apply_observation(struct batch_ctx *b, const Scanopy__V1__Observation *o)
{
	switch (o->kind_case) {
	case SCANOPY__V1__OBSERVATION__KIND_HOST:
		return apply_host_seen(b, o->host);
	case SCANOPY__V1__OBSERVATION__KIND_SELF_REPORT:
		return apply_self_report(b, o->self_report);
	case SCANOPY__V1__OBSERVATION__KIND_PORT:
		return apply_port(b, o->port);
	case SCANOPY__V1__OBSERVATION__KIND_TLS:
		return apply_tls(b, o->tls);
	case SCANOPY__V1__OBSERVATION__KIND_NAME:
		return apply_name(b, o->name);
	case SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM:
		return apply_snmp_system(b, o->snmp_system);
	case SCANOPY__V1__OBSERVATION__KIND_IF_ENTRY:
		return apply_if_entry(b, o->if_entry);
	case SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR:
		return apply_neighbor(b, o->neighbor);
	case SCANOPY__V1__OBSERVATION__KIND_FDB:
		return apply_fdb(b, o->fdb);
	case SCANOPY__V1__OBSERVATION__KIND_ARP:
		return apply_arp(b, o->arp);
	case SCANOPY__V1__OBSERVATION__KIND_CONTAINER:
		return apply_container(b, o->container);
	case SCANOPY__V1__OBSERVATION__KIND_DOCKER_NETWORK:
		return apply_docker_network(b, o->docker_network);
	case SCANOPY__V1__OBSERVATION__KIND_COVERAGE:
		return apply_coverage(b, o->coverage);
	default:
		/* Banners, HTTP and UDP replies reach the model through the
		 * fingerprint service's matches; unknown kinds (a newer
		 * daemon's) are counted in the ledger only. */
		return 0;
	}
}

/* Records the batch in the ledger; 1 when it was new, 0 when seen before. */
static int record_batch(struct batch_ctx *b, const Scanopy__V1__ClassifiedBatch *cb)
{
	const Scanopy__V1__BatchHeader *h = cb->batch->header;
	char nobs[16], nmatch[16], sent[32];
	snprintf(nobs, sizeof nobs, "%zu", cb->batch->n_observations);
	snprintf(nmatch, sizeof nmatch, "%zu", cb->n_matches);
	snprintf(sent, sizeof sent, "%" PRId64 ".%03d", h->sent_at_ms / 1000,
	         (int)(h->sent_at_ms % 1000));
	const char *p[] = {h->daemon_id,
	                   b->seq_text,
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

int apply_rebuild(PGconn *pg, const char *network, unsigned touched,
                  unsigned *links_changed)
{
	const char *p[] = {network};
	/* After a bulk load the statistics say the tables are near empty and
	 * every plan (the views', the rebuilds') goes wrong: refresh them, as
	 * autovacuum would only later. */
	if ((touched & TOUCHED_BULK) &&
	    sc_pg_exec(pg,
	               "ANALYZE inv.hosts, inv.host_identities, inv.addresses, "
	               "inv.ports, inv.services, inv.neighbors, inv.fdb, inv.links, "
	               "inv.subnets, inv.interfaces",
	               0, NULL))
		return -1;
	if (touched & (TOUCHED_L2 | TOUCHED_HOSTS)) {
		PGresult *r = sc_pg_query(pg, "SELECT inv.rebuild_links($1)", 1, p);
		if (!r)
			return -1;
		if (links_changed)
			*links_changed += (unsigned)atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
		const char *lp[] = {network, touched & TOUCHED_L3_ALL ? "t" : "f"};
		if (sc_pg_exec(pg, "SELECT inv.rebuild_l3($1, $2)", 2, lp))
			return -1;
	}
	if ((touched & TOUCHED_WORKLOADS) &&
	    sc_pg_exec(pg, "SELECT inv.rebuild_applications($1)", 1, p))
		return -1;
	return 0;
}

enum apply_result apply_batch(PGconn *pg, const Scanopy__V1__ClassifiedBatch *cb,
                              const struct coverage_opts *coverage,
                              struct batch_counts *counts, char *why, size_t whylen)
{
	const Scanopy__V1__BatchHeader *h = cb->batch->header;
	struct batch_ctx b = {.pg = pg,
	                      .org = h->org_id,
	                      .network = h->network_id,
	                      .daemon = h->daemon_id,
	                      .sequence = h->sequence,
	                      .coverage = coverage};
	snprintf(b.seq_text, sizeof b.seq_text, "%" PRIu64, h->sequence);
	const char *p[] = {b.org};
	snprintf(why, whylen, "database rejected the batch");
	/* Row-level security: this transaction may touch only this org's rows;
	 * replicas serialise on the network. */
	if (sc_pg_exec(pg, "SELECT set_config('scanopy.org_id', $1, true)", 1, p) ||
	    apply_lock_network(pg, b.network))
		return APPLY_FAILED;
	int fresh = record_batch(&b, cb);
	if (fresh < 0)
		return APPLY_FAILED;
	if (!fresh)
		return APPLY_DUPLICATE;
	b.cache = key_cache_new();
	b.wb = wbuf_new();
	enum apply_result res = APPLY_FAILED;
	size_t i = 0;
	if (!b.cache || !b.wb || prefetch_keys(&b, cb))
		i = cb->batch->n_observations + 1; /* failed: skip to the end */
	for (; i < cb->batch->n_observations; i++) {
		const Scanopy__V1__Observation *o = cb->batch->observations[i];
		batch_set_seen(&b,
		               o->has_observed_at_ms ? o->observed_at_ms : h->sent_at_ms);
		if (apply_observation(&b, o))
			break;
	}
	if (i == cb->batch->n_observations) {
		batch_set_seen(&b, h->sent_at_ms);
		for (i = 0; i < cb->n_matches; i++)
			if (apply_match(&b, cb->matches[i]))
				break;
		if (i == cb->n_matches && key_cache_flush(&b) == 0)
			res = APPLY_DONE;
	}
	key_cache_free(b.cache);
	wbuf_free(b.wb);
	b.counts.touched = (b.touched_hosts ? TOUCHED_HOSTS : 0) |
	                   (b.touched_l2 ? TOUCHED_L2 : 0) |
	                   (b.touched_workloads ? TOUCHED_WORKLOADS : 0) |
	                   (b.counts.hosts_added >= BULK_HOSTS ? TOUCHED_BULK : 0) |
	                   (b.touched_l3_all ? TOUCHED_L3_ALL : 0);
	if (counts)
		*counts = b.counts;
	return res;
}
