/* libFuzzer target: walked SNMP tables (whatever an agent may answer) through
 * the decoders (agent/snmp/snmp_decode.c). The input is a list of varbinds,
 * each: base (1 byte, picks a table entry OID the decoders read), column,
 * extra arc count and arcs (1 byte each, 0xff escapes to a 4-byte arc), type,
 * value length and value. */
#include "fuzz_sink_stub.h"
#include "snmp_decode.h"
#include "snmp_oids.h"
#include "sv_table.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const uint32_t *o;
	size_t n;
} BASES[] = {
    {OID_SYSTEM, OIDLEN(OID_SYSTEM)},
    {OID_ENGINE_ID, OIDLEN(OID_ENGINE_ID)},
    {OID_IF_ENTRY, OIDLEN(OID_IF_ENTRY)},
    {OID_IFX_ENTRY, OIDLEN(OID_IFX_ENTRY)},
    {OID_IPADDR_ENTRY, OIDLEN(OID_IPADDR_ENTRY)},
    {OID_NET_TO_MEDIA_ENTRY, OIDLEN(OID_NET_TO_MEDIA_ENTRY)},
    {OID_NET_TO_PHYS_ENTRY, OIDLEN(OID_NET_TO_PHYS_ENTRY)},
    {OID_LLDP_LOC, OIDLEN(OID_LLDP_LOC)},
    {OID_LLDP_LOC_PORT_ENTRY, OIDLEN(OID_LLDP_LOC_PORT_ENTRY)},
    {OID_LLDP_REM_ENTRY, OIDLEN(OID_LLDP_REM_ENTRY)},
    {OID_LLDP_MAN_ENTRY, OIDLEN(OID_LLDP_MAN_ENTRY)},
    {OID_LLDP2_LOC, OIDLEN(OID_LLDP2_LOC)},
    {OID_LLDP2_REM_ENTRY, OIDLEN(OID_LLDP2_REM_ENTRY)},
    {OID_LLDP2_MAN_ENTRY, OIDLEN(OID_LLDP2_MAN_ENTRY)},
    {OID_CDP_CACHE_ENTRY, OIDLEN(OID_CDP_CACHE_ENTRY)},
    {OID_BASE_PORT_ENTRY, OIDLEN(OID_BASE_PORT_ENTRY)},
    {OID_TP_FDB_ENTRY, OIDLEN(OID_TP_FDB_ENTRY)},
    {OID_Q_FDB_ENTRY, OIDLEN(OID_Q_FDB_ENTRY)},
    {OID_ENT_PHYS_ENTRY, OIDLEN(OID_ENT_PHYS_ENTRY)},
    {OID_Q_VLAN_CURRENT_ENTRY, OIDLEN(OID_Q_VLAN_CURRENT_ENTRY)},
    {OID_Q_VLAN_STATIC_ENTRY, OIDLEN(OID_Q_VLAN_STATIC_ENTRY)},
    {OID_Q_PORT_VLAN_ENTRY, OIDLEN(OID_Q_PORT_VLAN_ENTRY)},
};

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct sv_table t;
	sv_table_init(&t);
	size_t p = 0;
	while (p + 4 <= n && t.n < 4096) {
		uint32_t oid[SV_MAX_OID];
		size_t b = d[p++] % (sizeof BASES / sizeof BASES[0]);
		size_t len = BASES[b].n;
		memcpy(oid, BASES[b].o, len * sizeof *oid);
		oid[len++] = d[p++];
		size_t extra = d[p++] % 24;
		for (size_t k = 0; k < extra && p < n && len < SV_MAX_OID; k++) {
			if (d[p] == 0xff && p + 5 <= n) {
				oid[len++] = (uint32_t)d[p + 1] << 24 |
				             (uint32_t)d[p + 2] << 16 |
				             (uint32_t)d[p + 3] << 8 | d[p + 4];
				p += 5;
			} else
				oid[len++] = d[p++];
		}
		if (p + 2 > n)
			break;
		uint8_t type = d[p++], vlen = d[p++];
		if (vlen > n - p)
			vlen = (uint8_t)(n - p);
		uint64_t num = 0;
		for (size_t k = 0; k < vlen && k < 8; k++)
			num = num << 8 | d[p + k];
		static const uint8_t types[] = {SV_INTEGER,   SV_OCTETS,    SV_OID,
		                                SV_IPADDR,    SV_COUNTER32, SV_GAUGE32,
		                                SV_TIMETICKS, SV_COUNTER64};
		uint8_t ty = types[type % sizeof types];
		if (ty == SV_OID) { /* OID values are text in the table */
			char txt[64];
			size_t tl = 0;
			for (size_t k = 0; k < vlen && tl + 5 < sizeof txt; k++)
				tl += (size_t)snprintf(txt + tl, sizeof txt - tl,
				                       k ? ".%u" : "%u", d[p + k]);
			sv_table_add(&t, oid, len, ty, (const uint8_t *)txt, tl, 0);
		} else
			sv_table_add(&t, oid, len, ty, d + p, vlen, num);
		p += vlen;
	}
	sv_table_sort(&t);
	struct snmp_counts c;
	snmp_decode_emit(NULL, "192.0.2.1", &t, "80001f88", &c);
	sv_table_free(&t);
	return 0;
}
