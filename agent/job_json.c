#include "job_json.h"

#include "sc_job.h"

#include <string.h>

int job_from_json(json_t *j, Scanopy__V1__Job *job, char **targets, size_t max,
                  struct snmp_creds *creds)
{
	const char *session = json_string_value(json_object_get(j, "session_id"));
	const char *type = json_string_value(json_object_get(j, "type"));
	memset(creds, 0, sizeof *creds);
	if (!session || !type)
		return -1;
	size_t n = 0, ndeep = 0, i;
	json_t *t;
	json_array_foreach(json_object_get(j, "targets"), i, t)
	{
		if (json_is_string(t) && n < max)
			targets[n++] = (char *)json_string_value(t);
	}
	json_array_foreach(json_object_get(j, "deep_targets"), i, t)
	{
		if (json_is_string(t) && n + ndeep < max)
			targets[n + ndeep++] = (char *)json_string_value(t);
	}
	job->session_id = (char *)session;
	job->job_id = (char *)session;
	job->type = sc_job_type_of(type);
	job->has_type = 1;
	job->deep = json_is_true(json_object_get(j, "deep"));
	job->has_deep = 1;
	job->targets = targets;
	job->n_targets = n;
	job->deep_targets = targets + n;
	job->n_deep_targets = ndeep;
	/* SNMP credentials: in memory for this job only, never logged */
	if (snmp_creds_from_json(json_object_get(j, "snmp_credentials"), creds) == 0) {
		job->snmp_credentials = creds->ptr;
		job->n_snmp_credentials = creds->n;
	}
	return 0;
}
