/* Announcing daemons that went silent: see daemon_offline.h. */
#include "daemon_offline.h"

#include "events.h"
#include "sc_log.h"
#include "sc_pg.h"

#include <stdio.h>
#include <stdlib.h>

/* Claims every absence not yet announced: silent for longer than $1 seconds,
 * and heard from since the last announcement (or never announced). The
 * policy of 0008 shows every organisation's daemons only with scanopy.sweep
 * set, in this transaction alone. */
static const char CLAIM_SQL[] =
    "UPDATE core.daemons SET offline_at = now() WHERE last_seen < now() - $1 * "
    "interval '1 second' AND (offline_at IS NULL OR offline_at < last_seen) "
    "RETURNING org_id, network_id, id, (extract(epoch FROM last_seen) * "
    "1000)::bigint";

int daemon_offline_sweep(struct gateway *gw, PGconn *pg, long after_s)
{
	char s[24];
	snprintf(s, sizeof s, "%ld", after_s);
	const char *p[] = {s};
	if (sc_pg_exec(pg, "BEGIN", 0, NULL))
		return -1;
	PGresult *r = NULL;
	if (sc_pg_exec(pg, "SELECT set_config('scanopy.sweep', 'daemons', true)", 0,
	               NULL) ||
	    !(r = sc_pg_query(pg, CLAIM_SQL, 1, p)) ||
	    sc_pg_exec(pg, "COMMIT", 0, NULL)) {
		PQclear(r);
		PQclear(PQexec(pg, "ROLLBACK"));
		return -1;
	}
	/* Committed: this replica claimed them, and only it announces them. */
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		sc_info("daemon %s not heard from for %ld s: offline",
		        PQgetvalue(r, i, 2), after_s);
		events_daemon_offline(gw, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		                      PQgetvalue(r, i, 2),
		                      strtoll(PQgetvalue(r, i, 3), NULL, 10));
	}
	PQclear(r);
	return n;
}

int daemon_offline_publish(PGconn *pg, long after_s)
{
	char s[24];
	snprintf(s, sizeof s, "%ld", after_s);
	const char *p[] = {s};
	return sc_pg_exec(pg,
	                  "INSERT INTO core.daemon_offline_setting (id, after_s) VALUES "
	                  "(1, $1::int) ON CONFLICT (id) DO UPDATE SET after_s = "
	                  "EXCLUDED.after_s, updated_at = now()",
	                  1, p);
}
