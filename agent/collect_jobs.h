/* The daemon's SNMP, local LLDP and Docker parts of a job (run_job in
 * main.c): which devices SNMP queries (a network scan's UDP/161 answerers,
 * through a sink tap, then the LLDP/CDP management addresses those devices
 * report), and the Docker API to use. */
#ifndef AGENT_COLLECT_JOBS_H
#define AGENT_COLLECT_JOBS_H

#include "job.pb-c.h"
#include "observation.pb-c.h"

#include <stdbool.h>
#include <stddef.h>

struct sink;

/* Addresses learnt from observations (a sink tap). */
struct addr_set {
	char (*ip)[46];
	size_t n, cap;
};
void addr_set_free(struct addr_set *a);
/* Tap: hosts whose UDP 161 answered (PortState open or a UdpReply). */
void snmp_answerers_tap(void *arg, const Scanopy__V1__Observation *o);

struct collect_cfg {
	const char *docker_proxy, *ssl_cert, *ssl_key, *ssl_chain;
	const char *lldpd_socket;
};

struct collect_result {
	unsigned snmp_devices, snmp_answered, containers, neighbors_local;
};

/* SNMP of devices (addresses/CIDRs), then of the management addresses their
 * neighbour tables name that were not queried yet (when follow is set),
 * except those inside `covered` (ranges a network scan already asked on UDP
 * 161 without an answer).
 * Per-device failures are reported as progress and logged; returns -1 only
 * when the run itself could not happen (why filled). */
int collect_snmp(struct sink *s, const Scanopy__V1__Job *job, const char *const *devices,
                 size_t ndevices, bool follow, const char *const *covered,
                 size_t ncovered, volatile int *cancel, struct collect_result *res,
                 char *why, size_t whylen);

/* Docker discovery. required: a DOCKER job (no socket and no proxy is a
 * failure); otherwise (unified) their absence is skipped quietly. */
int collect_docker(struct sink *s, const struct collect_cfg *cfg, bool required,
                   struct collect_result *res, char *why, size_t whylen);

/* The SelfReport's capabilities of this daemon: "snmp" (v1, v2c, v3),
 * "docker" when a Docker API is configured or the local socket is there,
 * "lldp-local" when lldpcli is installed. Appended, strdup'd
 * (selfreport_free frees them). */
void collect_capabilities(Scanopy__V1__SelfReport *sr, bool docker);

/* lldpd's neighbours on this host, when it runs here. */
void collect_lldp_local(struct sink *s, const struct collect_cfg *cfg,
                        struct collect_result *res);

#endif
