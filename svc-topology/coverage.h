/* A daemon's complete liveness sweep (ScanCoverage): the hosts of the network
 * it would have heard and did not are missed; a host missed by
 * COVERAGE_MISSES such sweeps in a row is gone, reason missed_by_scan (one
 * lost ARP exchange, a laptop asleep for one sweep, logs nothing). A host can
 * be missed when it is not a daemon, answered a sweep before (an address
 * with swept_at: a host known only from SNMP tables, the FDB, Docker or
 * passive listening is not), has every address inside the sweep's targets
 * and was last seen before the sweep started. Sweeps are kept
 * (inv.scan_coverage, one row per start and targets), so the sweeps that
 * missed a host are those kept that started after its last_seen and cover
 * all its addresses: in a row by construction (one that heard it moved
 * last_seen), counted once however often a coverage is delivered, whatever
 * the order. A host gets gone_at (the end of the sweep that makes it
 * COVERAGE_MISSES) and one host_disappeared change saying how many sweeps
 * missed it; a host gone already changes nothing. An incomplete sweep
 * proves nothing. Runs inside the batch, under the network's lock. */
#ifndef TOPOLOGY_COVERAGE_H
#define TOPOLOGY_COVERAGE_H

#include "batch_ctx.h"
#include "observation.pb-c.h"

#include <stddef.h>

/* Sweeps that must miss a host, one after the other, for it to be gone. */
#define COVERAGE_MISSES 2
#define COVERAGE_MISSES_TEXT "2" /* COVERAGE_MISSES, as SQL takes it */
/* How long sweeps are kept: longer than a host stays unseen before it is
 * stale (host_gone_after_s, 7 days by default). */
#define COVERAGE_KEEP_DAYS "30"

int apply_coverage(struct batch_ctx *b, const Scanopy__V1__ScanCoverage *c);

/* Hosts a sighting applied late brought back (ids: a Postgres uuid[] text):
 * those the kept sweeps since they were last seen missed COVERAGE_MISSES
 * times are gone again, as they would be had the batches come in order. */
int coverage_recheck(struct batch_ctx *b, const char *ids);

/* The canonical CIDR of a target ("10.0.0.0/24", "fd00::/64"): 0, or -1 when
 * it is not an address with a prefix length its family allows. Host bits
 * are cleared. */
int coverage_cidr(const char *in, char *out, size_t len);

#endif
