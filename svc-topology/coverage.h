/* A daemon's complete liveness sweep (ScanCoverage): the hosts of the network
 * it would have heard and did not are missed; a host missed by a number of
 * such sweeps in a row (host_gone_missed_sweeps, 2 by default) is gone, reason
 * missed_by_scan (one lost ARP exchange, a laptop asleep for one sweep, logs
 * nothing unless the option says 1). A host can be missed when it is not a
 * daemon, answered a sweep before (an address with swept_at: a host known only
 * from SNMP tables, the FDB, Docker or passive listening is not), has every
 * address inside the sweep's targets and was last seen before the sweep
 * started. Sweeps are kept (inv.scan_coverage, one row per start and targets),
 * so the sweeps that missed a host are those kept that started after its
 * last_seen and cover all its addresses: in a row by construction (one that
 * heard it moved last_seen), counted once however often a coverage is
 * delivered, whatever the order. A host gets gone_at (the end of the sweep
 * that makes that number) and one host_disappeared change saying how many
 * sweeps missed it; a host gone already changes nothing. An incomplete sweep
 * proves nothing. Runs inside the batch, under the network's lock. */
#ifndef TOPOLOGY_COVERAGE_H
#define TOPOLOGY_COVERAGE_H

#include "batch_ctx.h"
#include "observation.pb-c.h"
#include "sc_config.h"

#include <stddef.h>

/* The defaults of the two history options below. */
#define COVERAGE_MISSES 2
#define COVERAGE_KEEP_DAYS 30

/* How many complete sweeps must miss a host, one after the other, for it to
 * be gone; how many days sweeps are kept. Keep them longer than a host stays
 * unseen before it is stale (host_gone_after_s, 7 days by default): a sweep
 * pruned sooner cannot count towards a host's misses. */
struct coverage_opts {
	long misses, keep_days;
};

/* The topology service's options for them (sc_config.h), into o: the file
 * keys host_gone_missed_sweeps (1..100) and sweeps_keep_days (1..3650), the
 * variables SCANOPY_HOST_GONE_MISSED_SWEEPS and SCANOPY_SWEEPS_KEEP_DAYS. */
#define COVERAGE_STR_(x) #x
#define COVERAGE_STR(x) COVERAGE_STR_(x)
#define COVERAGE_MISSES_HELP                                                             \
	"complete sweeps in a row that must miss a host for it to be gone "              \
	"(missed_by_scan)"
#define COVERAGE_KEEP_DAYS_HELP                                                          \
	"days sweeps are kept to count misses by (keep more than host_gone_after_s)"
#define COVERAGE_OPTION_MISSES(o)                                                        \
	{                                                                                \
		"host_gone_missed_sweeps", SC_OPT_INT, COVERAGE_STR(COVERAGE_MISSES),    \
		    COVERAGE_MISSES_HELP, &(o)->misses, 1, 100                           \
	}
#define COVERAGE_OPTION_KEEP_DAYS(o)                                                     \
	{                                                                                \
		"sweeps_keep_days", SC_OPT_INT, COVERAGE_STR(COVERAGE_KEEP_DAYS),        \
		    COVERAGE_KEEP_DAYS_HELP, &(o)->keep_days, 1, 3650                    \
	}

int apply_coverage(struct batch_ctx *b, const Scanopy__V1__ScanCoverage *c);

/* Hosts a sighting applied late brought back (ids: a Postgres uuid[] text):
 * those the kept sweeps since they were last seen missed the options' misses
 * times are gone again, as they would be had the batches come in order. */
int coverage_recheck(struct batch_ctx *b, const char *ids);

/* The canonical CIDR of a target ("10.0.0.0/24", "fd00::/64"): 0, or -1 when
 * it is not an address with a prefix length its family allows. Host bits
 * are cleared. */
int coverage_cidr(const char *in, char *out, size_t len);

#endif
