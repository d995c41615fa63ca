/* Discovery job types by the names the API, the schedules and the heartbeat
 * use, as the Job protobuf's JobType. */
#ifndef SC_JOB_H
#define SC_JOB_H

#include "job.pb-c.h"

/* "self_report", "network", "snmp", "docker" or "unified"; JOB_UNKNOWN for
 * anything else (NULL included). */
Scanopy__V1__JobType sc_job_type_of(const char *name);

#endif
