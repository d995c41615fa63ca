/* The host-disappeared sweep: see gone.h. */
#include "gone.h"

#include "apply.h"
#include "events.h"
#include "sc_log.h"
#include "sc_pg.h"
#include "sc_shutdown.h"
#include "view_cache.h"

#include <stdio.h>
#include <stdlib.h>

/* Marks the network's hosts gone and records their changes: how many. */
static const char SWEEP_SQL[] =
    "WITH g AS (UPDATE inv.hosts h SET gone_at = now(), gone_reason = 'stale' "
    "WHERE h.network_id = $1 "
    "AND h.last_seen < now() - $2 * interval '1 second' AND h.gone_at IS NULL "
    "RETURNING h.id, h.org_id, h.last_seen), c AS (INSERT INTO inv.changes "
    "(org_id, network_id, at, kind, host_id, detail) SELECT g.org_id, $1, now(), "
    "'host_disappeared', g.id, jsonb_build_object('reason', 'stale', "
    "'last_seen', g.last_seen, "
    "'not_seen_for_s', $2::bigint) FROM g ORDER BY g.last_seen, g.id) SELECT "
    "count(*) FROM g";

static long sweep_network(PGconn *pg, const char *org, const char *network,
                          const char *after)
{
	const char *o[] = {org}, *p[] = {network, after};
	PGresult *r = NULL;
	long n = -1;
	/* Under the network's lock, as every writer of its model: an apply
	 * updating the same hosts in another order would deadlock with us. */
	/* The views show whether a host is gone: they are behind when one is
	 * marked (view_cache.h). */
	if (sc_pg_exec(pg, "BEGIN", 0, NULL) == 0 &&
	    sc_pg_exec(pg, "SELECT set_config('scanopy.org_id', $1, true)", 1, o) == 0 &&
	    apply_lock_network(pg, network) == 0 &&
	    (r = sc_pg_query(pg, SWEEP_SQL, 2, p)) &&
	    (atol(PQgetvalue(r, 0, 0)) == 0 || view_cache_touch(pg, org, network) == 0) &&
	    sc_pg_exec(pg, "COMMIT", 0, NULL) == 0)
		n = atol(PQgetvalue(r, 0, 0));
	else
		PQclear(PQexec(pg, "ROLLBACK"));
	PQclear(r);
	return n;
}

long gone_sweep(PGconn *pg, struct sc_nats *nats, long after_s)
{
	char after[24];
	snprintf(after, sizeof after, "%ld", after_s);
	/* Every network the service has applied something to (view_state is
	 * readable across organisations by the service, migration 0007). */
	PGresult *r =
	    sc_pg_query(pg, "SELECT org_id, network_id FROM inv.view_state", 0, NULL);
	if (!r)
		return -1;
	long total = 0;
	for (int i = 0; i < PQntuples(r) && !sc_shutdown_requested(); i++) {
		const char *org = PQgetvalue(r, i, 0), *net = PQgetvalue(r, i, 1);
		long n = sweep_network(pg, org, net, after);
		if (n < 0) {
			sc_warn("hosts of network %s not swept", net);
			continue;
		}
		if (n > 0) {
			sc_info("%ld hosts of network %s disappeared", n, net);
			if (nats)
				event_hosts_disappeared(nats, org, net, (unsigned)n);
			total += n;
		}
	}
	PQclear(r);
	return total;
}

void gone_pass(PGconn *pg, void *arg)
{
	const struct gone_args *a = arg;
	gone_sweep(pg, a->nats, a->after_s);
}
