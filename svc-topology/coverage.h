/* A daemon's complete liveness sweep (ScanCoverage): the hosts of the network
 * it would have heard and did not are gone, reason missed_by_scan. A host is
 * one of them when it is not a daemon, answered a sweep before (an address
 * with swept_at: a host known only from SNMP tables, the FDB, Docker or
 * passive listening is not), has every address inside the covered targets,
 * was last seen before the sweep started and is not gone already. Each gets
 * gone_at (the sweep's end) and one host_disappeared change; a redelivered
 * or repeated coverage finds them gone and changes nothing. An incomplete
 * sweep proves nothing. Runs inside the batch, under the network's lock. */
#ifndef TOPOLOGY_COVERAGE_H
#define TOPOLOGY_COVERAGE_H

#include "batch_ctx.h"
#include "observation.pb-c.h"

#include <stddef.h>

int apply_coverage(struct batch_ctx *b, const Scanopy__V1__ScanCoverage *c);

/* The canonical CIDR of a target ("10.0.0.0/24", "fd00::/64"): 0, or -1 when
 * it is not an address with a prefix length its family allows. Host bits
 * are cleared. */
int coverage_cidr(const char *in, char *out, size_t len);

#endif
