/* SNMP collection: for each device, the job's credentials that apply to its
 * address are tried in order until one answers the system group; with that
 * one the device's IF-MIB, IP-MIB, LLDP-MIB, LLDP-V2-MIB, CISCO-CDP-MIB,
 * BRIDGE-MIB, Q-BRIDGE-MIB and ENTITY-MIB tables are walked (GETBULK, several
 * columns per request) and emitted (snmp_decode.h). Devices are walked by a
 * bounded pool of threads (SNMPv3 devices one at a time, see snmp_walk.h),
 * each within a time budget; a device no credential opens gets one
 * ScanProgress (phase "snmp") and a log line saying why for every credential,
 * and nothing else is emitted for it. Secrets never appear in either. */
#ifndef SNMP_COLLECT_H
#define SNMP_COLLECT_H

#include "job.pb-c.h"
#include "snmp_decode.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink;

struct snmp_request {
	const char *const *devices; /* addresses, CIDRs or ranges (IPv4), expanded */
	size_t ndevices;
	const Scanopy__V1__SnmpCredential *const *creds;
	size_t ncreds;
	unsigned timeout_ms;  /* per request; 0: 1000 */
	unsigned retries;     /* 0: none (use 1 for lossy links) */
	unsigned concurrency; /* devices at once; 0: 8 */
	unsigned budget_ms;   /* per device; 0: 30000 */
	volatile int *cancel;
};

struct snmp_result {
	char ip[46];
	bool ok;
	char error[512]; /* why no credential worked, or a partial walk's reason */
	struct snmp_counts counts;
	int64_t ms;
};

struct snmp_stats {
	size_t devices, answered;
	struct snmp_result *results; /* one per device, malloc'd: snmp_stats_free */
	struct snmp_counts total;
	int64_t wall_ms;
};

/* 0 when every device was tried (answered or not), -1 when the request is
 * malformed or memory ran out (logged). Does not flush the sink. */
int snmp_collect_run(const struct snmp_request *req, struct sink *s,
                     struct snmp_stats *st);
void snmp_stats_free(struct snmp_stats *st);

/* True when cred applies to ip: no scope, or ip in one of its CIDRs or
 * addresses. */
bool snmp_cred_applies(const Scanopy__V1__SnmpCredential *c, const char *ip);

#endif
