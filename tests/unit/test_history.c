/* History (issue 7), the topology's pure parts: a scan coverage's targets
 * read as canonical CIDRs (anything else covers nothing), and which evidence
 * is a liveness sweep's answer (only those make a host one a sweep can miss);
 * a sighting neither swept nor tagged is not even noted; a coverage that
 * proves nothing (incomplete, without a start, without a CIDR) writes
 * nothing; one sweep's silence never makes a host gone. */
#include "coverage.h"
#include "sightings.h"
#include "wbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void targets_as_cidrs(void **state)
{
	(void)state;
	char out[64];
	static const struct {
		const char *in, *want;
	} ok[] = {
	    {"10.90.1.0/24", "10.90.1.0/24"}, {"10.90.1.77/24", "10.90.1.0/24"},
	    {"10.0.0.5/32", "10.0.0.5/32"},   {"0.0.0.0/0", "0.0.0.0/0"},
	    {"10.4.0.70/31", "10.4.0.70/31"}, {"fd00::1:2/112", "fd00::1:0/112"},
	    {"10.1.2.3/9", "10.0.0.0/9"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(coverage_cidr(ok[i].in, out, sizeof out), 0);
		assert_string_equal(out, ok[i].want);
	}
	static const char *const bad[] = {
	    "10.90.1.0",   "not-a-cidr",       "10.90.1.0/33",
	    "10.90.1.0/",  "10.90.1.0/x",      "10.90.1.0/24x",
	    "/24",         "fd00::/129",       "10.0.0.0/-1",
	    "999.0.0.0/8", "10.0.0.5-10.0.0.9"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(coverage_cidr(bad[i], out, sizeof out), -1);
	assert_int_equal(coverage_cidr(NULL, out, sizeof out), -1);
	assert_int_equal(coverage_cidr("10.90.1.0/24", out, 8), -1); /* no room */
}

static void sweep_evidence(void **state)
{
	(void)state;
	assert_true(sighting_is_sweep(SCANOPY__V1__EVIDENCE__EVIDENCE_ARP));
	assert_true(sighting_is_sweep(SCANOPY__V1__EVIDENCE__EVIDENCE_ICMP));
	assert_true(sighting_is_sweep(SCANOPY__V1__EVIDENCE__EVIDENCE_TCP));
	assert_true(sighting_is_sweep(SCANOPY__V1__EVIDENCE__EVIDENCE_NDP));
	static const Scanopy__V1__Evidence unseen[] = {
	    SCANOPY__V1__EVIDENCE__EVIDENCE_UNKNOWN,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_UDP,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_PASSIVE,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_MDNS,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_SSDP,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_NETBIOS,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_SNMP,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_LLDP,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_DOCKER,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_DNS,
	    SCANOPY__V1__EVIDENCE__EVIDENCE_DHCP};
	for (size_t i = 0; i < sizeof unseen / sizeof unseen[0]; i++)
		assert_false(sighting_is_sweep(unseen[i]));
}

static void untagged_unswept_not_noted(void **state)
{
	(void)state;
	struct batch_ctx b;
	memset(&b, 0, sizeof b);
	/* Neither a sweep's answer nor tagged (0: priority tag, 4095:
	 * reserved): nothing to write, so the write buffer is not even touched
	 * (there is none here: a write would crash). */
	assert_int_equal(
	    sightings_note(&b, "10.0.0.1", SCANOPY__V1__EVIDENCE__EVIDENCE_PASSIVE, 0, 0),
	    0);
	assert_int_equal(
	    sightings_note(&b, "10.0.0.1", SCANOPY__V1__EVIDENCE__EVIDENCE_MDNS, 4095, 7),
	    0);
	/* Tagged, or a sweep's answer: noted in the write buffer. */
	assert_non_null(b.wb = wbuf_new());
	assert_int_equal(sightings_note(&b, "10.0.0.1",
	                                SCANOPY__V1__EVIDENCE__EVIDENCE_PASSIVE, 20, 0),
	                 0);
	assert_int_equal(
	    sightings_note(&b, "10.0.0.2", SCANOPY__V1__EVIDENCE__EVIDENCE_ARP, 0, 0), 0);
	wbuf_free(b.wb);
}

static void coverage_proving_nothing(void **state)
{
	(void)state;
	/* No connection: a coverage that wrote anything would fail (or
	 * crash) here; these must not even try. */
	struct batch_ctx b;
	memset(&b, 0, sizeof b);
	char t0[] = "10.90.1.0/24", t1[] = "not-a-cidr", t2[] = "10.90.1.0";
	char *ok[] = {t0}, *bad[] = {t1, t2};
	Scanopy__V1__ScanCoverage c = SCANOPY__V1__SCAN_COVERAGE__INIT;
	c.n_targets = 1;
	c.targets = ok;
	c.has_started_at_ms = c.has_finished_at_ms = c.has_complete = 1;
	c.started_at_ms = 1700000000000;
	c.finished_at_ms = 1700000060000;
	c.complete = 0; /* stopped early */
	assert_int_equal(apply_coverage(&b, &c), 0);
	c.complete = 1;
	c.has_started_at_ms = 0; /* when it started is unknown */
	assert_int_equal(apply_coverage(&b, &c), 0);
	c.has_started_at_ms = 1;
	c.started_at_ms = 0;
	assert_int_equal(apply_coverage(&b, &c), 0);
	c.started_at_ms = 1700000000000;
	c.n_targets = 0; /* covers nothing */
	assert_int_equal(apply_coverage(&b, &c), 0);
	c.n_targets = 2;
	c.targets = bad; /* nothing it names is a CIDR */
	assert_int_equal(apply_coverage(&b, &c), 0);
	assert_int_equal(b.counts.hosts_disappeared, 0);
}

static void no_flapping(void **state)
{
	(void)state;
	/* A host is gone only after more than one sweep missed it, and SQL
	 * is told the same number. */
	assert_true(COVERAGE_MISSES >= 2);
	assert_int_equal(atoi(COVERAGE_MISSES_TEXT), COVERAGE_MISSES);
	assert_true(atoi(COVERAGE_KEEP_DAYS) > 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(targets_as_cidrs),
	    cmocka_unit_test(sweep_evidence),
	    cmocka_unit_test(untagged_unswept_not_noted),
	    cmocka_unit_test(coverage_proving_nothing),
	    cmocka_unit_test(no_flapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
