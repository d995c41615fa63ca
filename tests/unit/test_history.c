/* History (issue 7), the topology's pure parts: a scan coverage's targets
 * read as canonical CIDRs (anything else covers nothing), and which evidence
 * is a liveness sweep's answer (only those make a host one a sweep can miss);
 * a sighting neither swept nor tagged is not even noted; a coverage that
 * proves nothing (incomplete, without a start, without a CIDR) writes
 * nothing; by default one sweep's silence never makes a host gone; the two
 * history options take their ranges only, saying why not. */
#include "coverage.h"
#include "sc_config.h"
#include "sightings.h"
#include "wbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	/* By default a host is gone only after more than one sweep missed
	 * it, and sweeps outlive the 7 days after which it is stale anyway. */
	assert_true(COVERAGE_MISSES >= 2);
	assert_true(COVERAGE_KEEP_DAYS > 7);
}

/* The topology service's two history options, as main.c declares them. */
static struct coverage_opts co;
static const struct sc_option cov_opts[] = {COVERAGE_OPTION_MISSES(&co),
                                            COVERAGE_OPTION_KEEP_DAYS(&co)};
#define NCOV (sizeof cov_opts / sizeof cov_opts[0])

static int load_cov(int argc, char **argv, char *err)
{
	int npos;
	const char *files[] = {NULL};
	return sc_config_load(cov_opts, NCOV, files, argc, argv, &npos, err, 256);
}

static void history_options(void **state)
{
	(void)state;
	char err[256], *argv[] = {"prog", NULL};
	unsetenv("SCANOPY_HOST_GONE_MISSED_SWEEPS");
	unsetenv("SCANOPY_SWEEPS_KEEP_DAYS");
	unsetenv("SCANOPY_CONFIG");
	assert_int_equal(load_cov(1, argv, err), 0);
	assert_int_equal(co.misses, COVERAGE_MISSES);
	assert_int_equal(co.keep_days, COVERAGE_KEEP_DAYS);

	/* The ends of the ranges are taken, from the environment or flags. */
	setenv("SCANOPY_HOST_GONE_MISSED_SWEEPS", "1", 1);
	setenv("SCANOPY_SWEEPS_KEEP_DAYS", "3650", 1);
	assert_int_equal(load_cov(1, argv, err), 0);
	assert_int_equal(co.misses, 1);
	assert_int_equal(co.keep_days, 3650);
	char *flags[] = {"prog", "--host-gone-missed-sweeps", "100",
	                 "--sweeps-keep-days=1", NULL};
	assert_int_equal(load_cov(4, flags, err), 0);
	assert_int_equal(co.misses, 100);
	assert_int_equal(co.keep_days, 1);

	/* A config file's keys. */
	char path[64];
	snprintf(path, sizeof path, "/tmp/sc-history-test.%d.json", getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"host_gone_missed_sweeps\": 3, \"sweeps_keep_days\": 90}", f);
	fclose(f);
	unsetenv("SCANOPY_HOST_GONE_MISSED_SWEEPS");
	unsetenv("SCANOPY_SWEEPS_KEEP_DAYS");
	char *withfile[] = {"prog", "--config", path, NULL};
	assert_int_equal(load_cov(3, withfile, err), 0);
	assert_int_equal(co.misses, 3);
	assert_int_equal(co.keep_days, 90);
	unlink(path);

	/* Outside the ranges, or no number: refused, saying where, which
	 * option and what it takes. */
	static const struct {
		const char *var, *value, *says;
	} bad[] = {
	    {"SCANOPY_HOST_GONE_MISSED_SWEEPS", "0", "0 is outside 1..100"},
	    {"SCANOPY_HOST_GONE_MISSED_SWEEPS", "101", "101 is outside 1..100"},
	    {"SCANOPY_HOST_GONE_MISSED_SWEEPS", "-2", "-2 is outside 1..100"},
	    {"SCANOPY_HOST_GONE_MISSED_SWEEPS", "two", "'two' is not a whole number"},
	    {"SCANOPY_SWEEPS_KEEP_DAYS", "0", "0 is outside 1..3650"},
	    {"SCANOPY_SWEEPS_KEEP_DAYS", "3651", "3651 is outside 1..3650"},
	    {"SCANOPY_SWEEPS_KEEP_DAYS", "30d", "'30d' is not a whole number"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv(bad[i].var, bad[i].value, 1);
		err[0] = 0;
		assert_int_equal(load_cov(1, argv, err), -1);
		assert_non_null(strstr(err, bad[i].var));
		assert_non_null(strstr(err, bad[i].says));
		unsetenv(bad[i].var);
	}
	char *badflag[] = {"prog", "--sweeps-keep-days", "4000", NULL};
	assert_int_equal(load_cov(3, badflag, err), -1);
	assert_non_null(strstr(err, "sweeps_keep_days: 4000 is outside 1..3650"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(targets_as_cidrs),
	    cmocka_unit_test(sweep_evidence),
	    cmocka_unit_test(untagged_unswept_not_noted),
	    cmocka_unit_test(coverage_proving_nothing),
	    cmocka_unit_test(no_flapping),
	    cmocka_unit_test(history_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
