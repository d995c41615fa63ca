/* The probe plan parser (agent/discovery/scan_plan.c): the plan the
 * fingerprint service derives parses whole; anything malformed is refused
 * whole, with a reason, and leaves nothing allocated. */
#include "scan_plan.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const char good[] =
    "{\"plan_version\":\"sha256:0011\",\"definitions_version\":\"x\","
    "\"tcp_ports\":[22,80,9100],\"udp_ports\":[161],"
    "\"http\":[{\"path\":\"/\",\"ports\":\"all-open-tcp\"},"
    "{\"path\":\"/metrics\",\"ports\":[9100,9090]}],"
    "\"probes\":[{\"id\":\"pjl-info-id\",\"protocol\":\"tcp\",\"payload_hex\":\"1b40\","
    "\"ports\":[9100],\"read_ms\":1500},"
    "{\"id\":\"stun-binding\",\"protocol\":\"udp\",\"payload_hex\":\"0001\",\"ports\":["
    "3478]}],"
    "\"snmp\":true}";

static void parses_a_plan(void **state)
{
	(void)state;
	struct scan_plan p;
	char why[128] = "";
	assert_int_equal(scan_plan_parse(good, strlen(good), &p, why, sizeof why), 0);
	assert_string_equal(p.version, "sha256:0011");
	assert_int_equal(p.ntcp, 3);
	assert_int_equal(p.nudp, 1);
	assert_int_equal(p.npaths, 2);
	assert_string_equal(p.path_strings[1], "/metrics");
	assert_true(scan_ports_has(&p.paths[0].ports, 12345)); /* all-open-tcp */
	assert_true(scan_ports_has(&p.paths[1].ports, 9090));
	assert_false(scan_ports_has(&p.paths[1].ports, 80));
	assert_int_equal(p.nprobes, 2);
	assert_false(p.probes[0].udp);
	assert_true(p.probes[1].udp);
	assert_int_equal(p.probes[0].len, 2);
	assert_int_equal(p.probes[0].payload[0], 0x1b);
	assert_int_equal(p.probes[0].read_ms, 1500);
	scan_plan_free(&p);
}

static void refuses_bad_plans(void **state)
{
	(void)state;
	static const struct {
		const char *text, *reason;
	} bad[] = {
	    {"not json", "not JSON"},
	    {"[]", "not a JSON object"},
	    {"{\"tcp_ports\":[],\"udp_ports\":[],\"http\":[],\"probes\":[]}",
	     "plan_version"},
	    {"{\"plan_version\":\"v\",\"tcp_ports\":[0],\"udp_ports\":[],\"http\":[],"
	     "\"probes\":[]}",
	     "tcp_ports"},
	    {"{\"plan_version\":\"v\",\"tcp_ports\":[70000],\"udp_ports\":[],\"http\":[],"
	     "\"probes\":[]}",
	     "tcp_ports"},
	    {"{\"plan_version\":\"v\",\"tcp_ports\":[],\"udp_ports\":[],"
	     "\"http\":[{\"path\":\"/a b\",\"ports\":[80]}],\"probes\":[]}",
	     "absolute and printable"},
	    {"{\"plan_version\":\"v\",\"tcp_ports\":[],\"udp_ports\":[],"
	     "\"http\":[{\"path\":\"x\",\"ports\":[80]}],\"probes\":[]}",
	     "absolute and printable"},
	    {"{\"plan_version\":\"v\",\"tcp_ports\":[],\"udp_ports\":[],\"http\":[],"
	     "\"probes\":[{\"id\":\"x\",\"protocol\":\"tcp\",\"payload_hex\":\"zz\","
	     "\"ports\":[1]}]}",
	     "payload_hex"},
	    {"{\"plan_version\":\"v\",\"tcp_ports\":[],\"udp_ports\":[],\"http\":[],"
	     "\"probes\":[{\"id\":\"x\",\"protocol\":\"sctp\",\"payload_hex\":\"00\","
	     "\"ports\":[1]}]}",
	     "protocol"},
	    {"{\"plan_version\":\"v\",\"tcp_ports\":[],\"udp_ports\":[],\"http\":[],"
	     "\"probes\":[{\"id\":\"x\",\"protocol\":\"tcp\",\"payload_hex\":\"00\","
	     "\"ports\":\"all-open-tcp\"}]}",
	     "bad ports"},
	    {"{\"plan_version\":\"v\",\"plan_version\":\"w\",\"tcp_ports\":[],\"udp_"
	     "ports\":[],"
	     "\"http\":[],\"probes\":[]}",
	     "not JSON"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct scan_plan p;
		char why[160] = "";
		assert_int_equal(scan_plan_parse(bad[i].text, strlen(bad[i].text), &p,
		                                 why, sizeof why),
		                 -1);
		if (!strstr(why, bad[i].reason))
			fail_msg("case %zu: reason '%s' lacks '%s'", i, why,
			         bad[i].reason);
		assert_null(p.probes);
		assert_null(p.paths);
		assert_null(p.tcp);
	}
}

static void refuses_an_oversized_payload(void **state)
{
	(void)state;
	char text[8192];
	int w = snprintf(
	    text, sizeof text,
	    "{\"plan_version\":\"v\",\"tcp_ports\":[],\"udp_ports\":[],\"http\":[],"
	    "\"probes\":[{\"id\":\"x\",\"protocol\":\"tcp\",\"payload_hex\":\"");
	for (int i = 0; i < 2 * (SCAN_PLAN_MAX_PAYLOAD + 1); i++)
		text[w++] = 'a';
	snprintf(text + w, sizeof text - (size_t)w, "\",\"ports\":[1]}]}");
	struct scan_plan p;
	char why[160];
	assert_int_equal(scan_plan_parse(text, strlen(text), &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "payload_hex"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_a_plan),
	    cmocka_unit_test(refuses_bad_plans),
	    cmocka_unit_test(refuses_an_oversized_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
