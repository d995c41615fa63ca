/* The scheduler's notion of now: PostgreSQL's clock (one clock for all
 * replicas, whatever their hosts' clocks say), or the test clock row. */
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>

int sched_now(struct scheduler *s, struct sched_now *now)
{
	PGresult *r = sc_pg_query(
	    s->svc.pg,
	    s->test_clock
	        ? "SELECT t::text, floor(extract(epoch FROM t))::bigint FROM "
	          "coalesce((SELECT now FROM sched.test_clock WHERE id = 1), "
	          "now()) t"
	        : "SELECT now()::text, floor(extract(epoch FROM now()))::bigint",
	    0, NULL);
	if (!r)
		return -1;
	snprintf(now->text, sizeof now->text, "%s", PQgetvalue(r, 0, 0));
	now->epoch = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return 0;
}
