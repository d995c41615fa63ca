#include "selfreport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void subnets_from_address_and_prefix(void **state)
{
	(void)state;
	char s[64];
	assert_int_equal(selfreport_subnet("10.77.1.23", 24, s, sizeof s), 0);
	assert_string_equal(s, "10.77.1.0/24");
	assert_int_equal(selfreport_subnet("172.16.5.4", 12, s, sizeof s), 0);
	assert_string_equal(s, "172.16.0.0/12");
	assert_int_equal(selfreport_subnet("192.168.1.1", 32, s, sizeof s), 0);
	assert_string_equal(s, "192.168.1.1/32");
	assert_int_equal(selfreport_subnet("fd00::2:1", 64, s, sizeof s), 0);
	assert_string_equal(s, "fd00::/64");
	assert_int_equal(selfreport_subnet("10.0.0.1", 33, s, sizeof s), -1);
	assert_int_equal(selfreport_subnet("not-an-ip", 24, s, sizeof s), -1);
}

static void interface_types_from_names(void **state)
{
	(void)state;
	assert_int_equal(selfreport_iftype("lo", true),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LOOPBACK);
	assert_int_equal(selfreport_iftype("eth0", false),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LAN);
	assert_int_equal(selfreport_iftype("eth0.100", false),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VLAN);
	assert_int_equal(selfreport_iftype("docker0", false),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE);
	assert_int_equal(selfreport_iftype("br-3f2a", false),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE);
	assert_int_equal(selfreport_iftype("wlan0", false),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_WIFI);
	assert_int_equal(selfreport_iftype("wg0", false),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VPN);
	assert_int_equal(selfreport_iftype("br0", false),
	                 SCANOPY__V1__INTERFACE_TYPE__IFTYPE_BRIDGE);
}

static void collects_this_machines_interfaces(void **state)
{
	(void)state;
	Scanopy__V1__SelfReport sr;
	assert_int_equal(selfreport_collect(&sr, "probe", "integrated", false), 0);
	int loopback = 0;
	for (size_t i = 0; i < sr.n_interfaces; i++)
		if (sr.interfaces[i]->type ==
		    SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LOOPBACK)
			loopback = 1;
	assert_true(loopback);
	assert_string_equal(sr.daemon_name, "probe");
	assert_non_null(sr.hostname);
	selfreport_free(&sr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(subnets_from_address_and_prefix),
	    cmocka_unit_test(interface_types_from_names),
	    cmocka_unit_test(collects_this_machines_interfaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
