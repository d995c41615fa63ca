/* Deep targets lie within the job's targets: a run is refused (422) before it
 * is stored when one would not, so it is never dispatched. The job's targets
 * are those it names, else the subnets its daemon reported (what the daemon
 * scans when a job names none). The rule itself is sched.deep_outside
 * (svc-scheduler migration 0009), which a CHECK on sessions and schedules
 * also enforces. */
#include "db.h"
#include "http.h"
#include "reply.h"
#include "request.h"
#include "sched_api.h"

#include <stdio.h>

int deep_targets_within(struct request *r, const char *daemon, const char *network,
                        const char *schedule, const char *targets,
                        const char *deep_targets, enum MHD_Result *res)
{
	const char *p[] = {daemon, network, schedule, targets, deep_targets};
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "WITH c AS (SELECT daemon_id, targets, deep_targets FROM sched.schedules "
	    "WHERE id = $3::uuid), d AS (SELECT capabilities FROM core.daemons WHERE "
	    "id = coalesce($1::uuid, (SELECT daemon_id FROM c)) OR ($1::uuid IS NULL "
	    "AND $3::uuid IS NULL AND network_id = $2::uuid) ORDER BY last_seen DESC "
	    "NULLS LAST LIMIT 1), j AS (SELECT coalesce($4::text[], (SELECT targets "
	    "FROM c), '{}') t, coalesce($5::text[], (SELECT deep_targets FROM c), "
	    "'{}') dt) SELECT sched.deep_outside(j.dt, CASE WHEN cardinality(j.t) > 0 "
	    "THEN j.t ELSE ARRAY(SELECT jsonb_array_elements_text(CASE WHEN "
	    "jsonb_typeof(d.capabilities -> 'subnets') = 'array' THEN d.capabilities "
	    "-> 'subnets' ELSE '[]' END) FROM d) END), cardinality(j.t) > 0, "
	    "array_to_string(CASE WHEN cardinality(j.t) > 0 THEN j.t ELSE ARRAY(SELECT "
	    "jsonb_array_elements_text(CASE WHEN jsonb_typeof(d.capabilities -> "
	    "'subnets') = 'array' THEN d.capabilities -> 'subnets' ELSE '[]' END) FROM "
	    "d) END, ', ') FROM j",
	    5, p);
	if (!q) {
		*res = reply_db_error(r);
		return -1;
	}
	if (PQgetisnull(q, 0, 0)) {
		PQclear(q);
		return 0;
	}
	char msg[512];
	const char *scope = PQgetvalue(q, 0, 2);
	if (*PQgetvalue(q, 0, 1) == 't')
		snprintf(msg, sizeof msg,
		         "deep_targets: %s is not within the job's targets (%s); a deep "
		         "target must be one of them or inside one",
		         PQgetvalue(q, 0, 0), scope);
	else if (*scope)
		snprintf(
		    msg, sizeof msg,
		    "deep_targets: %s is not within the daemon's subnets (%s), which "
		    "a job without targets scans; name targets that contain it",
		    PQgetvalue(q, 0, 0), scope);
	else
		snprintf(
		    msg, sizeof msg,
		    "deep_targets: %s is not within the job's targets: it names none "
		    "and the daemon has reported no subnets; name targets that "
		    "contain it",
		    PQgetvalue(q, 0, 0));
	PQclear(q);
	*res = reply_error(r, 422, "invalid_field", msg, "deep_targets");
	return -1;
}
