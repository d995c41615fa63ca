/* A claimed session as the Job protobuf its daemon runs, whichever way it is
 * handed over (NATS or a ServerPoll call). */
#include "job.pb-c.h"
#include "sc_job.h"
#include "scheduler.h"

#include <stdlib.h>
#include <string.h>

uint8_t *sched_job_pack(PGresult *r, int row, size_t *len)
{
	Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
	job.session_id = PQgetvalue(r, row, 0);
	job.job_id = job.session_id;
	job.org_id = PQgetvalue(r, row, 1);
	job.network_id = PQgetvalue(r, row, 2);
	job.daemon_id = PQgetvalue(r, row, 3);
	job.type = sc_job_type_of(PQgetvalue(r, row, 4));
	job.has_type = 1;
	job.deep = PQgetvalue(r, row, 5)[0] == 't';
	job.has_deep = 1;
	job.deadline_ms = strtoll(PQgetvalue(r, row, 7), NULL, 10);
	job.has_deadline_ms = 1;
	char *targets = strdup(PQgetvalue(r, row, 6)), *save = NULL, *list[64];
	if (!targets)
		return NULL;
	for (char *t = strtok_r(targets, " ", &save); t && job.n_targets < 64;
	     t = strtok_r(NULL, " ", &save))
		list[job.n_targets++] = t;
	job.targets = list;
	*len = scanopy__v1__job__get_packed_size(&job);
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf)
		scanopy__v1__job__pack(&job, buf);
	free(targets);
	return buf;
}
