/* Discovery: the UDP protocol messages (DNS, NetBIOS, SSDP, NTP, DHCP), built
 * and parsed, with real answers captured from the lab and hostile input. */
#include "dhcp_message.h"
#include "dns_message.h"
#include "netbios_message.h"
#include "ntp_message.h"
#include "ssdp_message.h"

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

/* dnsmasq's answer to version.bind CH TXT, from the lab. */
static const char *dnsmasq_version =
    "7a1b848000010001000000000776657273696f6e0462696e640000100003c00c0010000300"
    "000000000d0c646e736d6173712d322e3930";

static void dns_query_and_answer(void **state)
{
	(void)state;
	uint8_t q[128], a[128];
	int n = dns_build_query(q, sizeof q, 0x7a1b, "version.bind", DNS_T_TXT, DNS_C_CH,
	                        false);
	assert_int_equal(n, 12 + 14 + 4);
	struct dns_msg m;
	assert_int_equal(dns_parse(q, (size_t)n, &m), 0);
	assert_string_equal(m.qname, "version.bind");
	assert_int_equal(m.qclass, DNS_C_CH);
	size_t al = unhex(dnsmasq_version, a, sizeof a);
	assert_int_equal(dns_parse(a, al, &m), 0);
	assert_int_equal(m.id, 0x7a1b);
	const struct dns_rr *txt = dns_find(&m, DNS_T_TXT, 1);
	assert_non_null(txt);
	assert_string_equal(txt->name, "version.bind"); /* via a compression pointer */
	assert_string_equal(txt->data, "dnsmasq-2.90");
	char rev[64];
	dns_reverse_name(0x0a4d010b, rev, sizeof rev);
	assert_string_equal(rev, "11.1.77.10.in-addr.arpa");
	const uint8_t a6[16] = {0xfd, 0, 0x02, 0x49, 0, 0xc8, 0,    0,
	                        0,    0, 0,    0,    0, 0,    0xab, 0x12};
	char rev6[DNS_REVERSE6_LEN];
	dns_reverse_name6(a6, rev6, sizeof rev6);
	assert_string_equal(
	    rev6,
	    "2.1.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.c.0.0.9.4.2.0.0.0.d.f.ip6.arpa");
	assert_int_equal(strlen(rev6), DNS_REVERSE6_LEN - 1);
	assert_true(dns_build_query(q, sizeof q, 2, rev6, DNS_T_PTR, DNS_C_IN, false) >
	            0);
	assert_int_equal(dns_build_query(q, sizeof q, 1, "a..b", 1, 1, true), -1);
	assert_int_equal(dns_build_query(q, 20, 1, "long.name.example", 1, 1, true), -1);
	char label[80];
	memset(label, 'x', 64);
	label[64] = '\0';
	assert_int_equal(dns_build_query(q, sizeof q, 1, label, 1, 1, true), -1);
}

static void dns_ptr_answer_built_by_hand(void **state)
{
	(void)state;
	/* Header, question 1.0.0.10.in-addr.arpa PTR, answer PTR -> "h1.lab." */
	uint8_t m[256];
	int n = dns_build_query(m, sizeof m, 9, "1.0.0.10.in-addr.arpa", DNS_T_PTR,
	                        DNS_C_IN, true);
	m[2] = 0x85, m[3] = 0x80, m[7] = 1; /* response, one answer */
	uint8_t ans[] = {0xc0, 12, 0, 12,  0,   1, 0,   0,   0,   60,
	                 0,    8,  2, 'h', '1', 3, 'l', 'a', 'b', 0};
	memcpy(m + n, ans, sizeof ans);
	struct dns_msg d;
	assert_int_equal(dns_parse(m, (size_t)n + sizeof ans, &d), 0);
	const struct dns_rr *ptr = dns_find(&d, DNS_T_PTR, 1);
	assert_non_null(ptr);
	assert_string_equal(ptr->data, "h1.lab");
	assert_int_equal(ptr->ttl, 60);
}

static void dns_hostile(void **state)
{
	(void)state;
	uint8_t a[128];
	struct dns_msg m;
	size_t al = unhex(dnsmasq_version, a, sizeof a);
	for (size_t n = 0; n < al; n++) /* truncations: error or fewer records */
		if (dns_parse(a, n, &m) == 0)
			assert_true(m.nrr == 0 || n == al);
	/* A compression pointer to itself. */
	uint8_t loop[] = {0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
	assert_int_equal(dns_parse(loop, sizeof loop, &m), -1);
	/* Two pointers pointing at each other. */
	uint8_t ping[] = {0, 1, 0x80, 0,  0,    1,  0, 0, 0, 0,
	                  0, 0, 0xc0, 14, 0xc0, 12, 0, 1, 0, 1};
	assert_int_equal(dns_parse(ping, sizeof ping, &m), -1);
	/* A pointer beyond the message, a label running off the end. */
	uint8_t far[] = {0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0, 1, 0, 1};
	assert_int_equal(dns_parse(far, sizeof far, &m), -1);
	uint8_t run[] = {0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 60, 'a', 'b'};
	assert_int_equal(dns_parse(run, sizeof run, &m), -1);
	/* Claims 65535 answers, has none: parses, holds none. */
	uint8_t many[12] = {0, 1, 0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(dns_parse(many, sizeof many, &m), 0);
	assert_int_equal(m.nrr, 0);
	/* A name of 127 one-byte labels overflows DNS_NAME_MAX text: rejected. */
	uint8_t big[12 + 255 + 4];
	memset(big, 0, sizeof big);
	big[5] = 1;
	size_t o = 12;
	for (int i = 0; i < 127; i++) {
		big[o++] = 1;
		big[o++] = 0x01; /* unprintable: escaped as \001, 4 bytes each */
	}
	big[o++] = 0;
	assert_int_equal(dns_parse(big, o + 4, &m), -1);
	srand(11);
	for (int i = 0; i < 3000; i++) {
		uint8_t r[200];
		for (size_t k = 0; k < sizeof r; k++)
			r[k] = (uint8_t)(k < 12 ? rand() & 3 : rand());
		dns_parse(r, (size_t)(rand() % 201), &m);
	}
}

static void netbios_nbstat(void **state)
{
	(void)state;
	uint8_t q[NBSTAT_QUERY_LEN];
	netbios_build_nbstat(q, 0x4242);
	assert_int_equal(q[12], 32);
	assert_memory_equal(q + 13, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 32);
	/* A response: header, the name, NBSTAT, 3 names, MAC. */
	uint8_t r[300];
	memset(r, 0, sizeof r);
	memcpy(r, q, 12);
	r[2] = 0x84, r[3] = 0x00, r[5] = 0, r[7] = 1;
	size_t o = 12;
	memcpy(r + o, q + 12, 34);
	o += 34;
	uint8_t rr[10] = {0, 0x21, 0, 1, 0, 0, 0, 0, 0, 1 + 3 * 18 + 6};
	memcpy(r + o, rr, 10);
	o += 10;
	r[o++] = 3;
	const struct {
		const char *n;
		uint8_t suffix;
		uint16_t flags;
	} names[] = {{"FILESRV", 0x00, 0x0400},
	             {"WORKGROUP", 0x00, 0x8400},
	             {"FILESRV", 0x20, 0x0400}};
	for (int i = 0; i < 3; i++) {
		memset(r + o, ' ', 15);
		memcpy(r + o, names[i].n, strlen(names[i].n));
		r[o + 15] = names[i].suffix;
		r[o + 16] = (uint8_t)(names[i].flags >> 8);
		o += 18;
	}
	memcpy(r + o, "\x00\x15\x5d\x01\x02\x03", 6);
	o += 6;
	struct netbios_info ni;
	assert_int_equal(netbios_parse_nbstat(r, o, &ni), 0);
	assert_string_equal(ni.host, "FILESRV");
	assert_string_equal(ni.workgroup, "WORKGROUP");
	assert_int_equal(ni.nnames, 3);
	assert_true(ni.has_mac);
	assert_int_equal(ni.mac[2], 0x5d);
	for (size_t n = 0; n < o; n++) /* no truncation reads past its end */
		netbios_parse_nbstat(r, n, &ni);
	r[o - 6 - 54 - 1] = 255; /* claims 255 names */
	assert_int_equal(netbios_parse_nbstat(r, o, &ni), 0);
	assert_int_equal(ni.nnames, 3);
	r[3] = 0x03; /* NXDOMAIN-like rcode */
	assert_int_equal(netbios_parse_nbstat(r, o, &ni), -1);
}

static void ssdp_answers(void **state)
{
	(void)state;
	char req[512];
	assert_true(ssdp_build_msearch(req, sizeof req, "10.0.0.5") > 0);
	assert_non_null(strstr(req, "M-SEARCH * HTTP/1.1\r\nHOST: 10.0.0.5:1900\r\n"));
	assert_int_equal(ssdp_build_msearch(req, 20, "10.0.0.5"), -1);
	const char *ok =
	    "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\n"
	    "LOCATION: http://10.0.0.5:49152/desc.xml\r\n"
	    "SERVER: Linux/5.4 UPnP/1.0 MiniUPnPd/2.2\r\n"
	    "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
	    "USN: uuid:1234::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n";
	struct ssdp_info si;
	assert_int_equal(ssdp_parse((const uint8_t *)ok, strlen(ok), &si), 0);
	assert_string_equal(si.location, "http://10.0.0.5:49152/desc.xml");
	assert_string_equal(si.server, "Linux/5.4 UPnP/1.0 MiniUPnPd/2.2");
	assert_string_equal(si.st, "urn:schemas-upnp-org:device:InternetGatewayDevice:1");
	const char *notfound = "HTTP/1.1 404 Not Found\r\nST: x\r\n\r\n";
	assert_int_equal(ssdp_parse((const uint8_t *)notfound, strlen(notfound), &si),
	                 -1);
	const char *bare = "HTTP/1.1 200 OK\r\nX: y\r\n\r\n";
	assert_int_equal(ssdp_parse((const uint8_t *)bare, strlen(bare), &si), -1);
	uint8_t bin[3000];
	memset(bin, 0xff, sizeof bin);
	memcpy(bin, "HTTP/1.1 200 OK\r\nST: ", 21);
	assert_int_equal(ssdp_parse(bin, sizeof bin, &si),
	                 0); /* cut, cleaned, no crash */
	for (size_t i = 0; si.st[i]; i++)
		assert_true((unsigned char)si.st[i] < 0x80);
}

static void ntp_reply_from_chrony(void **state)
{
	(void)state;
	uint8_t r[64], q[NTP_PACKET_LEN];
	size_t n =
	    unhex("240800e600000000000000007f7f0101eeaea640ef2af55dccb9daab33462554eeae"
	          "a642a77e66e3eeaea642aa9e3d26",
	          r, sizeof r);
	struct ntp_info ni;
	assert_int_equal(ntp_parse(r, n, &ni), 0);
	assert_int_equal(ni.mode, 4);
	assert_int_equal(ni.version, 4);
	assert_int_equal(ni.stratum, 8);
	assert_string_equal(ni.refid, "127.127.1.1");
	assert_true(ni.origin == 0xccb9daab33462554ull);
	assert_int_equal(ntp_parse(r, 47, &ni), -1);
	ntp_build_request(q, 0x1122334455667788ull);
	assert_int_equal(q[0], 0x23);
	assert_int_equal(ntp_parse(q, sizeof q, &ni), -1); /* a client packet */
	assert_int_equal(q[40], 0x11);
	assert_int_equal(q[47], 0x88);
}

static void dhcp_inform_and_ack(void **state)
{
	(void)state;
	static const uint8_t mac[6] = {2, 0x77, 1, 0, 0, 0x0a};
	uint8_t q[400], r[400];
	int n = dhcp_build_inform(q, sizeof q, 0xdb8f7a09, 0x0a4d010a, mac);
	assert_true(n > 240);
	assert_int_equal(q[0], 1);
	assert_int_equal(q[242], 8); /* DHCPINFORM */
	assert_int_equal(dhcp_build_inform(q, 100, 1, 1, mac), -1);
	struct dhcp_info di;
	/* our own INFORM reads back as a client's request (passive capture
	 * hears those); the probe takes only a BOOTREPLY with its xid */
	assert_int_equal(dhcp_parse(q, (size_t)n, &di), 0);
	assert_int_equal(di.op, 1);
	assert_int_equal(di.msg_type, 8);
	assert_int_equal(di.ciaddr, 0x0a4d010a);
	assert_memory_equal(di.chaddr, mac, 6);
	/* dnsmasq's ACK, from the lab: 44 bytes of header, zeros up to the
	 * cookie at 236, then the options. */
	memset(r, 0, sizeof r);
	unhex("02010600db8f7a09000000000a4d010a000000000a4d010b0000000002770100000a000000"
	      "00000000000000",
	      r, 44);
	size_t rl =
	    236 +
	    unhex("6382536335010536040a4d010b0104ffffff001c040a4d01ff0f0b6c61622e6578616d"
	          "706c650c077363616e6e657206040a4d010b03040a4d0101ff00000000",
	          r + 236, sizeof r - 236);
	assert_int_equal(rl, 300);
	assert_int_equal(dhcp_parse(r, rl, &di), 0);
	assert_int_equal(di.xid, 0xdb8f7a09);
	assert_int_equal(di.msg_type, 5);
	assert_int_equal(di.server_id, 0x0a4d010b);
	assert_int_equal(di.router, 0x0a4d0101);
	assert_int_equal(di.ndns, 1);
	assert_string_equal(di.domain, "lab.example");
	assert_string_equal(di.hostname, "scanner");
	for (size_t k = 0; k < rl; k++)
		dhcp_parse(r, k, &di);
	r[241] = 200; /* option length past the end */
	dhcp_parse(r, rl, &di);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dns_query_and_answer),
	    cmocka_unit_test(dns_ptr_answer_built_by_hand),
	    cmocka_unit_test(dns_hostile),
	    cmocka_unit_test(netbios_nbstat),
	    cmocka_unit_test(ssdp_answers),
	    cmocka_unit_test(ntp_reply_from_chrony),
	    cmocka_unit_test(dhcp_inform_and_ack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
