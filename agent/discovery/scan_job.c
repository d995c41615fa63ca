#include "scan_job.h"

#include "sc_log.h"
#include "scan_plan.h"

#include <stdlib.h>
#include <string.h>

void scan_job_storage_free(struct scan_job_storage *own)
{
	free(own->tcp);
	free(own->udp);
	free(own->communities);
	free(own->targets);
	memset(own, 0, sizeof *own);
}

int scan_request_from_job(const Scanopy__V1__Job *job, const char *const *default_targets,
                          size_t ndefault, volatile int *cancel, struct scan_request *req,
                          struct scan_job_storage *own)
{
	memset(req, 0, sizeof *req);
	memset(own, 0, sizeof *own);
	if (job->n_targets && job->n_deep_targets) {
		own->targets =
		    calloc(job->n_targets + job->n_deep_targets, sizeof *own->targets);
		if (!own->targets) {
			sc_error("discovery: out of memory for the job's targets");
			return -1;
		}
		for (size_t i = 0; i < job->n_targets; i++)
			own->targets[req->ntargets++] = job->targets[i];
		for (size_t i = 0; i < job->n_deep_targets; i++)
			own->targets[req->ntargets++] = job->deep_targets[i];
		req->targets = own->targets;
	} else if (job->n_targets) {
		req->targets = (const char *const *)job->targets;
		req->ntargets = job->n_targets;
	} else {
		req->targets = default_targets;
		req->ntargets = ndefault;
	}
	if (!req->ntargets) {
		sc_error(
		    "discovery: the job names no targets and the daemon has no subnets");
		return -1;
	}
	const Scanopy__V1__ProbePlan *plan = job->plan;
	size_t n;
	own->tcp =
	    scan_merge_ports(plan ? plan->tcp_ports : NULL, plan ? plan->n_tcp_ports : 0,
	                     scan_default_tcp, scan_default_ntcp, &n);
	req->tcp_ports = own->tcp;
	req->ntcp = n;
	own->udp =
	    scan_merge_ports(plan ? plan->udp_ports : NULL, plan ? plan->n_udp_ports : 0,
	                     scan_default_udp, scan_default_nudp, &n);
	req->udp_ports = own->udp;
	req->nudp = n;
	if (plan && plan->n_http_paths) {
		req->http_paths = (const char *const *)plan->http_paths;
		req->npaths = plan->n_http_paths;
	}
	own->communities = calloc(job->n_snmp_credentials + 1, sizeof *own->communities);
	if (!own->tcp || !own->udp || !own->communities) {
		sc_error("discovery: out of memory for the job's scan");
		scan_job_storage_free(own);
		return -1;
	}
	for (size_t i = 0; i < job->n_snmp_credentials; i++) {
		const Scanopy__V1__SnmpCredential *c = job->snmp_credentials[i];
		/* v3 needs the SNMP discovery's USM; its agents are still found here
		 * by engine-id discovery. Scopes are not narrowed per address yet:
		 * every v1/v2c community is tried on every host's UDP 161. */
		if ((c->version == SCANOPY__V1__SNMP_VERSION__SNMP_V1 ||
		     c->version == SCANOPY__V1__SNMP_VERSION__SNMP_V2C) &&
		    c->community && *c->community)
			own->communities[req->ncommunities++] = c->community;
	}
	if (req->ncommunities)
		req->snmp_communities = own->communities;
	req->deep = job->has_deep && job->deep;
	req->deep_targets = (const char *const *)job->deep_targets;
	req->ndeep_targets = job->n_deep_targets;
	req->max_pps = job->has_max_packets_per_second ? job->max_packets_per_second : 0;
	req->deadline_ms = job->has_deadline_ms ? job->deadline_ms : 0;
	req->resolve_names = true;
	req->cancel = cancel;
	return 0;
}

int scan_request_use_plan(struct scan_request *req, const struct scan_plan *plan,
                          struct scan_job_storage *own)
{
	size_t ntcp, nudp;
	uint32_t *tcp =
	    scan_merge_ports(plan->tcp, plan->ntcp, req->tcp_ports, req->ntcp, &ntcp);
	uint32_t *udp =
	    scan_merge_ports(plan->udp, plan->nudp, req->udp_ports, req->nudp, &nudp);
	if (!tcp || !udp) {
		free(tcp);
		free(udp);
		return -1;
	}
	free(own->tcp);
	free(own->udp);
	own->tcp = tcp;
	own->udp = udp;
	req->tcp_ports = tcp;
	req->ntcp = ntcp;
	req->udp_ports = udp;
	req->nudp = nudp;
	if (plan->npaths) {
		req->http_paths = plan->path_strings;
		req->npaths = plan->npaths;
	}
	req->plan = plan;
	return 0;
}
