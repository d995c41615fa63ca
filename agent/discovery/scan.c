/* scan_run: sets the engine up from a request, runs its parts on one loop
 * until all are idle (or cancel/deadline), reports progress, cleans up.
 *
 * The parts are pipelined, not phased: a host found by ARP is port-scanned
 * while the sweep goes on, an open port is probed as soon as it is found,
 * a confirmed host gets its UDP probes and reverse lookup at once. Each turn
 * the pumps run in priority order (discovery first, then UDP, probes' new
 * connections, port connects, names), each taking packets from the one
 * budget until it runs dry. */
#include "engine.h"
#include "scan_plan.h"

#include "sc_log.h"
#include "sink.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define PROGRESS_EVERY_MS 1000

static const char *const default_paths[] = {"/"};
static const char *const default_communities[] = {"public"};

int64_t eng_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool eng_take_token(struct engine *e)
{
	if (rate_take(&e->rate, ev_now_us()))
		return true;
	e->want_tokens = true;
	return false;
}

bool eng_socket_ok(struct engine *e)
{
	return e->sockets < e->max_sockets;
}

void eng_socket_opened(struct engine *e)
{
	e->sockets++;
}

void eng_socket_closed(struct engine *e)
{
	if (e->sockets)
		e->sockets--;
}

bool eng_link_scanned(const struct engine *e, size_t l)
{
	if (l >= e->links.n || !e->links.l[l].arp)
		return false;
	for (uint32_t o = 0; o < e->targets.count; o++)
		if (e->klass[o] == l + 1)
			return true;
	return false;
}

/* The socket budget: the soft RLIMIT_NOFILE raised to the hard one where
 * allowed, less a reserve for the rest of the process. */
static unsigned socket_budget(unsigned asked)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return asked ? asked : 256;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = {rl.rlim_max, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	rlim_t avail = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : rl.rlim_cur / 2;
	if (avail > 16384)
		avail = 16384;
	if (avail < 16)
		avail = 16;
	return asked && asked < avail ? asked : (unsigned)avail;
}

static int port_list(const uint32_t *in, size_t n, const uint32_t *dflt, size_t ndflt,
                     uint16_t **out, size_t *nout)
{
	if (!in) {
		in = dflt;
		n = ndflt;
	}
	size_t m = 0;
	uint32_t *merged = scan_merge_ports(in, n, NULL, 0, &m);
	if (!merged)
		return -1;
	*out = malloc((m ? m : 1) * sizeof **out);
	if (!*out) {
		free(merged);
		return -1;
	}
	for (size_t i = 0; i < m; i++)
		(*out)[i] = (uint16_t)merged[i];
	*nout = m;
	free(merged);
	return 0;
}

/* Which way each target address is found: on one of our links (ARP),
 * routed (ICMP + TCP), or skipped (our own address inside a wider target). */
static int classify(struct engine *e)
{
	const struct scan_request *r = e->req;
	e->klass = malloc(e->targets.count ? e->targets.count : 1);
	if (!e->klass)
		return -1;
	for (size_t i = 0; i < e->targets.n; i++) {
		const struct target_range *tr = &e->targets.r[i];
		for (uint64_t ip = tr->lo; ip <= tr->hi; ip++) {
			uint32_t ord = tr->base + (uint32_t)(ip - tr->lo);
			int link = links_onlink(&e->links, (uint32_t)ip);
			e->klass[ord] =
			    link >= 0 && link < 254 ? (uint8_t)(link + 1) : KLASS_ROUTED;
			if (!links_is_own(&e->links, (uint32_t)ip))
				continue;
			/* Our own addresses only when asked for by name (a /32). */
			bool explicit_single = false;
			for (size_t k = 0; k < r->ntargets; k++) {
				uint32_t lo, hi;
				char why[8];
				if (target_parse(r->targets[k], &lo, &hi, why,
				                 sizeof why) == 0 &&
				    lo == hi && lo == ip)
					explicit_single = true;
			}
			e->klass[ord] = explicit_single ? KLASS_ROUTED : KLASS_SKIP;
		}
	}
	return 0;
}

/* True when a is one of this machine's IPv6 addresses (ifs: getifaddrs). */
static bool own_ip6(const struct ifaddrs *ifs, const uint8_t a[16])
{
	for (const struct ifaddrs *i = ifs; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 &&
		    !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a, 16))
			return true;
	return false;
}

/* Splits texts into IPv4 ones (into *v4, to build a target_set from) and
 * IPv6 ones: addresses into e->v6 (targets) or prefixes into e->deep6. */
static int split_targets(struct engine *e, const char *const *texts, size_t n, bool deep,
                         const char ***v4, size_t *nv4)
{
	struct ifaddrs *ifs = NULL;
	int rc = -1;
	*v4 = calloc(n ? n : 1, sizeof **v4);
	*nv4 = 0;
	if (!*v4)
		return -1;
	if (getifaddrs(&ifs))
		ifs = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!target6_is(texts[i])) {
			(*v4)[(*nv4)++] = texts[i];
			continue;
		}
		struct target6 t;
		char why[320];
		if (target6_parse(texts[i], &t, why, sizeof why)) {
			sc_error("discovery: target %s", why);
			goto out;
		}
		if (deep) {
			struct target6 *g =
			    realloc(e->deep6, (e->ndeep6 + 1) * sizeof *g);
			if (!g)
				goto out;
			e->deep6 = g;
			e->deep6[e->ndeep6++] = t;
			continue;
		}
		if (e->nv6 + t.count > TARGET6_MAX) {
			sc_error("discovery: targets cover more than %d IPv6 addresses",
			         TARGET6_MAX);
			goto out;
		}
		uint8_t(*g)[16] = realloc(e->v6, (e->nv6 + t.count) * sizeof *g);
		if (!g)
			goto out;
		e->v6 = g;
		for (uint32_t k = 0; k < t.count; k++) {
			target6_addr(&t, k, e->v6[e->nv6]);
			/* our own addresses only when named alone (as in IPv4) */
			if (t.count == 1 || !own_ip6(ifs, e->v6[e->nv6]))
				e->nv6++;
		}
	}
	rc = 0;
out:
	if (ifs)
		freeifaddrs(ifs);
	return rc;
}

static int build_targets(struct engine *e)
{
	const struct scan_request *r = e->req;
	const char **v4 = NULL, **deep4 = NULL;
	size_t nv4 = 0, ndeep4 = 0;
	int rc = split_targets(e, r->targets, r->ntargets, false, &v4, &nv4) ||
	                 split_targets(e, r->deep_targets, r->ndeep_targets, true, &deep4,
	                               &ndeep4) ||
	                 targets_build(&e->targets, v4, nv4) ||
	                 targets_build(&e->deep, deep4, ndeep4)
	             ? -1
	             : 0;
	free(v4);
	free(deep4);
	return rc;
}

static int setup(struct engine *e)
{
	const struct scan_request *r = e->req;
	if (build_targets(e) || links_load(&e->links) || classify(e))
		return -1;
	e->st.targets = e->targets.count + e->nv6;
	size_t n;
	if (!r->deep) {
		if (port_list(r->tcp_ports, r->ntcp, scan_default_tcp, scan_default_ntcp,
		              &e->tcp, &n))
			return -1;
		e->ntcp = (uint32_t)n;
	}
	if (port_list(r->udp_ports, r->nudp, scan_default_udp, scan_default_nudp, &e->udp,
	              &e->nudp))
		return -1;
	e->paths = r->http_paths && r->npaths ? r->http_paths : default_paths;
	e->npaths = r->http_paths && r->npaths ? r->npaths : 1;
	e->plan = r->plan && r->http_paths == r->plan->path_strings ? r->plan : NULL;
	e->communities = r->snmp_communities && r->ncommunities ? r->snmp_communities
	                                                        : default_communities;
	e->ncommunities = r->snmp_communities && r->ncommunities ? r->ncommunities : 1;
	e->per_host = r->per_host ? r->per_host : SCAN_DEFAULT_PER_HOST;
	e->host_timeout_ms =
	    r->host_timeout_ms ? r->host_timeout_ms : SCAN_DEFAULT_HOST_TIMEOUT_MS;
	e->max_sockets = socket_budget(r->max_sockets);
	/* Per host: the default shrinks with a small socket budget (a soft
	 * RLIMIT_NOFILE that could not be raised), so that a few hosts never
	 * hold every socket. */
	if (!r->per_host && e->per_host > e->max_sockets / 8)
		e->per_host = e->max_sockets / 8 < 4 ? 4 : e->max_sockets / 8;
	if (ev_init(&e->loop))
		return -1;
	e->t0_ms = e->last_progress_ms = e->loop.now_ms;
	rate_init(&e->rate, r->max_pps ? r->max_pps : SCAN_DEFAULT_PPS, ev_now_us());
	if (hosts_init(e) || probe_tls_init(e) || udp_init(e))
		return -1;
	if (r->resolve_names && rdns_init(e))
		return -1;
	if (arp_start(e) || icmp_start(e) || passive_start(e) || ndp_start(e))
		return -1;
	hosts_start_v6(e);
	return 0;
}

static void teardown(struct engine *e)
{
	if (e->buckets)
		tcp_stop(e);
	passive_stop(e);
	ndp_stop(e);
	probe_stop_all(e);
	udp_stop(e);
	rdns_stop(e);
	icmp_stop(e);
	arp_stop(e);
	if (e->loop.epfd >= 0)
		ev_free(&e->loop);
	if (e->buckets)
		hosts_free(e);
	targets_free(&e->targets);
	targets_free(&e->deep);
	free(e->v6);
	free(e->deep6);
	links_free(&e->links);
	free(e->klass);
	free(e->tcp);
	free(e->udp);
}

static bool all_idle(const struct engine *e)
{
	return arp_idle(e) && icmp_idle(e) && tcp_idle(e) && probe_idle(e) &&
	       udp_idle(e) && rdns_idle(e) && ndp_idle(e);
}

static const char *phase(const struct engine *e)
{
	if (!arp_idle(e))
		return "arp";
	if (!icmp_idle(e))
		return "icmp";
	if (!tcp_idle(e))
		return "ports";
	if (!probe_idle(e) || !udp_idle(e))
		return "probes";
	if (!ndp_idle(e))
		return "ipv6";
	return "names";
}

static bool should_stop(const struct engine *e)
{
	const struct scan_request *r = e->req;
	if (r->cancel && *r->cancel)
		return true;
	return r->deadline_ms > 0 && eng_unix_ms() >= r->deadline_ms;
}

int scan_run(const struct scan_request *req, struct sink *sink, struct scan_stats *stats)
{
	struct engine *e = calloc(1, sizeof *e);
	if (!e) {
		sc_error("discovery: out of memory");
		return -1;
	}
	e->req = req;
	e->sink = sink;
	e->loop.epfd = -1;
	e->started_unix_ms = eng_unix_ms();
	/* OpenSSL writes with write(2): a peer gone mid-write must not kill us. */
	struct sigaction old;
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	if (setup(e)) {
		teardown(e);
		free(e);
		return -1;
	}
	sc_info(
	    "discovery: %u addresses, %u tcp ports%s, %zu udp ports, %u pps, %u sockets "
	    "(%u per host)",
	    e->targets.count + e->nv6, req->deep ? 65535 : e->ntcp,
	    req->deep       ? " (deep)"
	    : e->deep.count ? " (65535 on deep targets)"
	                    : "",
	    e->nudp, req->max_pps ? req->max_pps : SCAN_DEFAULT_PPS, e->max_sockets,
	    e->per_host);
	emit_progress(e, "start", false);
	for (;;) {
		if (should_stop(e)) {
			e->stop = 1;
			break;
		}
		e->want_tokens = e->want_sockets = false;
		arp_pump(e);
		icmp_pump(e);
		udp_pump(e);
		probe_pump(e);
		tcp_pump(e);
		rdns_pump(e);
		ndp_pump(e);
		if (all_idle(e))
			break;
		if (e->loop.now_ms - e->last_progress_ms >= PROGRESS_EVERY_MS) {
			e->last_progress_ms = e->loop.now_ms;
			emit_progress(e, phase(e), false);
		}
		int wait = 100; /* cancel and deadline are polled at least this often */
		if (e->want_tokens) {
			int64_t us = rate_wait_us(&e->rate, ev_now_us());
			int ms = (int)((us + 999) / 1000);
			wait = ms < 1 ? 1 : ms < wait ? ms : wait;
		}
		if (ev_run_once(&e->loop, wait) < 0) {
			e->stop = -1;
			break;
		}
	}
	passive_stop(e); /* nothing heard now could still be scanned */
	e->st.packets = e->rate.taken;
	e->st.wall_ms = ev_now_ms() - e->t0_ms;
	e->st.stopped_early = e->stop != 0;
	emit_coverage(e, e->stop == 0);
	emit_progress(e, "done", true);
	sc_info("discovery: %u hosts, %u tcp and %u udp ports open in %lld ms (%llu "
	        "packets)%s",
	        e->st.hosts, e->st.tcp_open, e->st.udp_open, (long long)e->st.wall_ms,
	        (unsigned long long)e->st.packets, e->stop ? ", stopped early" : "");
	if (stats)
		*stats = e->st;
	int rc = e->stop < 0 ? -1 : e->stop > 0 ? 1 : 0;
	teardown(e);
	free(e);
	return rc;
}
