/* Host identity rules: MAC spelling and classes (shared VRRP/CARP/HSRP MACs
 * name no machine, locally administered ones join hosts only when the device
 * itself reports them), address, sysName and strong keys, with their reasons. */
#include "identity.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void mac_spellings(void **state)
{
	char m[18];
	assert_int_equal(ident_mac_normalise("00:1A:2b:3C:4d:5E", m), 0);
	assert_string_equal(m, "00:1a:2b:3c:4d:5e");
	assert_int_equal(ident_mac_normalise("00-1a-2b-3c-4d-5e", m), 0);
	assert_string_equal(m, "00:1a:2b:3c:4d:5e");
	assert_int_equal(ident_mac_normalise("001a.2b3c.4d5e", m), 0);
	assert_string_equal(m, "00:1a:2b:3c:4d:5e");
	assert_int_equal(ident_mac_normalise("0:1a:2b:3c:4d:5e", m), 0);
	assert_string_equal(m, "00:1a:2b:3c:4d:5e");
	assert_int_equal(ident_mac_normalise("00:1a:2b:3c:4d", m), -1);
	assert_int_equal(ident_mac_normalise("00:1a:2b:3c:4d:5e:6f", m), -1);
	assert_int_equal(ident_mac_normalise("zz:1a:2b:3c:4d:5e", m), -1);
	assert_int_equal(ident_mac_normalise("", m), -1);
	assert_int_equal(ident_mac_normalise(NULL, m), -1);
}

static void mac_classes(void **state)
{
	assert_int_equal(ident_mac_class("00:1a:2b:3c:4d:5e"), MAC_UNIVERSAL);
	assert_int_equal(ident_mac_class("02:77:01:00:00:12"), MAC_LOCAL);
	assert_int_equal(ident_mac_class("02:42:ac:11:00:02"), MAC_LOCAL); /* Docker */
	assert_int_equal(ident_mac_class("00:00:5e:00:01:0a"),
	                 MAC_VIRTUAL); /* VRRP/CARP */
	assert_int_equal(ident_mac_class("00:00:5e:00:02:0a"),
	                 MAC_VIRTUAL); /* VRRPv3 IPv6 */
	assert_int_equal(ident_mac_class("00:00:0c:07:ac:01"), MAC_VIRTUAL); /* HSRP */
	assert_int_equal(ident_mac_class("00:00:5e:00:53:01"), MAC_UNIVERSAL);
	assert_int_equal(ident_mac_class("01:00:5e:00:00:01"), MAC_MULTICAST);
	assert_int_equal(ident_mac_class("ff:ff:ff:ff:ff:ff"), MAC_MULTICAST);
	assert_int_equal(ident_mac_class("00:00:00:00:00:00"), MAC_ZERO);
	assert_int_equal(ident_mac_class("nonsense"), MAC_INVALID);
}

static void shared_macs_name_no_machine(void **state)
{
	struct ident_set s = {.self = true};
	assert_false(ident_add_mac(&s, "00:00:5e:00:01:01", "arp"));
	assert_false(ident_add_mac(&s, "00:00:0c:07:ac:01", "arp"));
	assert_false(ident_add_mac(&s, "ff:ff:ff:ff:ff:ff", "arp"));
	assert_false(ident_add_mac(&s, "00:00:00:00:00:00", "arp"));
	assert_int_equal(s.n, 0);
}

static void local_macs_join_only_from_the_device(void **state)
{
	struct ident_set arp = {.self = false}, self = {.self = true};
	assert_true(ident_add_mac(&arp, "02:77:fe:00:02:01", "arp table"));
	assert_true(ident_add_mac(&self, "02:77:fe:00:02:01", "snmp if_entry"));
	assert_true(arp.key[0].strength < IDENT_JOINS);
	assert_true(self.key[0].strength >= IDENT_JOINS);
	assert_string_equal(self.key[0].reason, "mac (locally administered)");
	struct ident_set u = {.self = false};
	assert_true(ident_add_mac(&u, "00:1A:2B:3C:4D:5E", "arp"));
	assert_true(u.key[0].strength >= IDENT_JOINS);
	assert_string_equal(u.key[0].value, "00:1a:2b:3c:4d:5e");
}

static void addresses(void **state)
{
	struct ident_set s = {0};
	assert_true(ident_add_ip(&s, "10.77.1.1", "icmp"));
	assert_true(ident_add_ip(&s, "2001:DB8::1", "icmp"));
	assert_string_equal(s.key[1].value, "2001:db8::1"); /* one spelling */
	assert_false(ident_add_ip(&s, "10.77.1.1", "arp")); /* no duplicate key */
	assert_false(ident_add_ip(&s, "127.0.0.1", "x"));
	assert_false(ident_add_ip(&s, "0.0.0.0", "x"));
	assert_false(ident_add_ip(&s, "224.0.0.1", "x"));
	assert_false(ident_add_ip(&s, "::1", "x"));
	assert_false(ident_add_ip(&s, "ff02::1", "x"));
	assert_false(ident_add_ip(&s, "10.77.1.300", "x"));
	assert_false(ident_add_ip(&s, NULL, "x"));
	assert_int_equal(s.n, 2);
	assert_true(s.key[0].strength < IDENT_JOINS);
	assert_string_equal(s.key[0].reason, "ip within network");
}

static void names_and_strong_keys(void **state)
{
	struct ident_set s = {.self = true};
	assert_true(ident_add_sysname(&s, "RTR1 ", "snmp"));
	assert_string_equal(ident_find(&s, "sysname")->value, "rtr1");
	assert_true(ident_find(&s, "sysname")->strength < IDENT_JOINS);
	assert_false(ident_add_sysname(&s, "localhost", "snmp"));
	assert_false(ident_add_sysname(&s, "localhost.localdomain", "snmp"));
	assert_true(ident_add_strong(&s, "snmp_engine", "80001F8803AABB", "snmp"));
	assert_string_equal(ident_find(&s, "snmp_engine")->value, "80001f8803aabb");
	assert_false(ident_add_strong(&s, "snmp_chassis", "00:00:00:00:00:00", "lldp"));
	assert_true(ident_add_strong(&s, "ssh_hostkey", "SHA256:abc", "ssh"));
	assert_true(ident_add_strong(&s, "tls_cert", "ab12", "tls"));
	assert_false(ident_add_strong(&s, "made_up", "x", "x"));
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(s.key[i].kind, "sysname"))
			assert_true(s.key[i].strength >= IDENT_JOINS);
	assert_null(ident_find(&s, "mac"));
}

static void a_set_is_bounded(void **state)
{
	struct ident_set s = {0};
	char ip[32];
	for (int i = 1; i <= IDENT_MAX_KEYS + 5; i++) {
		snprintf(ip, sizeof ip, "10.0.0.%d", i);
		ident_add_ip(&s, ip, "x");
	}
	assert_int_equal(s.n, IDENT_MAX_KEYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mac_spellings),
	    cmocka_unit_test(mac_classes),
	    cmocka_unit_test(shared_macs_name_no_machine),
	    cmocka_unit_test(local_macs_join_only_from_the_device),
	    cmocka_unit_test(addresses),
	    cmocka_unit_test(names_and_strong_keys),
	    cmocka_unit_test(a_set_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
