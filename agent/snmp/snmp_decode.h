/* From a device's walked tables (sv_table.h) to observations: SnmpSystem,
 * InterfaceEntry (with the device's own addresses from ipAddrTable and a
 * bridge port's native and tagged VLANs from Q-BRIDGE-MIB, snmp_vlan.h),
 * NeighborEntry (LLDP-MIB, LLDP-V2-MIB, CISCO-CDP-MIB), FdbEntry (Q-BRIDGE
 * when present, else BRIDGE-MIB, bridge ports mapped to ifIndex and ifName
 * through dot1dBasePortIfIndex) and ArpEntry (ipNetToPhysicalTable, else
 * ipNetToMediaTable). Pure: only the sink is touched. */
#ifndef SNMP_DECODE_H
#define SNMP_DECODE_H

#include "sv_table.h"

struct sink;

struct snmp_counts {
	unsigned interfaces, addresses, neighbors, fdb, arp;
};

/* LLDP port/chassis id of the given subtype as text: MAC subtypes as
 * aa:bb:.., network addresses as dotted IPv4 or IPv6 text, others as display
 * text. chassis selects the chassis-id subtype numbering. */
void snmp_lldp_id(bool chassis, unsigned subtype, const uint8_t *b, size_t n, char *out,
                  size_t outlen);

/* The ifIndex a bridge port maps to (dot1dBasePortIfIndex), 0 when unknown. */
uint32_t snmp_bridge_port_ifindex(const struct sv_table *t, uint32_t port);

/* The interface's name: ifName, else ifDescr ("" when unknown). */
void snmp_if_name(const struct sv_table *t, uint32_t ifindex, char *out, size_t outlen);

/* Emits everything the table holds for the device. engine_id: hex or NULL.
 * Returns 0, or -1 when the sink refused an observation. */
int snmp_decode_emit(struct sink *s, const char *device_ip, const struct sv_table *t,
                     const char *engine_id, struct snmp_counts *c);

#endif
