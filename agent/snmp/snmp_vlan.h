/* A port's VLANs from Q-BRIDGE-MIB (RFC 4363): its native VLAN (dot1qPvid)
 * and the VLANs it carries tagged (a VLAN's egress ports minus its untagged
 * ports, from dot1qVlanCurrentTable, else dot1qVlanStaticTable). Ports are
 * bridge ports there; dot1dBasePortIfIndex maps them to interfaces. Pure:
 * reads a walked table (sv_table.h) only. */
#ifndef SNMP_VLAN_H
#define SNMP_VLAN_H

#include "sv_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNMP_VLAN_MAX 4094

/* The bridge port whose dot1dBasePortIfIndex is ifindex, 0 when none. */
uint32_t snmp_ifindex_bridge_port(const struct sv_table *t, uint32_t ifindex);

/* True when the PortList octets (MSB of the first octet is port 1) hold
 * port. */
bool snmp_portlist_has(const uint8_t *b, size_t n, uint32_t port);

/* The interface's native VLAN in *pvid (0 when unknown: no PVID, and not an
 * untagged member of a VLAN) and its tagged VLANs, ascending, in tagged (at
 * most SNMP_VLAN_MAX). Returns how many tagged VLANs. */
size_t snmp_port_vlans(const struct sv_table *t, uint32_t ifindex, uint32_t *pvid,
                       uint32_t *tagged);

/* The VLANs the device has (rows of dot1qVlanCurrentTable or
 * dot1qVlanStaticTable), ascending, in ids (at most SNMP_VLAN_MAX). Returns
 * how many. */
size_t snmp_device_vlans(const struct sv_table *t, uint32_t *ids);

#endif
