/* Discovery: SNMP requests we build and responses and reports we parse
 * (captured from net-snmp in the lab), and hostile BER. */
#include "snmp_message.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* ntp1's answer to our v2c GET of the system group (community public). */
static const char *v2c_response =
    "3081c202010104067075626c6963a281b402044cb9eab60201000201003081a5303b06082b060102"
    "01010100042f4c696e7578206e74703120362e31382e34342d66632d7637363920233120534d502044"
    "656269616e207838365f3634301606082b06010201010200060a2b06010401bf0803020a300e06082b"
    "0601020101030043020e11301b06082b06010201010400040f6f7073406c61622e6578616d706c6530"
    "1006082b0601020101050004046e747031300f06082b0601020101060004036c6162";

/* sw2's Report to our v3 engine-id discovery. */
static const char *v3_report =
    "30710201033011020445ca8f29020300ffe30401000201030421301f041180001f8880de7a97339c27"
    "046b000000000201010201260400040004003036041180001f8880de7a97339c27046b000000000400"
    "a81f020445ca8f2a0201000201003011300f060a2b060106030f01010400410101";

static void oids(void **state)
{
	(void)state;
	uint8_t enc[64];
	char dec[128];
	int n = ber_oid_encode("1.3.6.1.4.1.8072.3.2.10", enc, sizeof enc);
	assert_int_equal(n, 10);
	assert_memory_equal(enc, "\x2b\x06\x01\x04\x01\xbf\x08\x03\x02\x0a", 10);
	assert_int_equal(ber_oid_decode(enc, (size_t)n, dec, sizeof dec), 0);
	assert_string_equal(dec, "1.3.6.1.4.1.8072.3.2.10");
	n = ber_oid_encode("2.999.4294967295", enc, sizeof enc);
	assert_true(n > 0);
	assert_int_equal(ber_oid_decode(enc, (size_t)n, dec, sizeof dec), 0);
	assert_string_equal(dec, "2.999.4294967295");
	const char *bad[] = {"",      "1",    "3.1",  "1.40",
	                     "1.3.x", "1.3.", "1..3", "1.3.4294967296"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ber_oid_encode(bad[i], enc, sizeof enc), -1);
	assert_int_equal(ber_oid_encode("1.3.6.1.4.1.8072", enc, 3), -1);
	uint8_t dangling[] = {0x2b, 0x86};
	assert_int_equal(ber_oid_decode(dangling, 2, dec, sizeof dec), -1);
	uint8_t long_arc[] = {0x2b, 0xff, 0xff, 0xff, 0xff, 0xff,
	                      0xff, 0xff, 0xff, 0xff, 0x7f};
	assert_int_equal(ber_oid_decode(long_arc, sizeof long_arc, dec, sizeof dec), -1);
	assert_int_equal(ber_oid_decode(enc, (size_t)n, dec, 4), -1);
}

static void get_request_parses_back(void **state)
{
	(void)state;
	uint8_t buf[512];
	int n =
	    snmp_build_get(buf, sizeof buf, 1, "lab-switch", 4242, snmp_system_oids, 6);
	assert_true(n > 0);
	struct snmp_msg m;
	assert_int_equal(snmp_msg_parse(buf, (size_t)n, &m), 0);
	assert_int_equal(m.version, 1);
	assert_string_equal(m.community, "lab-switch");
	assert_int_equal(m.pdu_type, SNMP_PDU_GET);
	assert_int_equal(m.request_id, 4242);
	assert_int_equal(m.nvb, 6);
	assert_string_equal(m.vb[4].oid, "1.3.6.1.2.1.1.5.0");
	assert_int_equal(m.vb[4].type, BER_NULL);
	assert_int_equal(snmp_build_get(buf, 40, 1, "public", 1, snmp_system_oids, 6),
	                 -1);
	const char *badoid[] = {"nope"};
	assert_int_equal(snmp_build_get(buf, sizeof buf, 1, "public", 1, badoid, 1), -1);
	n = snmp_build_v3_discovery(buf, sizeof buf, 77, 78);
	assert_true(n > 0);
	assert_int_equal(snmp_msg_parse(buf, (size_t)n, &m), 0);
	assert_int_equal(m.version, 3);
	assert_int_equal(m.msg_id, 77);
	assert_int_equal(m.request_id, 78);
	assert_int_equal(m.engine_id_len, 0);
	assert_int_equal(snmp_build_v3_discovery(buf, 30, 1, 1), -1);
}

static void real_v2c_response(void **state)
{
	(void)state;
	uint8_t b[300];
	size_t n = unhex(v2c_response, b, sizeof b);
	struct snmp_msg m;
	assert_int_equal(snmp_msg_parse(b, n, &m), 0);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.pdu_type, SNMP_PDU_RESPONSE);
	assert_int_equal(m.error_status, 0);
	assert_int_equal(m.nvb, 6);
	assert_string_equal(m.vb[0].oid, "1.3.6.1.2.1.1.1.0");
	assert_int_equal(m.vb[0].type, BER_OCTETS);
	assert_memory_equal(m.vb[0].value, "Linux ntp1", 10);
	assert_int_equal(m.vb[1].type, BER_OID);
	assert_string_equal((char *)m.vb[1].value, "1.3.6.1.4.1.8072.3.2.10");
	assert_int_equal(m.vb[2].type, BER_TIMETICKS);
	assert_int_equal(m.vb[2].num, 0x0e11);
	assert_int_equal(m.vb[4].vlen, 4);
	assert_memory_equal(m.vb[4].value, "ntp1", 4);
	for (size_t k = 0; k < n; k++) /* every truncation fails cleanly */
		assert_int_equal(snmp_msg_parse(b, k, &m), -1);
}

static void real_v3_report(void **state)
{
	(void)state;
	uint8_t b[200];
	size_t n = unhex(v3_report, b, sizeof b);
	struct snmp_msg m;
	assert_int_equal(snmp_msg_parse(b, n, &m), 0);
	assert_int_equal(m.version, 3);
	assert_int_equal(m.pdu_type, SNMP_PDU_REPORT);
	assert_int_equal(m.engine_id_len, 17);
	assert_int_equal(m.engine_id[0], 0x80);
	assert_int_equal(m.engine_boots, 1);
	assert_int_equal(m.nvb, 1);
	assert_string_equal(m.vb[0].oid,
	                    "1.3.6.1.6.3.15.1.1.4.0"); /* usmStatsUnknownEngineIDs */
	assert_int_equal(m.vb[0].type, BER_COUNTER32);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(snmp_msg_parse(b, k, &m), -1);
	/* msgFlags with priv set: the PDU is not read, the engine id is. */
	struct snmp_msg m2;
	size_t flags_at = 0;
	for (size_t i = 0; i + 2 < n; i++)
		if (b[i] == 0x04 && b[i + 1] == 0x01 && b[i + 2] == 0x00) {
			flags_at = i + 2;
			break;
		}
	assert_true(flags_at > 0);
	b[flags_at] = 0x03;
	assert_int_equal(snmp_msg_parse(b, n, &m2), 0);
	assert_int_equal(m2.engine_id_len, 17);
	assert_int_equal(m2.nvb, 0);
}

static void hostile_ber(void **state)
{
	(void)state;
	struct snmp_msg m;
	uint8_t indefinite[] = {0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00};
	assert_int_equal(snmp_msg_parse(indefinite, sizeof indefinite, &m), -1);
	uint8_t huge_len[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02};
	assert_int_equal(snmp_msg_parse(huge_len, sizeof huge_len, &m), -1);
	uint8_t five_len[] = {0x30, 0x85, 0, 0, 0, 0, 3, 2, 1, 1};
	assert_int_equal(snmp_msg_parse(five_len, sizeof five_len, &m), -1);
	uint8_t ver9[] = {0x30, 0x03, 0x02, 0x01, 0x09};
	assert_int_equal(snmp_msg_parse(ver9, sizeof ver9, &m), -1);
	uint8_t longint[] = {0x30, 0x0b, 0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	assert_int_equal(snmp_msg_parse(longint, sizeof longint, &m), -1);
	uint8_t multitag[] = {0x30, 0x03, 0x1f, 0x01, 0x00};
	assert_int_equal(snmp_msg_parse(multitag, sizeof multitag, &m), -1);
	/* 40 varbinds: SNMP_MAX_VB kept. */
	uint8_t buf[2048];
	const char *oids[40];
	for (int i = 0; i < 40; i++)
		oids[i] = "1.3.6.1.2.1.1.1.0";
	int n = snmp_build_get(buf, sizeof buf, 1, "c", 1, oids, 40);
	assert_true(n > 0);
	assert_int_equal(snmp_msg_parse(buf, (size_t)n, &m), 0);
	assert_int_equal(m.nvb, SNMP_MAX_VB);
	srand(5);
	uint8_t real[300];
	size_t rl = unhex(v2c_response, real, sizeof real);
	for (int i = 0; i < 5000; i++) { /* bit flips of a real message */
		uint8_t t[300];
		memcpy(t, real, rl);
		for (int k = 0; k < 3; k++)
			t[rand() % rl] ^= (uint8_t)(1u << (rand() % 8));
		snmp_msg_parse(t, rl, &m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(oids),
	    cmocka_unit_test(get_request_parses_back),
	    cmocka_unit_test(real_v2c_response),
	    cmocka_unit_test(real_v3_report),
	    cmocka_unit_test(hostile_ber),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
