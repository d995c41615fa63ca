/* SNMP messages in BER, just what discovery needs: a v1/v2c GetRequest for
 * the system group with a community, an SNMPv3 engine-discovery request
 * (answered by any v3 agent without credentials), and a bounded parse of
 * responses and reports. */
#ifndef DISC_SNMP_MESSAGE_H
#define DISC_SNMP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define SNMP_MAX_VB 16

enum {
	SNMP_PDU_GET = 0xa0,
	SNMP_PDU_RESPONSE = 0xa2,
	SNMP_PDU_REPORT = 0xa8,
	BER_INTEGER = 0x02,
	BER_OCTETS = 0x04,
	BER_NULL = 0x05,
	BER_OID = 0x06,
	BER_SEQUENCE = 0x30,
	BER_IPADDR = 0x40,
	BER_COUNTER32 = 0x41,
	BER_GAUGE32 = 0x42,
	BER_TIMETICKS = 0x43,
	BER_COUNTER64 = 0x46,
	BER_NOSUCHOBJECT = 0x80,
	BER_NOSUCHINSTANCE = 0x81,
	BER_ENDOFMIB = 0x82,
};

struct snmp_varbind {
	char oid[128];      /* numeric, dotted */
	uint8_t type;       /* BER tag of the value */
	uint8_t value[512]; /* octets (strings), OID text, or empty */
	size_t vlen;
	uint64_t num; /* integers, counters, timeticks */
};

struct snmp_msg {
	int version; /* 0 v1, 1 v2c, 3 v3 */
	char community[64];
	uint8_t pdu_type;
	int32_t request_id;
	int32_t error_status;
	struct snmp_varbind vb[SNMP_MAX_VB];
	size_t nvb;
	/* v3 */
	int32_t msg_id;
	uint8_t engine_id[32];
	size_t engine_id_len;
	uint32_t engine_boots, engine_time;
};

/* The system group: sysDescr, sysObjectID, sysUpTime, sysContact, sysName,
 * sysLocation (.0 instances). */
extern const char *const snmp_system_oids[6];

/* A GetRequest; returns its length or -1 if cap is too small or an OID bad. */
int snmp_build_get(uint8_t *buf, size_t cap, int version, const char *community,
                   int32_t request_id, const char *const *oids, size_t noids);
/* An SNMPv3 noAuthNoPriv, reportable GetRequest with an empty engine id and
 * user: the agent answers with a Report carrying its engine id. */
int snmp_build_v3_discovery(uint8_t *buf, size_t cap, int32_t msg_id, int32_t request_id);

/* Parses a v1/v2c/v3 message; -1 when malformed. v3 scoped PDUs are read only
 * when not encrypted. */
int snmp_msg_parse(const uint8_t *buf, size_t len, struct snmp_msg *out);

/* Encodes/decodes dotted OIDs (exposed for tests). */
int ber_oid_encode(const char *oid, uint8_t *out, size_t cap);
int ber_oid_decode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
