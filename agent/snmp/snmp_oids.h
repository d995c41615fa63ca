/* The numeric OIDs the SNMP collection walks (no MIB files are loaded).
 * Each table is named by its entry OID; a column is entry.col. */
#ifndef SNMP_OIDS_H
#define SNMP_OIDS_H

#include <stddef.h>
#include <stdint.h>

#define OIDLEN(a) (sizeof(a) / sizeof((a)[0]))
#define SV_OID_CONST static const uint32_t __attribute__((unused))

/* SNMPv2-MIB system group and snmpEngineID */
SV_OID_CONST OID_SYSTEM[] = {1, 3, 6, 1, 2, 1, 1};
SV_OID_CONST OID_ENGINE_ID[] = {1, 3, 6, 1, 6, 3, 10, 2, 1, 1};
/* IF-MIB */
SV_OID_CONST OID_IF_ENTRY[] = {1, 3, 6, 1, 2, 1, 2, 2, 1};
SV_OID_CONST OID_IFX_ENTRY[] = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1};
/* IP-MIB */
SV_OID_CONST OID_IPADDR_ENTRY[] = {1, 3, 6, 1, 2, 1, 4, 20, 1};
SV_OID_CONST OID_NET_TO_MEDIA_ENTRY[] = {1, 3, 6, 1, 2, 1, 4, 22, 1};
SV_OID_CONST OID_NET_TO_PHYS_ENTRY[] = {1, 3, 6, 1, 2, 1, 4, 35, 1};
/* LLDP-MIB (IEEE 802.1AB-2005) */
SV_OID_CONST OID_LLDP_LOC[] = {1, 0, 8802, 1, 1, 2, 1, 3};
SV_OID_CONST OID_LLDP_LOC_PORT_ENTRY[] = {1, 0, 8802, 1, 1, 2, 1, 3, 7, 1};
SV_OID_CONST OID_LLDP_REM[] = {1, 0, 8802, 1, 1, 2, 1, 4};
SV_OID_CONST OID_LLDP_REM_ENTRY[] = {1, 0, 8802, 1, 1, 2, 1, 4, 1, 1};
SV_OID_CONST OID_LLDP_MAN_ENTRY[] = {1, 0, 8802, 1, 1, 2, 1, 4, 2, 1};
/* LLDP-V2-MIB (IEEE 802.1AB-2009) */
SV_OID_CONST OID_LLDP2_LOC[] = {1, 3, 111, 2, 802, 1, 1, 13, 1, 3};
SV_OID_CONST OID_LLDP2_REM[] = {1, 3, 111, 2, 802, 1, 1, 13, 1, 4};
SV_OID_CONST OID_LLDP2_REM_ENTRY[] = {1, 3, 111, 2, 802, 1, 1, 13, 1, 4, 1, 1};
SV_OID_CONST OID_LLDP2_MAN_ENTRY[] = {1, 3, 111, 2, 802, 1, 1, 13, 1, 4, 2, 1};
/* CISCO-CDP-MIB cdpCacheEntry */
SV_OID_CONST OID_CDP_CACHE_ENTRY[] = {1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1};
/* BRIDGE-MIB and Q-BRIDGE-MIB */
SV_OID_CONST OID_BASE_PORT_ENTRY[] = {1, 3, 6, 1, 2, 1, 17, 1, 4, 1};
SV_OID_CONST OID_TP_FDB_ENTRY[] = {1, 3, 6, 1, 2, 1, 17, 4, 3, 1};
SV_OID_CONST OID_Q_FDB_ENTRY[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1};
/* Q-BRIDGE-MIB VLANs: dot1qVlanCurrentEntry (index timeMark.vlan; 3 egress
 * ports, 4 untagged ports), dot1qVlanStaticEntry (index vlan; 2 egress
 * ports, 4 untagged ports), dot1qPortVlanEntry (index bridge port; 1 pvid) */
SV_OID_CONST OID_Q_VLAN_CURRENT_ENTRY[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1};
SV_OID_CONST OID_Q_VLAN_STATIC_ENTRY[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1};
SV_OID_CONST OID_Q_PORT_VLAN_ENTRY[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1};
/* ENTITY-MIB entPhysicalEntry */
SV_OID_CONST OID_ENT_PHYS_ENTRY[] = {1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1};

#endif
