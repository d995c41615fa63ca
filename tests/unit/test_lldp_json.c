/* lldpcli JSON (agent/lldp/lldp_json.c): one interface (an object) and
 * several (an array), chassis keyed by name or not, mgmt-ip as a string or
 * a list, capabilities, CDP, and input that is not lldpcli's. */
#include "lldp_local.h"
#include "localsink.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void addr(const char *ifname, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", !strcmp(ifname, "eth0") ? "10.77.1.1" : "10.77.2.1");
}

static Scanopy__V1__NeighborEntry *nb(struct sink *s, size_t i,
                                      Scanopy__V1__Observation **o)
{
	*o = localsink_get(s, i);
	assert_int_equal((*o)->kind_case, SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR);
	return (*o)->neighbor;
}

static void test_array(void **state)
{
	(void)state;
	const char *j =
	    "{\"lldp\":{\"interface\":[{\"eth0\":{\"via\":\"LLDP\",\"chassis\":{\"sw2."
	    "lab.example\":"
	    "{\"id\":{\"type\":\"mac\",\"value\":\"02:77:a2:00:00:01\"},\"descr\":"
	    "\"sw2\","
	    "\"mgmt-ip\":\"10.77.1.3\",\"capability\":[{\"type\":\"Bridge\",\"enabled\":"
	    "true},"
	    "{\"type\":\"Router\",\"enabled\":false}]}},\"port\":{\"id\":{\"type\":"
	    "\"ifname\","
	    "\"value\":\"swp1\"},\"descr\":\"rtr1 eth0\"}}},{\"eth1\":{\"via\":\"CDPv2\","
	    "\"chassis\":{\"id\":{\"type\":\"local\",\"value\":\"sw9\"},\"mgmt-ip\":["
	    "\"10.77.2.9\","
	    "\"fe80::1\"]},\"port\":{\"id\":{\"type\":\"ifname\",\"value\":\"Gi0/"
	    "1\"}}}}]}}";
	struct sink *s = localsink_open(NULL, true);
	assert_int_equal(lldp_json_emit(j, strlen(j), addr, s), 2);
	Scanopy__V1__Observation *o;
	Scanopy__V1__NeighborEntry *n = nb(s, 0, &o);
	assert_string_equal(n->device_ip, "10.77.1.1");
	assert_string_equal(n->local_port, "eth0");
	assert_string_equal(n->remote_sys_name, "sw2.lab.example");
	assert_string_equal(n->remote_chassis_id, "02:77:a2:00:00:01");
	assert_int_equal(n->remote_chassis_id_subtype, 4);
	assert_string_equal(n->remote_port_id, "swp1");
	assert_int_equal(n->remote_port_id_subtype, 5);
	assert_int_equal(n->remote_capabilities, 4);
	assert_int_equal(n->n_remote_mgmt_addresses, 1);
	assert_int_equal(n->protocol, SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_LLDP);
	scanopy__v1__observation__free_unpacked(o, NULL);
	n = nb(s, 1, &o);
	assert_string_equal(n->device_ip, "10.77.2.1");
	assert_int_equal(n->protocol, SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_CDP);
	assert_string_equal(n->remote_chassis_id, "sw9");
	assert_string_equal(n->remote_sys_name, "");
	assert_int_equal(n->n_remote_mgmt_addresses, 2);
	scanopy__v1__observation__free_unpacked(o, NULL);
	sink_close(s);
}

static void test_object_and_junk(void **state)
{
	(void)state;
	const char *j =
	    "{\"lldp\":{\"interface\":{\"eth0\":{\"via\":\"LLDP\",\"chassis\":{\"sw1\":"
	    "{\"id\":{\"type\":\"mac\",\"value\":\"02:77:a1:00:00:01\"}}},\"port\":"
	    "{\"id\":{\"type\":\"mac\",\"value\":\"02:77:a1:00:00:03\"}}}}}}";
	struct sink *s = localsink_open(NULL, true);
	assert_int_equal(lldp_json_emit(j, strlen(j), addr, s), 1);
	Scanopy__V1__Observation *o;
	Scanopy__V1__NeighborEntry *n = nb(s, 0, &o);
	assert_string_equal(n->remote_sys_name, "sw1");
	assert_int_equal(n->remote_port_id_subtype, 3);
	scanopy__v1__observation__free_unpacked(o, NULL);
	/* no neighbours: lldpcli prints an empty interface list */
	assert_int_equal(lldp_json_emit("{\"lldp\":{}}", 11, addr, s), 0);
	assert_int_equal(lldp_json_emit("{\"lldp\":[1]}", 12, addr, s), -1);
	assert_int_equal(lldp_json_emit("not json", 8, addr, s), -1);
	/* entries of the wrong shape are skipped, not trusted */
	const char *odd =
	    "{\"lldp\":{\"interface\":[{\"eth0\":3},{\"eth1\":{\"chassis\":[]}}]}}";
	assert_int_equal(lldp_json_emit(odd, strlen(odd), addr, s), 0);
	sink_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_array),
	    cmocka_unit_test(test_object_and_junk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
