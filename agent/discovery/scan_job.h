/* From a discovery Job (job.proto) to a scan_request: the probe plan's ports
 * merged with the built-in lists (plan first), its HTTP paths, deep and
 * the deep targets (scanned too when the job names targets), the
 * packet budget, the deadline, and v1/v2c communities from the job's SNMP
 * credentials. The request points into the job and into `own`; keep both
 * alive while the scan runs. */
#ifndef DISC_SCAN_JOB_H
#define DISC_SCAN_JOB_H

#include "job.pb-c.h"
#include "scan.h"

struct scan_job_storage {
	uint32_t *tcp, *udp;
	const char **communities;
	const char **targets; /* the job's targets and its deep targets */
};

/* default_targets: the daemon's interfaced subnets, used when the job names
 * no targets. Returns -1 (logged) when there is nothing to scan or memory
 * runs out. cancel may be NULL. */
int scan_request_from_job(const Scanopy__V1__Job *job, const char *const *default_targets,
                          size_t ndefault, volatile int *cancel, struct scan_request *req,
                          struct scan_job_storage *own);
void scan_job_storage_free(struct scan_job_storage *own);

/* Adds the probe plan (scan_plan.h) to a request made by
 * scan_request_from_job: its ports join the request's, its HTTP paths
 * replace the job's, and its protocol probes are sent. plan must outlive the
 * scan. -1 when memory runs out (the request is then unchanged). */
struct scan_plan;
int scan_request_use_plan(struct scan_request *req, const struct scan_plan *plan,
                          struct scan_job_storage *own);

#endif
