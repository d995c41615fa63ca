/* SNMP varbind tables to observations (agent/snmp/snmp_decode.c): bridge
 * ports to ifIndex and ifName, MAC and LLDP id formatting, LLDP local port
 * mapping and management addresses, ARP from both IP-MIB tables, the
 * device's own addresses, Q-BRIDGE preferred over BRIDGE-MIB, a port's
 * native and tagged VLANs (Q-BRIDGE PVID and VLAN tables), and hostile rows
 * (short indexes, arcs over 255, VLAN ids out of range) skipped. */
#include "localsink.h"
#include "snmp_decode.h"
#include "snmp_vlan.h"
#include "sv_table.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void add(struct sv_table *t, const char *oid, uint8_t type, const void *val,
                size_t vlen, uint64_t num)
{
	uint32_t o[SV_MAX_OID];
	int n = sv_oid_parse(oid, o, SV_MAX_OID);
	assert_true(n > 0);
	assert_int_equal(sv_table_add(t, o, (size_t)n, type, val, vlen, num), 0);
}
#define INT(t, oid, v) add(t, oid, SV_INTEGER, NULL, 0, v)
#define STR(t, oid, s) add(t, oid, SV_OCTETS, s, strlen(s), 0)
#define OCT(t, oid, ...)                                                                 \
	do {                                                                             \
		const uint8_t b_[] = {__VA_ARGS__};                                      \
		add(t, oid, SV_OCTETS, b_, sizeof b_, 0);                                \
	} while (0)

/* A switch like the lab's sw1: ifIndex 1 lo, 3..5 swp1..swp3; bridge ports
 * 1..3 map to ifIndex 3..5; one LLDP neighbour on swp2 (port num 4). */
static void switch_table(struct sv_table *t)
{
	sv_table_init(t);
	STR(t, "1.3.6.1.2.1.1.5.0", "sw1");
	add(t, "1.3.6.1.2.1.1.2.0", SV_OID, "1.3.6.1.4.1.8072.3.2.10", 23, 0);
	add(t, "1.3.6.1.2.1.1.3.0", SV_TIMETICKS, NULL, 0, 4242);
	INT(t, "1.0.8802.1.1.2.1.3.1.0", 4);
	OCT(t, "1.0.8802.1.1.2.1.3.2.0", 0x02, 0x77, 0xa1, 0, 0, 1);
	uint32_t ifs[] = {1, 3, 4, 5};
	const char *names[] = {"lo", "swp1", "swp2", "swp3"};
	for (int i = 0; i < 4; i++) {
		char o[64];
		snprintf(o, sizeof o, "1.3.6.1.2.1.2.2.1.1.%u", ifs[i]);
		INT(t, o, ifs[i]);
		snprintf(o, sizeof o, "1.3.6.1.2.1.2.2.1.2.%u", ifs[i]);
		STR(t, o, names[i]);
		snprintf(o, sizeof o, "1.3.6.1.2.1.2.2.1.8.%u", ifs[i]);
		INT(t, o, i == 3 ? 2 : 1);
		snprintf(o, sizeof o, "1.3.6.1.2.1.31.1.1.1.1.%u", ifs[i]);
		STR(t, o, names[i]);
		snprintf(o, sizeof o, "1.3.6.1.2.1.31.1.1.1.15.%u", ifs[i]);
		add(t, o, SV_GAUGE32, NULL, 0, 10000);
	}
	OCT(t, "1.3.6.1.2.1.2.2.1.6.4", 0x02, 0x77, 0xa1, 0, 0, 2);
	for (uint32_t p = 1; p <= 3; p++) {
		char o[64];
		snprintf(o, sizeof o, "1.3.6.1.2.1.17.1.4.1.2.%u", p);
		INT(t, o, p + 2);
	}
	/* FDB: 02:77:01:00:00:12 on port 3 (learned), own MAC port 0 (self),
	 * a hostile index with an arc over 255, one with a short index */
	INT(t, "1.3.6.1.2.1.17.4.3.1.2.2.119.1.0.0.18", 3);
	INT(t, "1.3.6.1.2.1.17.4.3.1.3.2.119.1.0.0.18", 3);
	INT(t, "1.3.6.1.2.1.17.4.3.1.2.2.119.161.0.0.0", 0);
	INT(t, "1.3.6.1.2.1.17.4.3.1.3.2.119.161.0.0.0", 4);
	INT(t, "1.3.6.1.2.1.17.4.3.1.2.2.119.1.0.0.999", 2);
	INT(t, "1.3.6.1.2.1.17.4.3.1.2.2.119.1", 2);
	/* LLDP: lldpLocPortId for port 4 = "swp2" (ifName subtype); remote on
	 * port 4: chassis MAC, port id "eth0"... index timeMark.port.rem */
	INT(t, "1.0.8802.1.1.2.1.3.7.1.2.4", 5);
	STR(t, "1.0.8802.1.1.2.1.3.7.1.3.4", "swp2");
	INT(t, "1.0.8802.1.1.2.1.4.1.1.4.100.4.1", 4);
	OCT(t, "1.0.8802.1.1.2.1.4.1.1.5.100.4.1", 0x02, 0x77, 0x01, 0, 0, 0x11);
	INT(t, "1.0.8802.1.1.2.1.4.1.1.6.100.4.1", 3);
	OCT(t, "1.0.8802.1.1.2.1.4.1.1.7.100.4.1", 0x02, 0x77, 0x01, 0, 0, 0x11);
	STR(t, "1.0.8802.1.1.2.1.4.1.1.9.100.4.1", "ns1.lab.example");
	OCT(t, "1.0.8802.1.1.2.1.4.1.1.12.100.4.1", 0x20, 0x00); /* bridge (bit 2) */
	INT(t, "1.0.8802.1.1.2.1.4.2.1.3.100.4.1.1.4.10.77.1.11", 2);
	INT(t, "1.0.8802.1.1.2.1.4.2.1.3.100.4.1.1.5.10.77.1.12.9", 2); /* bad len */
	/* a remote row with a short index is skipped */
	INT(t, "1.0.8802.1.1.2.1.4.1.1.4.100.4", 4);
	/* own address on ifIndex 4 with a /24 mask */
	INT(t, "1.3.6.1.2.1.4.20.1.2.10.77.1.2", 4);
	add(t, "1.3.6.1.2.1.4.20.1.3.10.77.1.2", SV_IPADDR, "\xff\xff\xff\x00", 4, 0);
	/* ARP: ipNetToMediaTable only */
	OCT(t, "1.3.6.1.2.1.4.22.1.2.4.10.77.1.1", 0x02, 0x77, 0xfe, 0, 1, 1);
	INT(t, "1.3.6.1.2.1.4.22.1.4.4.10.77.1.1", 3);
	OCT(t, "1.3.6.1.2.1.4.22.1.2.4.10.77.1.9", 0x02, 0x77); /* short MAC */
	sv_table_sort(t);
}

static Scanopy__V1__Observation *find(struct sink *s, int kind, int nth)
{
	for (size_t i = 0; i < localsink_count(s); i++) {
		Scanopy__V1__Observation *o = localsink_get(s, i);
		if ((int)o->kind_case == kind && nth-- == 0)
			return o;
		scanopy__v1__observation__free_unpacked(o, NULL);
	}
	return NULL;
}

static void test_switch(void **state)
{
	(void)state;
	struct sv_table t;
	switch_table(&t);
	assert_int_equal(snmp_bridge_port_ifindex(&t, 3), 5);
	assert_int_equal(snmp_bridge_port_ifindex(&t, 9), 0);
	struct sink *s = localsink_open(NULL, true);
	struct snmp_counts c;
	assert_int_equal(snmp_decode_emit(s, "10.77.1.2", &t, "80001f88", &c), 0);
	assert_int_equal(c.interfaces, 4);
	assert_int_equal(c.fdb, 2);
	assert_int_equal(c.neighbors, 1);
	assert_int_equal(c.arp, 1);
	assert_int_equal(c.addresses, 1);

	Scanopy__V1__Observation *o =
	    find(s, SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM, 0);
	assert_non_null(o);
	assert_string_equal(o->snmp_system->sys_name, "sw1");
	assert_string_equal(o->snmp_system->sys_object_id, "1.3.6.1.4.1.8072.3.2.10");
	assert_string_equal(o->snmp_system->chassis_id, "02:77:a1:00:00:01");
	assert_string_equal(o->snmp_system->engine_id, "80001f88");
	assert_int_equal(o->snmp_system->sys_uptime_cs, 4242);
	scanopy__v1__observation__free_unpacked(o, NULL);

	o = find(s, SCANOPY__V1__OBSERVATION__KIND_FDB, 0);
	assert_non_null(o);
	assert_string_equal(o->fdb->mac, "02:77:01:00:00:12");
	assert_int_equal(o->fdb->bridge_port, 3);
	assert_int_equal(o->fdb->if_index, 5);
	assert_string_equal(o->fdb->port_name, "swp3");
	assert_int_equal(o->fdb->status, 3);
	scanopy__v1__observation__free_unpacked(o, NULL);
	o = find(s, SCANOPY__V1__OBSERVATION__KIND_FDB, 1);
	assert_string_equal(o->fdb->mac, "02:77:a1:00:00:00");
	assert_int_equal(o->fdb->status, 4);
	assert_false(o->fdb->has_if_index);
	scanopy__v1__observation__free_unpacked(o, NULL);

	o = find(s, SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR, 0);
	assert_non_null(o);
	assert_int_equal(o->neighbor->local_if_index, 4);
	assert_string_equal(o->neighbor->local_port, "swp2");
	assert_string_equal(o->neighbor->remote_chassis_id, "02:77:01:00:00:11");
	assert_string_equal(o->neighbor->remote_port_id, "02:77:01:00:00:11");
	assert_string_equal(o->neighbor->remote_sys_name, "ns1.lab.example");
	assert_int_equal(o->neighbor->n_remote_mgmt_addresses, 1);
	assert_string_equal(o->neighbor->remote_mgmt_addresses[0], "10.77.1.11");
	assert_int_equal(o->neighbor->remote_capabilities, 4);
	scanopy__v1__observation__free_unpacked(o, NULL);

	o = find(s, SCANOPY__V1__OBSERVATION__KIND_IF_ENTRY, 2);
	assert_int_equal(o->if_entry->if_index, 4);
	assert_string_equal(o->if_entry->name, "swp2");
	assert_string_equal(o->if_entry->mac, "02:77:a1:00:00:02");
	assert_int_equal(o->if_entry->speed_bps, 10000000000ull);
	assert_true(o->if_entry->oper_up);
	assert_int_equal(o->if_entry->n_addresses, 1);
	assert_string_equal(o->if_entry->addresses[0]->ip, "10.77.1.2");
	assert_int_equal(o->if_entry->addresses[0]->prefix_len, 24);
	assert_string_equal(o->if_entry->addresses[0]->subnet, "10.77.1.0/24");
	scanopy__v1__observation__free_unpacked(o, NULL);
	o = find(s, SCANOPY__V1__OBSERVATION__KIND_IF_ENTRY, 3);
	assert_false(o->if_entry->oper_up);
	scanopy__v1__observation__free_unpacked(o, NULL);

	o = find(s, SCANOPY__V1__OBSERVATION__KIND_ARP, 0);
	assert_string_equal(o->arp->ip, "10.77.1.1");
	assert_string_equal(o->arp->mac, "02:77:fe:00:01:01");
	assert_int_equal(o->arp->if_index, 4);
	scanopy__v1__observation__free_unpacked(o, NULL);
	sink_close(s);
	sv_table_free(&t);
}

/* Q-BRIDGE wins over BRIDGE-MIB and carries the VLAN; ipNetToPhysical wins
 * over ipNetToMedia and decodes IPv6. */
static void test_qbridge_and_phys(void **state)
{
	(void)state;
	struct sv_table t;
	switch_table(&t);
	INT(&t, "1.3.6.1.2.1.17.7.1.2.2.1.2.20.2.119.1.0.0.19", 2);
	INT(&t, "1.3.6.1.2.1.17.7.1.2.2.1.3.20.2.119.1.0.0.19", 3);
	OCT(&t, "1.3.6.1.2.1.4.35.1.4.4.2.16.254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1", 2,
	    0x77, 1, 0, 0, 0x13);
	INT(&t, "1.3.6.1.2.1.4.35.1.6.4.2.16.254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1", 3);
	sv_table_sort(&t);
	struct sink *s = localsink_open(NULL, true);
	struct snmp_counts c;
	assert_int_equal(snmp_decode_emit(s, "10.77.1.2", &t, NULL, &c), 0);
	assert_int_equal(c.fdb, 1);
	Scanopy__V1__Observation *o = find(s, SCANOPY__V1__OBSERVATION__KIND_FDB, 0);
	assert_string_equal(o->fdb->mac, "02:77:01:00:00:13");
	assert_int_equal(o->fdb->vlan_id, 20);
	assert_string_equal(o->fdb->port_name, "swp2");
	scanopy__v1__observation__free_unpacked(o, NULL);
	assert_int_equal(c.arp, 1);
	o = find(s, SCANOPY__V1__OBSERVATION__KIND_ARP, 0);
	assert_string_equal(o->arp->ip, "fe80::1");
	scanopy__v1__observation__free_unpacked(o, NULL);
	sink_close(s);
	sv_table_free(&t);
}

/* LLDP-V2-MIB (local port = ifIndex in the index) and CISCO-CDP-MIB. */
static void test_lldp_v2_and_cdp(void **state)
{
	(void)state;
	struct sv_table t;
	sv_table_init(&t);
	INT(&t, "1.3.6.1.2.1.2.2.1.1.7", 7);
	STR(&t, "1.3.6.1.2.1.31.1.1.1.1.7", "Gi0/7");
	/* lldpV2RemEntry index timeMark.ifIndex.destMACAddrIndex.remIndex */
	INT(&t, "1.3.111.2.802.1.1.13.1.4.1.1.5.0.7.1.3", 4);
	OCT(&t, "1.3.111.2.802.1.1.13.1.4.1.1.6.0.7.1.3", 0, 0x1b, 0x2c, 0x3d, 0x4e,
	    0x5f);
	INT(&t, "1.3.111.2.802.1.1.13.1.4.1.1.7.0.7.1.3", 5);
	STR(&t, "1.3.111.2.802.1.1.13.1.4.1.1.8.0.7.1.3", "ge-0/0/1");
	STR(&t, "1.3.111.2.802.1.1.13.1.4.1.1.10.0.7.1.3", "core1");
	INT(&t, "1.3.111.2.802.1.1.13.1.4.2.1.3.0.7.1.3.1.4.192.0.2.9", 2);
	/* cdpCacheEntry index ifIndex.deviceIndex */
	INT(&t, "1.3.6.1.4.1.9.9.23.1.2.1.1.3.7.12", 1);
	add(&t, "1.3.6.1.4.1.9.9.23.1.2.1.1.4.7.12", SV_OCTETS, "\xc0\x00\x02\x0a", 4, 0);
	STR(&t, "1.3.6.1.4.1.9.9.23.1.2.1.1.6.7.12", "edge2.example");
	STR(&t, "1.3.6.1.4.1.9.9.23.1.2.1.1.7.7.12", "GigabitEthernet0/2");
	STR(&t, "1.3.6.1.4.1.9.9.23.1.2.1.1.8.7.12", "cisco WS-C2960");
	sv_table_sort(&t);
	struct sink *s = localsink_open(NULL, true);
	struct snmp_counts c;
	assert_int_equal(snmp_decode_emit(s, "192.0.2.1", &t, NULL, &c), 0);
	assert_int_equal(c.neighbors, 2);
	Scanopy__V1__Observation *o = find(s, SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR, 0);
	assert_int_equal(o->neighbor->protocol,
	                 SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_LLDP);
	assert_int_equal(o->neighbor->local_if_index, 7);
	assert_string_equal(o->neighbor->local_port, "Gi0/7");
	assert_string_equal(o->neighbor->remote_chassis_id, "00:1b:2c:3d:4e:5f");
	assert_string_equal(o->neighbor->remote_port_id, "ge-0/0/1");
	assert_string_equal(o->neighbor->remote_sys_name, "core1");
	assert_int_equal(o->neighbor->n_remote_mgmt_addresses, 1);
	assert_string_equal(o->neighbor->remote_mgmt_addresses[0], "192.0.2.9");
	scanopy__v1__observation__free_unpacked(o, NULL);
	o = find(s, SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR, 1);
	assert_int_equal(o->neighbor->protocol,
	                 SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_CDP);
	assert_string_equal(o->neighbor->local_port, "Gi0/7");
	assert_string_equal(o->neighbor->remote_sys_name, "edge2.example");
	assert_string_equal(o->neighbor->remote_port_id, "GigabitEthernet0/2");
	assert_string_equal(o->neighbor->remote_sys_descr, "cisco WS-C2960");
	assert_string_equal(o->neighbor->remote_mgmt_addresses[0], "192.0.2.10");
	scanopy__v1__observation__free_unpacked(o, NULL);
	sink_close(s);
	sv_table_free(&t);
}

/* A port's VLANs: PVID, tagged = egress minus untagged; the current table
 * wins over the static one; the device's VLANs with their names; a port with no PVID row
 * takes its untagged VLAN; VLAN 4095, non-octet and short port lists are no membership.
 */
static void test_port_vlans(void **state)
{
	(void)state;
	struct sv_table t;
	switch_table(&t);
	/* bridge ports 1..3 = ifIndex 3..5 (swp1..swp3) */
	INT(&t, "1.3.6.1.2.1.17.7.1.4.5.1.1.1", 10);
	INT(&t, "1.3.6.1.2.1.17.7.1.4.5.1.1.3", 20);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.2.10", 0xa0); /* ports 1, 3 */
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.4.10", 0x80); /* untagged on 1 */
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.2.20", 0xa0);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.4.20", 0x20); /* untagged on 3 */
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.2.30", 0xc0); /* ports 1, 2 */
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.4.30", 0x40); /* untagged on 2 */
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.2.4095", 0xff);
	INT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.2.40", 0xff);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.3.1.2.3000", 0x00, 0x80); /* port 9 */
	STR(&t, "1.3.6.1.2.1.17.7.1.4.3.1.1.10", "users");
	sv_table_sort(&t);
	uint32_t pvid, tagged[SNMP_VLAN_MAX];
	assert_int_equal(snmp_ifindex_bridge_port(&t, 5), 3);
	assert_int_equal(snmp_ifindex_bridge_port(&t, 1), 0);
	assert_int_equal(snmp_port_vlans(&t, 3, &pvid, tagged), 2);
	assert_int_equal(pvid, 10);
	assert_int_equal(tagged[0], 20);
	assert_int_equal(tagged[1], 30);
	assert_int_equal(snmp_port_vlans(&t, 4, &pvid, tagged), 0);
	assert_int_equal(pvid, 30);
	assert_int_equal(snmp_port_vlans(&t, 5, &pvid, tagged), 1);
	assert_int_equal(pvid, 20);
	assert_int_equal(tagged[0], 10);
	assert_int_equal(snmp_port_vlans(&t, 1, &pvid, tagged), 0);
	assert_int_equal(pvid, 0);
	assert_false(snmp_portlist_has((const uint8_t *)"\x80", 1, 9));
	assert_false(snmp_portlist_has((const uint8_t *)"\x80", 1, 0));
	assert_true(snmp_portlist_has((const uint8_t *)"\x00\x01", 2, 16));

	/* the device's VLANs: every row of either table, 4095 left out */
	uint32_t ids[SNMP_VLAN_MAX];
	assert_int_equal(snmp_device_vlans(&t, ids), 5);
	assert_int_equal(ids[0], 10);
	assert_int_equal(ids[3], 40);
	assert_int_equal(ids[4], 3000);

	/* the observations carry them */
	struct sink *s = localsink_open(NULL, true);
	struct snmp_counts c;
	assert_int_equal(snmp_decode_emit(s, "10.77.1.2", &t, NULL, &c), 0);
	Scanopy__V1__Observation *sy =
	    find(s, SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM, 0);
	assert_int_equal(sy->snmp_system->n_vlans, 5);
	assert_int_equal(sy->snmp_system->vlans[0]->vlan_id, 10);
	assert_string_equal(sy->snmp_system->vlans[0]->name, "users");
	assert_int_equal(sy->snmp_system->vlans[1]->vlan_id, 20);
	assert_string_equal(sy->snmp_system->vlans[1]->name, "");
	scanopy__v1__observation__free_unpacked(sy, NULL);
	Scanopy__V1__Observation *o = find(s, SCANOPY__V1__OBSERVATION__KIND_IF_ENTRY, 1);
	assert_string_equal(o->if_entry->name, "swp1");
	assert_true(o->if_entry->has_vlan_id);
	assert_int_equal(o->if_entry->vlan_id, 10);
	assert_int_equal(o->if_entry->n_tagged_vlan_ids, 2);
	assert_int_equal(o->if_entry->tagged_vlan_ids[1], 30);
	scanopy__v1__observation__free_unpacked(o, NULL);
	o = find(s, SCANOPY__V1__OBSERVATION__KIND_IF_ENTRY, 0);
	assert_false(o->if_entry->has_vlan_id);
	assert_int_equal(o->if_entry->n_tagged_vlan_ids, 0);
	scanopy__v1__observation__free_unpacked(o, NULL);
	sink_close(s);

	/* dot1qVlanCurrentTable (timeMark.vlan) wins: swp1 tagged in 50 only */
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.2.1.3.0.10", 0x80);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.2.1.4.0.10", 0x80);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.2.1.3.0.50", 0x80);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.2.1.4.0.50", 0x00);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.2.1.3.7.50", 0x80);
	OCT(&t, "1.3.6.1.2.1.17.7.1.4.2.1.3.60", 0x80); /* short index */
	sv_table_sort(&t);
	assert_int_equal(snmp_port_vlans(&t, 3, &pvid, tagged), 1);
	assert_int_equal(pvid, 10);
	assert_int_equal(tagged[0], 50);
	assert_int_equal(snmp_device_vlans(&t, ids), 6);
	assert_int_equal(ids[4], 50);
	sv_table_free(&t);
}

static void test_formatting(void **state)
{
	(void)state;
	char out[64];
	uint8_t mac[] = {0xAA, 0xbb, 0x0c, 0, 0xff, 0x10};
	assert_int_equal(sv_mac(mac, 6, out), 0);
	assert_string_equal(out, "aa:bb:0c:00:ff:10");
	assert_int_equal(sv_mac(mac, 5, out), -1);
	assert_string_equal(out, "");
	sv_display((const uint8_t *)"swp3\r\n\0", 7, out, sizeof out);
	assert_string_equal(out, "swp3");
	sv_display((const uint8_t *)"\x01\x02\xfe", 3, out, sizeof out);
	assert_string_equal(out, "01:02:fe");
	sv_display((const uint8_t *)"abcdefgh", 8, out, 4);
	assert_string_equal(out, "abc");
	uint8_t net[] = {1, 10, 77, 1, 3};
	snmp_lldp_id(true, 5, net, 5, out, sizeof out);
	assert_string_equal(out, "10.77.1.3");
	snmp_lldp_id(false, 5, (const uint8_t *)"swp8", 4, out, sizeof out);
	assert_string_equal(out, "swp8");
	snmp_lldp_id(false, 3, mac, 6, out, sizeof out);
	assert_string_equal(out, "aa:bb:0c:00:ff:10");
	uint32_t o[8];
	assert_int_equal(sv_oid_parse(".1.3.6", o, 8), 3);
	assert_int_equal(sv_oid_parse("1.3.x", o, 8), -1);
	assert_int_equal(sv_oid_parse("1.99999999999", o, 8), -1);
	assert_int_equal(sv_oid_parse("1.2.3.4.5.6.7.8.9", o, 8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_switch),
	    cmocka_unit_test(test_qbridge_and_phys),
	    cmocka_unit_test(test_lldp_v2_and_cdp),
	    cmocka_unit_test(test_port_vlans),
	    cmocka_unit_test(test_formatting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
