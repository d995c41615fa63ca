/* Discovery: the engine end to end on loopback, inside a network namespace
 * of its own (so it may bind any port and reaches nothing else): a service
 * that speaks first, an HTTP server with a redirect, a raw-print port that
 * must receive nothing, a DNS server on UDP 53, closed ports; and the pieces
 * under it: timers, the packet budget, the rule that a routed host needs a
 * protocol-level answer, cancellation and deadlines. Skipped when the
 * namespace cannot be made (not root). */
#define _GNU_SOURCE
#include "engine.h"
#include "evloop.h"
#include "localsink.h"
#include "ratelimit.h"
#include "scan.h"
#include "scan_job.h"
#include "scan_plan.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static bool have_netns;

/* ---------------------------------------------------------------- servers */

enum { SRV_SSH, SRV_HTTP, SRV_PRINTER, SRV_DNS, NSRV };
static const uint16_t srv_port[NSRV] = {2222, 8080, 9101, 53};
static int srv_fd[NSRV];
static pthread_t srv_thread[NSRV];
static atomic_int stop_servers;
static atomic_int printer_bytes, printer_conns, http_requests;

static int listen_on(uint16_t port, int type)
{
	int fd = socket(AF_INET, type, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons(port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
	    (type == SOCK_STREAM && listen(fd, 64))) {
		perror("test server");
		return -1;
	}
	return fd;
}

/* Waits for a connection or a datagram, giving up when told to stop. */
static bool wait_readable(int fd)
{
	while (!atomic_load(&stop_servers)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) > 0)
			return true;
	}
	return false;
}

static ssize_t read_some(int c, char *buf, size_t cap, int ms)
{
	struct pollfd p = {.fd = c, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return 0;
	return recv(c, buf, cap, 0);
}

static void serve_ssh(int c)
{
	char buf[256];
	send(c, "SSH-2.0-Test_1.0 unit\r\n", 23, MSG_NOSIGNAL);
	if (read_some(c, buf, sizeof buf, 2000) > 0) /* the scanner's identification */
		send(c, "\x00\x00\x00\x0c\x0a\x14kexinit....", 16, MSG_NOSIGNAL);
}

static void serve_http(int c)
{
	char req[2048];
	size_t n = 0;
	while (n < sizeof req - 1 && !memmem(req, n, "\r\n\r\n", 4)) {
		ssize_t r = read_some(c, req + n, sizeof req - 1 - n, 2000);
		if (r <= 0)
			return;
		n += (size_t)r;
	}
	req[n] = '\0';
	atomic_fetch_add(&http_requests, 1);
	const char *resp;
	if (!strncmp(req, "GET / ", 6))
		resp =
		    "HTTP/1.1 302 Found\r\nLocation: /home\r\nContent-Length: 0\r\n\r\n";
	else if (!strncmp(req, "GET /home ", 10))
		resp = "HTTP/1.1 200 OK\r\nServer: testd/1.0\r\nTransfer-Encoding: "
		       "chunked\r\n\r\n"
		       "1b\r\n<title>Engine Test</title>\n\r\n0\r\n\r\n";
	else
		resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
	send(c, resp, strlen(resp), MSG_NOSIGNAL);
}

static void serve_printer(int c)
{
	char buf[256];
	ssize_t r;
	atomic_fetch_add(&printer_conns, 1);
	while ((r = read_some(c, buf, sizeof buf, 3000)) > 0)
		atomic_fetch_add(&printer_bytes, (int)r);
}

static void serve_dns(int fd)
{
	uint8_t q[512], a[600];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
	if (n < 12)
		return;
	/* Echo the question, add a TXT answer "testdns-1". */
	memcpy(a, q, (size_t)n);
	a[2] = 0x84, a[3] = 0x00, a[7] = 1;
	const uint8_t ans[] = {0xc0, 12, 0,   16,  0,   3,   0,   0,   0,   0,   0,
	                       10,   9,  't', 'e', 's', 't', 'd', 'n', 's', '-', '1'};
	memcpy(a + n, ans, sizeof ans);
	sendto(fd, a, (size_t)n + sizeof ans, 0, (struct sockaddr *)&from, fl);
}

static void *server(void *arg)
{
	int which = (int)(intptr_t)arg, fd = srv_fd[which];
	while (wait_readable(fd)) {
		if (which == SRV_DNS) {
			serve_dns(fd);
			continue;
		}
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (which == SRV_SSH)
			serve_ssh(c);
		else if (which == SRV_HTTP)
			serve_http(c);
		else
			serve_printer(c);
		close(c);
	}
	return NULL;
}

static int start_servers(void **state)
{
	(void)state;
	if (!have_netns)
		return 0;
	for (int i = 0; i < NSRV; i++) {
		srv_fd[i] =
		    listen_on(srv_port[i], i == SRV_DNS ? SOCK_DGRAM : SOCK_STREAM);
		if (srv_fd[i] < 0 ||
		    pthread_create(&srv_thread[i], NULL, server, (void *)(intptr_t)i))
			return -1;
	}
	return 0;
}

static int stop_all(void **state)
{
	(void)state;
	if (!have_netns)
		return 0;
	atomic_store(&stop_servers, 1);
	for (int i = 0; i < NSRV; i++) {
		pthread_join(srv_thread[i], NULL);
		close(srv_fd[i]);
	}
	return 0;
}

/* ---------------------------------------------------------------- helpers */

struct seen {
	bool host, closed_port_reported, ssh_port, http_port, printer_port, udp53;
	bool ssh_banner, ssh_kexinit, http_redirect, http_home, dns_reply, done;
	int printer_banners;
};

static void collect(struct sink *s, struct seen *v)
{
	memset(v, 0, sizeof *v);
	for (size_t i = 0; i < localsink_count(s); i++) {
		Scanopy__V1__Observation *o = localsink_get(s, i);
		assert_non_null(o);
		switch (o->kind_case) {
		case SCANOPY__V1__OBSERVATION__KIND_HOST:
			v->host |= !strcmp(o->host->ip, "127.0.0.1");
			break;
		case SCANOPY__V1__OBSERVATION__KIND_PORT: {
			const Scanopy__V1__PortState *p = o->port;
			bool tcp = p->protocol == SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
			v->ssh_port |= tcp && p->port == 2222;
			v->http_port |= tcp && p->port == 8080;
			v->printer_port |= tcp && p->port == 9101;
			v->closed_port_reported |= tcp && p->port == 2223;
			v->udp53 |= !tcp && p->port == 53;
			break;
		}
		case SCANOPY__V1__OBSERVATION__KIND_BANNER: {
			const Scanopy__V1__Banner *b = o->banner;
			if (b->port == 2222 && !strcmp(b->probe, "") &&
			    b->data.len >= 16 &&
			    !memcmp(b->data.data, "SSH-2.0-Test_1.0", 16))
				v->ssh_banner = true;
			if (b->port == 2222 && !strcmp(b->probe, "ssh-kexinit"))
				v->ssh_kexinit = true;
			if (b->port == 9101)
				v->printer_banners++;
			break;
		}
		case SCANOPY__V1__OBSERVATION__KIND_HTTP: {
			const Scanopy__V1__HttpResponse *h = o->http;
			if (h->port == 8080 && !strcmp(h->path, "/") && h->status == 302)
				v->http_redirect = true;
			if (h->port == 8080 && !strcmp(h->path, "/home") &&
			    h->status == 200 && h->title &&
			    !strcmp(h->title, "Engine Test") &&
			    !strcmp(h->scheme, "http"))
				v->http_home = true;
			break;
		}
		case SCANOPY__V1__OBSERVATION__KIND_UDP_REPLY:
			v->dns_reply |= o->udp_reply->port == 53 &&
			                !strcmp(o->udp_reply->probe, "dns-version-bind");
			break;
		case SCANOPY__V1__OBSERVATION__KIND_PROGRESS:
			v->done |= !strcmp(o->progress->phase, "done") &&
			           o->progress->percent == 100;
			break;
		default:
			break;
		}
		scanopy__v1__observation__free_unpacked(o, NULL);
	}
}

/* ---------------------------------------------------------------- tests */

static int fired[4], nfired;

static void note(struct ev_timer *t)
{
	fired[nfired++] = (int)(intptr_t)t->ctx;
}

static void timers_fire_in_order(void **state)
{
	(void)state;
	struct evloop l;
	struct ev_timer t[4];
	assert_int_equal(ev_init(&l), 0);
	int64_t now = ev_now_ms();
	for (int i = 0; i < 4; i++)
		ev_timer_init(&t[i], note, (void *)(intptr_t)i);
	ev_timer_at(&l, &t[0], now + 30);
	ev_timer_at(&l, &t[1], now + 10);
	ev_timer_at(&l, &t[2], now + 20);
	ev_timer_at(&l, &t[3], now + 5);
	ev_timer_stop(&l, &t[2]);
	ev_timer_at(&l, &t[3], now + 40); /* re-armed later */
	assert_false(ev_timer_armed(&t[2]));
	while (nfired < 3)
		assert_true(ev_run_once(&l, 100) >= 0);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 0);
	assert_int_equal(fired[2], 3);
	assert_int_equal(ev_next_timer(&l), INT64_MAX);
	ev_free(&l);
}

static void packet_budget(void **state)
{
	(void)state;
	struct ratelimit r;
	rate_init(&r, 1000, 0); /* 1 per ms, burst 10 */
	assert_true(rate_take(&r, 0));
	assert_false(rate_take(&r, 0));
	assert_true(rate_wait_us(&r, 0) > 0);
	assert_true(rate_take(&r, 1000));
	int got = 0;
	for (int i = 0; i < 100; i++)
		got += rate_take(&r, 1000000); /* a second idle: only the burst */
	assert_int_equal(got, 10);
	/* Over 1 s of steady asking, about 1000 tokens and never more. */
	rate_init(&r, 1000, 0);
	got = 0;
	for (int64_t t = 0; t <= 1000000; t += 50)
		got += rate_take(&r, t);
	assert_true(got >= 990 && got <= 1011);
	rate_charge(&r, 1000000); /* payloads may overdraw */
	assert_false(rate_take(&r, 1000000));
}

static void routed_host_needs_a_protocol_answer(void **state)
{
	(void)state;
	/* The engine's host rules, driven directly: an accepted connect on an
	 * unconfirmed host is held; a reset (or bytes, or ICMP) releases it. */
	struct scan_request req = {0};
	struct engine e;
	memset(&e, 0, sizeof e);
	e.req = &req;
	e.sink = localsink_open(NULL, true);
	const char *t[] = {"192.0.2.0/24"};
	assert_int_equal(targets_build(&e.targets, t, 1), 0);
	e.klass = calloc(e.targets.count, 1); /* all routed */
	assert_int_equal(hosts_init(&e), 0);
	struct host *h = host_get(&e, 0xc0000205);
	assert_non_null(h);
	assert_int_equal(h->link, -1);
	host_port_open(&e, h, 80, 100);
	host_port_open(&e, h, 443, 120);
	assert_int_equal(localsink_count(e.sink), 0); /* a middlebox invents nothing */
	host_evidence(&e, h, SCANOPY__V1__EVIDENCE__EVIDENCE_TCP, 500, 0);
	assert_int_equal(localsink_count(e.sink), 3); /* the host, then both ports */
	Scanopy__V1__Observation *o = localsink_get(e.sink, 0);
	assert_int_equal(o->kind_case, SCANOPY__V1__OBSERVATION__KIND_HOST);
	assert_string_equal(o->host->ip, "192.0.2.5");
	scanopy__v1__observation__free_unpacked(o, NULL);
	host_evidence(&e, h, SCANOPY__V1__EVIDENCE__EVIDENCE_TCP, 500, 0);
	assert_int_equal(localsink_count(e.sink), 3); /* same evidence: once */
	host_evidence(&e, h, SCANOPY__V1__EVIDENCE__EVIDENCE_ICMP, 400, 61);
	assert_int_equal(localsink_count(e.sink), 4);
	host_port_open(&e, h, 22, 90); /* confirmed now: at once */
	assert_int_equal(localsink_count(e.sink), 5);
	assert_int_equal(e.st.hosts, 1);
	assert_int_equal(e.st.tcp_open, 3);
	hosts_free(&e);
	free(e.klass);
	targets_free(&e.targets);
	sink_close(e.sink);
}

static void coverage_of_what_was_swept(void **state)
{
	(void)state;
	/* On-link addresses (ARP) are swept; routed ones only with raw ICMP,
	 * which this engine has not (no icmp_start): TCP alone proves no
	 * absence. Our own address (skipped) is no hole in its subnet. */
	const char *t[] = {"192.0.2.0/24", "198.51.100.1"};
	struct scan_request req = {.targets = t, .ntargets = 2};
	struct engine e;
	memset(&e, 0, sizeof e);
	e.req = &req;
	e.sink = localsink_open(NULL, true);
	e.started_unix_ms = 1000;
	assert_int_equal(targets_build(&e.targets, t, 2), 0);
	e.klass = calloc(e.targets.count, 1); /* all routed */
	emit_coverage(&e, true);
	assert_int_equal(localsink_count(e.sink), 0); /* nothing was swept */
	for (uint32_t o = 0; o < e.targets.count; o++)
		if ((targets_addr(&e.targets, o) >> 8) == 0xc00002)
			e.klass[o] = 1; /* on link 0 */
	e.klass[targets_ordinal(&e.targets, 0xc0000209)] = KLASS_SKIP;
	emit_coverage(&e, false);
	assert_int_equal(localsink_count(e.sink), 1);
	Scanopy__V1__Observation *o = localsink_get(e.sink, 0);
	assert_int_equal(o->kind_case, SCANOPY__V1__OBSERVATION__KIND_COVERAGE);
	assert_int_equal(o->coverage->n_targets, 1);
	assert_string_equal(o->coverage->targets[0], "192.0.2.0/24");
	assert_int_equal(o->coverage->started_at_ms, 1000);
	assert_true(o->coverage->finished_at_ms >= 1000);
	assert_true(o->coverage->has_complete);
	assert_false(o->coverage->complete); /* stopped early: says so */
	assert_string_equal(o->coverage->phase, "discovery");
	scanopy__v1__observation__free_unpacked(o, NULL);
	free(e.klass);
	targets_free(&e.targets);
	sink_close(e.sink);
}

static void loopback_services(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	const char *targets[] = {"127.0.0.1"};
	const uint32_t tcp[] = {2222, 8080, 9101, 2223};
	const uint32_t udp[] = {53, 123};
	struct scan_request req = {.targets = targets,
	                           .ntargets = 1,
	                           .tcp_ports = tcp,
	                           .ntcp = 4,
	                           .udp_ports = udp,
	                           .nudp = 2};
	struct sink *s = localsink_open(NULL, true);
	struct scan_stats st;
	int64_t t0 = ev_now_ms();
	assert_int_equal(scan_run(&req, s, &st), 0);
	int64_t took = ev_now_ms() - t0;
	struct seen v;
	collect(s, &v);
	assert_true(v.host);
	assert_true(v.ssh_port);
	assert_true(v.http_port);
	assert_true(v.printer_port);
	assert_false(v.closed_port_reported);
	assert_true(v.udp53);
	assert_true(v.dns_reply);
	assert_true(v.ssh_banner);
	assert_true(v.ssh_kexinit);
	assert_true(v.http_redirect);
	assert_true(v.http_home);
	assert_true(v.done);
	assert_int_equal(v.printer_banners, 0);
	assert_int_equal(st.hosts, 1);
	assert_int_equal(st.tcp_open, 3);
	assert_int_equal(st.udp_open, 1);
	assert_false(st.stopped_early);
	/* Never a byte to a raw-print port. */
	assert_true(atomic_load(&printer_conns) >= 1);
	assert_int_equal(atomic_load(&printer_bytes), 0);
	assert_int_equal(atomic_load(&http_requests), 2);
	/* Tight timeouts: the slowest wait here is NTP's silence (two tries). */
	assert_true(took < 4000);
	sink_close(s);
}

static void printer_payloads_when_asked(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	const char *targets[] = {"127.0.0.1"};
	const uint32_t tcp[] = {9101};
	static const uint32_t none[1];
	struct scan_request req = {.targets = targets,
	                           .ntargets = 1,
	                           .tcp_ports = tcp,
	                           .ntcp = 1,
	                           .udp_ports = none,
	                           .printer_payloads = true};
	struct sink *s = localsink_open(NULL, true);
	atomic_store(&printer_bytes, 0);
	assert_int_equal(scan_run(&req, s, NULL), 0);
	assert_true(atomic_load(&printer_bytes) > 0);
	sink_close(s);
}

/* One scan of 127.0.0.1 driven by a probe plan whose extra HTTP path is
 * planned for `extra_port`; the HTTP requests the test server counted. */
static int scan_with_plan(uint16_t extra_port)
{
	char text[1024];
	snprintf(text, sizeof text,
	         "{\"plan_version\":\"t1\",\"tcp_ports\":[9101,8080],\"udp_ports\":[],"
	         "\"http\":[{\"path\":\"/\",\"ports\":\"all-open-tcp\"},"
	         "{\"path\":\"/extra\",\"ports\":[%u]}],"
	         "\"probes\":[{\"id\":\"pjl-info-id\",\"protocol\":\"tcp\",\"payload_"
	         "hex\":\"1b252d31323334355840504a4c20494e464f2049440d0a\",\"ports\":["
	         "9101]}]}",
	         extra_port);
	struct scan_plan plan;
	char why[128];
	assert_int_equal(scan_plan_parse(text, strlen(text), &plan, why, sizeof why), 0);
	const char *targets[] = {"127.0.0.1"};
	static const uint32_t none[1];
	struct scan_request req = {.targets = targets,
	                           .ntargets = 1,
	                           .tcp_ports = plan.tcp,
	                           .ntcp = plan.ntcp,
	                           .udp_ports = none,
	                           .http_paths = plan.path_strings,
	                           .npaths = plan.npaths,
	                           .plan = &plan};
	struct sink *s = localsink_open(NULL, true);
	atomic_store(&printer_bytes, 0);
	atomic_store(&http_requests, 0);
	assert_int_equal(scan_run(&req, s, NULL), 0);
	sink_close(s);
	scan_plan_free(&plan);
	return atomic_load(&http_requests);
}

/* The plan's protocol probe reaches the port it names, and nothing else goes
 * to the raw-print port (exactly the PJL bytes); a planned path is asked
 * only on its ports. */
static void plan_probes_only_where_planned(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	int elsewhere = scan_with_plan(9999);
	assert_int_equal(atomic_load(&printer_bytes), 23);
	int here = scan_with_plan(8080);
	assert_int_equal(atomic_load(&printer_bytes), 23);
	assert_int_equal(here, elsewhere + 1);
}

static void cancel_and_deadline(void **state)
{
	(void)state;
	const char *targets[] = {"127.0.0.1"};
	static const uint32_t none[1];
	volatile int cancel = 1;
	struct scan_request req = {
	    .targets = targets, .ntargets = 1, .udp_ports = none, .cancel = &cancel};
	struct sink *s = localsink_open(NULL, true);
	struct scan_stats st;
	assert_int_equal(scan_run(&req, s, &st), 1);
	assert_true(st.stopped_early);
	req.cancel = NULL;
	req.deadline_ms = 1; /* long past */
	assert_int_equal(scan_run(&req, s, &st), 1);
	sink_close(s);
	const char *bad[] = {"not-a-target"};
	req.targets = bad;
	req.deadline_ms = 0;
	s = localsink_open(NULL, true);
	assert_int_equal(scan_run(&req, s, NULL), -1);
	assert_int_equal(localsink_count(s), 0);
	sink_close(s);
}

static void requests_from_jobs(void **state)
{
	(void)state;
	Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
	Scanopy__V1__ProbePlan plan = SCANOPY__V1__PROBE_PLAN__INIT;
	Scanopy__V1__SnmpCredential v2 = SCANOPY__V1__SNMP_CREDENTIAL__INIT,
	                            v3 = SCANOPY__V1__SNMP_CREDENTIAL__INIT;
	Scanopy__V1__SnmpCredential *creds[] = {&v2, &v3};
	uint32_t tcp[] = {9444, 22}, udp[] = {161, 5683};
	char *paths[] = {"/", "/version"};
	char *targets[] = {"10.0.0.0/24"};
	const char *subnets[] = {"192.168.1.0/24"};
	struct scan_request req;
	struct scan_job_storage own;
	/* No targets, no plan: the daemon's subnets, the built-in lists. */
	assert_int_equal(scan_request_from_job(&job, subnets, 1, NULL, &req, &own), 0);
	assert_string_equal(req.targets[0], "192.168.1.0/24");
	assert_int_equal(req.ntcp, scan_default_ntcp);
	assert_int_equal(req.nudp, scan_default_nudp);
	assert_null(req.snmp_communities);
	assert_true(req.resolve_names);
	scan_job_storage_free(&own);
	assert_int_equal(scan_request_from_job(&job, NULL, 0, NULL, &req, &own), -1);
	/* A plan: its ports first, then the top lists; v2c communities only. */
	plan.tcp_ports = tcp, plan.n_tcp_ports = 2;
	plan.udp_ports = udp, plan.n_udp_ports = 2;
	plan.http_paths = paths, plan.n_http_paths = 2;
	v2.version = SCANOPY__V1__SNMP_VERSION__SNMP_V2C, v2.has_version = 1;
	v2.community = "lab-switch";
	v3.version = SCANOPY__V1__SNMP_VERSION__SNMP_V3, v3.has_version = 1;
	v3.username = "labmon";
	job.plan = &plan;
	job.targets = targets, job.n_targets = 1;
	job.snmp_credentials = creds, job.n_snmp_credentials = 2;
	job.deep = 1, job.has_deep = 1;
	job.max_packets_per_second = 500, job.has_max_packets_per_second = 1;
	job.deadline_ms = 1234, job.has_deadline_ms = 1;
	volatile int cancel = 0;
	assert_int_equal(scan_request_from_job(&job, subnets, 1, &cancel, &req, &own), 0);
	assert_string_equal(req.targets[0], "10.0.0.0/24");
	assert_int_equal(req.tcp_ports[0], 9444);
	assert_int_equal(req.tcp_ports[1], 22);
	assert_int_equal(req.ntcp, scan_default_ntcp + 1); /* 22 was in both */
	assert_int_equal(req.udp_ports[1], 5683);
	assert_int_equal(req.npaths, 2);
	assert_int_equal(req.ncommunities, 1);
	assert_string_equal(req.snmp_communities[0], "lab-switch");
	assert_true(req.deep);
	assert_int_equal(req.max_pps, 500);
	assert_true(req.deadline_ms == 1234);
	assert_ptr_equal(req.cancel, &cancel);
	scan_job_storage_free(&own);
}

/* One job, two hosts: the deep target is scanned on every port (its high,
 * unplanned port is found), the other on the light list only (the same port,
 * open there too, is not). The job's deep targets are scanned as well. */
static void deep_targets_in_one_job(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	const uint16_t high = 47913; /* in no list: only a deep scan finds it */
	int fds[2];
	const char *addrs[] = {"127.0.0.2", "127.0.0.3"};
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(high)};
		inet_pton(AF_INET, addrs[i], &a.sin_addr);
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[i] >= 0);
		assert_int_equal(bind(fds[i], (struct sockaddr *)&a, sizeof a), 0);
		assert_int_equal(listen(fds[i], 512), 0);
	}
	Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
	char *targets[] = {"127.0.0.2"}, *deep[] = {"127.0.0.3"};
	job.targets = targets, job.n_targets = 1;
	job.deep_targets = deep, job.n_deep_targets = 1;
	job.max_packets_per_second = 60000, job.has_max_packets_per_second = 1;
	struct scan_request req;
	struct scan_job_storage own;
	assert_int_equal(scan_request_from_job(&job, NULL, 0, NULL, &req, &own), 0);
	assert_int_equal(req.ntargets, 2);
	assert_string_equal(req.targets[1], "127.0.0.3");
	assert_int_equal(req.ndeep_targets, 1);
	assert_false(req.deep);
	req.resolve_names = false;
	req.udp_ports = NULL, req.nudp = 0;
	struct sink *s = localsink_open(NULL, true);
	struct scan_stats st;
	int64_t t0 = ev_now_ms();
	assert_int_equal(scan_run(&req, s, &st), 0);
	int64_t took = ev_now_ms() - t0;
	bool light_high = false, deep_high = false;
	for (size_t i = 0; i < localsink_count(s); i++) {
		Scanopy__V1__Observation *o = localsink_get(s, i);
		if (o->kind_case == SCANOPY__V1__OBSERVATION__KIND_PORT &&
		    o->port->port == high) {
			light_high |= !strcmp(o->port->ip, "127.0.0.2");
			deep_high |= !strcmp(o->port->ip, "127.0.0.3");
		}
		scanopy__v1__observation__free_unpacked(o, NULL);
	}
	print_message("deep target: 65535 ports + a light host in %lld ms\n",
	              (long long)took);
	assert_true(deep_high);
	assert_false(light_high);
	assert_int_equal(st.hosts, 2);
	sink_close(s);
	scan_job_storage_free(&own);
	close(fds[0]);
	close(fds[1]);
}

/* A fresh network namespace with loopback up. */
static bool enter_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return false;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	bool ok = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

int main(void)
{
	have_netns = enter_netns();
	if (!have_netns)
		fprintf(stderr,
		        "test_discovery_engine: no network namespace (not root?): "
		        "loopback scans skipped\n");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(timers_fire_in_order),
	    cmocka_unit_test(packet_budget),
	    cmocka_unit_test(routed_host_needs_a_protocol_answer),
	    cmocka_unit_test(coverage_of_what_was_swept),
	    cmocka_unit_test(loopback_services),
	    cmocka_unit_test(printer_payloads_when_asked),
	    cmocka_unit_test(plan_probes_only_where_planned),
	    cmocka_unit_test(cancel_and_deadline),
	    cmocka_unit_test(requests_from_jobs),
	    cmocka_unit_test(deep_targets_in_one_job),
	};
	return cmocka_run_group_tests(tests, start_servers, stop_all);
}
