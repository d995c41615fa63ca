#include "sc_job.h"

#include <string.h>

Scanopy__V1__JobType sc_job_type_of(const char *t)
{
	static const struct {
		const char *name;
		Scanopy__V1__JobType type;
	} map[] = {
	    {"self_report", SCANOPY__V1__JOB_TYPE__JOB_SELF_REPORT},
	    {"network", SCANOPY__V1__JOB_TYPE__JOB_NETWORK},
	    {"snmp", SCANOPY__V1__JOB_TYPE__JOB_SNMP},
	    {"docker", SCANOPY__V1__JOB_TYPE__JOB_DOCKER},
	    {"unified", SCANOPY__V1__JOB_TYPE__JOB_UNIFIED},
	};
	for (size_t i = 0; t && i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(t, map[i].name))
			return map[i].type;
	return SCANOPY__V1__JOB_TYPE__JOB_UNKNOWN;
}
