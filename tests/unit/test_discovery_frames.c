/* Discovery: ARP frames, ICMP packets and target lists, with hostile input. */
#include "arp_frame.h"
#include "cover.h"
#include "icmp_packet.h"
#include "target6.h"
#include "targets.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const uint8_t our_mac[6] = {0x02, 0x77, 0x01, 0x00, 0x00, 0x0a};

static void arp_request_round_trip(void **state)
{
	(void)state;
	uint8_t f[ARP_FRAME_LEN];
	struct arp_packet p;
	arp_build_request(f, our_mac, 0x0a4d010a, 0x0a4d010b);
	assert_int_equal(arp_parse(f, sizeof f, &p), 0);
	assert_int_equal(p.op, 1);
	assert_memory_equal(p.sha, our_mac, 6);
	assert_int_equal(p.spa, 0x0a4d010a);
	assert_int_equal(p.tpa, 0x0a4d010b);
	assert_int_equal(p.vlan, 0);
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(f, bcast, 6);
	char text[18];
	assert_string_equal(mac_text(our_mac, text), "02:77:01:00:00:0a");
}

static void arp_reply_with_vlan_tags(void **state)
{
	(void)state;
	uint8_t f[ARP_FRAME_LEN + 8];
	uint8_t plain[ARP_FRAME_LEN];
	struct arp_packet p;
	arp_build_request(plain, our_mac, 0x0a000001, 0x0a000002);
	plain[21] = 2; /* reply */
	/* Insert 802.1ad then 802.1Q tags after the MACs. */
	memcpy(f, plain, 12);
	uint8_t tags[8] = {0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a};
	memcpy(f + 12, tags, 8);
	memcpy(f + 20, plain + 12, ARP_FRAME_LEN - 12);
	assert_int_equal(arp_parse(f, sizeof f, &p), 0);
	assert_int_equal(p.op, 2);
	assert_int_equal(p.vlan, 100);
	assert_int_equal(p.inner_vlan, 10);
	assert_int_equal(p.spa, 0x0a000001);
}

static void arp_hostile(void **state)
{
	(void)state;
	uint8_t f[ARP_FRAME_LEN];
	struct arp_packet p;
	arp_build_request(f, our_mac, 1, 2);
	for (size_t n = 0; n < 42; n++) /* every truncation */
		assert_int_equal(arp_parse(f, n, &p), -1);
	assert_int_equal(arp_parse(f, 42, &p), 0);
	uint8_t bad[ARP_FRAME_LEN];
	memcpy(bad, f, sizeof bad);
	bad[12] = 0x08, bad[13] = 0x00; /* IPv4, not ARP */
	assert_int_equal(arp_parse(bad, sizeof bad, &p), -1);
	memcpy(bad, f, sizeof bad);
	bad[18] = 8; /* hardware size 8 */
	assert_int_equal(arp_parse(bad, sizeof bad, &p), -1);
	/* Endless VLAN tags: at most two are followed. */
	uint8_t tagged[64];
	memcpy(tagged, f, 12);
	for (int i = 0; i < 13; i++)
		memcpy(tagged + 12 + 4 * i, "\x81\x00\x00\x01", 4);
	assert_int_equal(arp_parse(tagged, sizeof tagged, &p), -1);
	/* Random bytes never crash and rarely parse. */
	srand(7);
	for (int i = 0; i < 2000; i++) {
		uint8_t r[80];
		for (size_t k = 0; k < sizeof r; k++)
			r[k] = (uint8_t)rand();
		arp_parse(r, (size_t)(rand() % 81), &p);
	}
}

static void icmp_echo_round_trip(void **state)
{
	(void)state;
	uint8_t pkt[20 + ICMP_ECHO_LEN];
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[2] = 0, pkt[3] = sizeof pkt;
	pkt[8] = 63; /* ttl */
	pkt[9] = 1;
	pkt[12] = 10, pkt[13] = 77, pkt[14] = 2, pkt[15] = 11;
	icmp_build_echo(pkt + 20, 0x1234, 7, 0xdeadbeef, 123456789012ull);
	assert_int_equal(inet_checksum(pkt + 20, ICMP_ECHO_LEN), 0);
	pkt[20] = 0; /* turn it into a reply (checksum no longer matters) */
	struct icmp_info in;
	assert_int_equal(icmp_parse(pkt, sizeof pkt, &in), 0);
	assert_int_equal(in.kind, ICMP_ECHO_REPLY);
	assert_int_equal(in.id, 0x1234);
	assert_int_equal(in.seq, 7);
	assert_true(in.has_payload);
	assert_int_equal(in.token, 0xdeadbeef);
	assert_true(in.sent_us == 123456789012ull);
	assert_int_equal(in.ttl, 63);
	assert_int_equal(in.src, 0x0a4d020b);
	/* A reply without our payload: parsed, but not ours. */
	assert_int_equal(icmp_parse(pkt, 28, &in), 0);
	assert_false(in.has_payload);
}

static void icmp_unreachable_quotes_original(void **state)
{
	(void)state;
	uint8_t pkt[20 + 8 + 20 + 8];
	memset(pkt, 0, sizeof pkt);
	pkt[0] = 0x45, pkt[3] = sizeof pkt, pkt[9] = 1;
	pkt[20] = 3, pkt[21] = 3; /* port unreachable */
	uint8_t *q = pkt + 28;
	q[0] = 0x45, q[9] = 17; /* UDP */
	q[16] = 10, q[17] = 0, q[18] = 0, q[19] = 9;
	q[20] = 0x9c, q[21] = 0x40, q[22] = 0, q[23] = 161;
	struct icmp_info in;
	assert_int_equal(icmp_parse(pkt, sizeof pkt, &in), 0);
	assert_int_equal(in.kind, ICMP_UNREACH);
	assert_int_equal(in.code, 3);
	assert_int_equal(in.orig_proto, 17);
	assert_int_equal(in.orig_dst, 0x0a000009);
	assert_int_equal(in.orig_dport, 161);
	assert_int_equal(in.orig_sport, 40000);
	for (size_t n = 0; n < 52; n++)
		assert_int_equal(icmp_parse(pkt, n, &in), -1);
	pkt[0] = 0x4f; /* IHL 60 > packet */
	assert_int_equal(icmp_parse(pkt, sizeof pkt, &in), -1);
	pkt[0] = 0x65; /* IPv6 version nibble */
	assert_int_equal(icmp_parse(pkt, sizeof pkt, &in), -1);
}

/* IPv6 targets: addresses and small prefixes; a /64 is refused with what
 * to do instead; the reserved IPv4 240/4 (where IPv6 hosts are keyed) too. */
static void target6_forms(void **state)
{
	(void)state;
	struct target6 t;
	uint8_t a[16], want[16];
	char why[320];
	assert_true(target6_is("fd00::1"));
	assert_false(target6_is("10.0.0.1"));
	assert_int_equal(target6_parse("fd00:249:1::2", &t, why, sizeof why), 0);
	assert_int_equal(t.count, 1);
	inet_pton(AF_INET6, "fd00:249:1::2", want);
	assert_memory_equal(t.base, want, 16);
	assert_true(target6_contains(&t, want));
	/* a /126: ::1..::3 (the subnet-router anycast ::0 is skipped) */
	assert_int_equal(target6_parse("fd00:249:1::2/126", &t, why, sizeof why), 0);
	assert_int_equal(t.count, 3);
	target6_addr(&t, 0, a);
	inet_pton(AF_INET6, "fd00:249:1::1", want);
	assert_memory_equal(a, want, 16);
	target6_addr(&t, 2, a);
	inet_pton(AF_INET6, "fd00:249:1::3", want);
	assert_memory_equal(a, want, 16);
	inet_pton(AF_INET6, "fd00:249:1::4", want);
	assert_false(target6_contains(&t, want));
	assert_int_equal(target6_parse("fd00::ff00/120", &t, why, sizeof why), 0);
	assert_int_equal(t.count, 255);
	assert_int_equal(target6_parse("fd00::/127", &t, why, sizeof why), 0);
	assert_int_equal(t.count, 2);
	assert_int_equal(target6_parse("fd00::/64", &t, why, sizeof why), -1);
	assert_non_null(strstr(why, "too many addresses to sweep"));
	assert_non_null(strstr(why, "/120"));
	assert_int_equal(target6_parse("fd00::/119", &t, why, sizeof why), -1);
	const char *bad[] = {"fd00::/", "fd00::/129",     "fd00::/x", "fd00:::1",
	                     ":",       "fd00::1/64junk", "g::1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(target6_parse(bad[i], &t, why, sizeof why), -1);
	uint32_t lo, hi;
	assert_int_equal(target_parse("240.0.0.1", &lo, &hi, why, sizeof why), -1);
	assert_int_equal(target_parse("239.255.255.0/24", &lo, &hi, why, sizeof why), 0);
	assert_int_equal(target_parse("255.255.255.255", &lo, &hi, why, sizeof why), -1);
}

/* The sweep's coverage: a predicate over addresses, here "all but .77". */
static bool all_but_77(void *arg, uint32_t ip)
{
	(void)arg;
	return (ip & 255) != 77;
}

static bool every(void *arg, uint32_t ip)
{
	(void)arg;
	(void)ip;
	return true;
}

static void coverage_as_cidrs(void **state)
{
	(void)state;
	struct cover c = {0};
	/* A range splits into the fewest aligned blocks. */
	assert_int_equal(cover_range(0x0a000005, 0x0a000014, &c), 0);
	const char *want[] = {"10.0.0.5/32", "10.0.0.6/31", "10.0.0.8/29", "10.0.0.16/30",
	                      "10.0.0.20/32"};
	assert_int_equal(c.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(c.cidr[i], want[i]);
	cover_free(&c);
	assert_int_equal(cover_range(0, 0xffffffff, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.cidr[0], "0.0.0.0/0");
	cover_free(&c);
	/* A CIDR target stands for its block (host bits dropped), a /31 and
	 * /32 as they are, an IPv6 target is left out, and a target with one
	 * address not swept is not covered at all. */
	const char *t[] = {"10.1.2.200/24", "10.9.0.0/31", "10.9.1.1",
	                   "fd00::/120",    "10.3.0.0/24", "10.4.0.70-10.4.0.80"};
	assert_int_equal(cover_targets(t, 6, every, NULL, &c), 0);
	const char *all[] = {"10.1.2.0/24",  "10.9.0.0/31",  "10.9.1.1/32", "10.3.0.0/24",
	                     "10.4.0.70/31", "10.4.0.72/29", "10.4.0.80/32"};
	assert_int_equal(c.n, 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(c.cidr[i], all[i]);
	cover_free(&c);
	assert_int_equal(cover_targets(t, 6, all_but_77, NULL, &c), 0);
	assert_int_equal(c.n, 2); /* the /24s and the range hold a .77 */
	assert_string_equal(c.cidr[0], "10.9.0.0/31");
	assert_string_equal(c.cidr[1], "10.9.1.1/32");
	cover_free(&c);
	const char *bad[] = {"10.0.0.0/33"};
	assert_int_equal(cover_targets(bad, 1, every, NULL, &c), -1);
	cover_free(&c);
}

static void target_forms(void **state)
{
	(void)state;
	uint32_t lo, hi;
	char why[128];
	assert_int_equal(target_parse("10.77.1.0/24", &lo, &hi, why, sizeof why), 0);
	assert_int_equal(lo, 0x0a4d0101);
	assert_int_equal(hi, 0x0a4d01fe);
	assert_int_equal(target_parse(" 10.77.1.5 ", &lo, &hi, why, sizeof why), 0);
	assert_int_equal(lo, hi);
	assert_int_equal(target_parse("10.0.0.0/31", &lo, &hi, why, sizeof why), 0);
	assert_int_equal(hi - lo, 1); /* point-to-point: both addresses */
	assert_int_equal(target_parse("10.0.0.7/32", &lo, &hi, why, sizeof why), 0);
	assert_int_equal(lo, 0x0a000007);
	assert_int_equal(target_parse("10.0.0.5-10.0.0.9", &lo, &hi, why, sizeof why), 0);
	assert_int_equal(hi - lo, 4);
	assert_int_equal(target_parse("10.0.0.200/24", &lo, &hi, why, sizeof why), 0);
	assert_int_equal(lo, 0x0a000001); /* host bits ignored */
	const char *bad[] = {"",
	                     "10.0.0.0/33",
	                     "10.0.0.0/",
	                     "10.0.0.0/x",
	                     "10.0.0",
	                     "10.0.0.9-10.0.0.1",
	                     "host.example",
	                     "::1",
	                     "10.0.0.0/24/1",
	                     "1.2.3.4-",
	                     "999.1.1.1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(target_parse(bad[i], &lo, &hi, why, sizeof why), -1);
}

static void target_sets_merge_and_map(void **state)
{
	(void)state;
	const char *t[] = {"10.0.0.0/30", "10.0.0.2", "10.0.1.10-10.0.1.12", "10.0.0.3"};
	struct target_set ts;
	assert_int_equal(targets_build(&ts, t, 4), 0);
	/* 10.0.0.1-2 (/30 without ends) + .2 + .3 merge into .1-.3, then 3 more. */
	assert_int_equal(ts.n, 2);
	assert_int_equal(ts.count, 6);
	assert_int_equal(targets_addr(&ts, 0), 0x0a000001);
	assert_int_equal(targets_addr(&ts, 3), 0x0a00010a);
	assert_int_equal(targets_addr(&ts, 5), 0x0a00010c);
	for (uint32_t o = 0; o < ts.count; o++)
		assert_int_equal(targets_ordinal(&ts, targets_addr(&ts, o)), o);
	assert_int_equal(targets_ordinal(&ts, 0x0a000004), -1);
	assert_int_equal(targets_ordinal(&ts, 0), -1);
	targets_free(&ts);
	const char *huge[] = {"10.0.0.0/8"};
	assert_int_equal(targets_build(&ts, huge, 1), -1);
	const char *broken[] = {"10.0.0.1", "nope"};
	assert_int_equal(targets_build(&ts, broken, 2), -1);
	const char *all[] = {"0.0.0.0-0.0.0.0", "239.255.255.255"};
	assert_int_equal(targets_build(&ts, all, 2), 0);
	assert_int_equal(ts.count, 2);
	targets_free(&ts);
	const char *top[] = {"255.255.255.255"}; /* reserved 240/4 */
	assert_int_equal(targets_build(&ts, top, 1), -1);
}

static void links_of_this_machine(void **state)
{
	(void)state;
	struct links ls;
	assert_int_equal(links_load(&ls), 0);
	assert_true(links_is_own(&ls, 0x7f000001));
	for (size_t i = 0; i < ls.n; i++) {
		assert_true(links_is_own(&ls, ls.l[i].ip));
		if (!strcmp(ls.l[i].ifname, "lo"))
			assert_false(ls.l[i].arp); /* loopback is never swept */
	}
	links_free(&ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(arp_request_round_trip),
	    cmocka_unit_test(arp_reply_with_vlan_tags),
	    cmocka_unit_test(arp_hostile),
	    cmocka_unit_test(icmp_echo_round_trip),
	    cmocka_unit_test(icmp_unreachable_quotes_original),
	    cmocka_unit_test(target_forms),
	    cmocka_unit_test(target6_forms),
	    cmocka_unit_test(coverage_as_cidrs),
	    cmocka_unit_test(target_sets_merge_and_map),
	    cmocka_unit_test(links_of_this_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
