/* scanopy-scan: runs the discovery engine once and prints every observation
 * as a JSON line on stdout (a summary on stderr), for people and tests:
 *
 *   ip netns exec lab-scan scanopy-scan --targets 10.77.1.0/24,10.77.2.0/24
 *
 * It sends traffic to the targets: only point it at networks you own. */
#include "localsink.h"
#include "sc_log.h"
#include "scan.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile int cancel_flag;

static void on_signal(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: scanopy-scan --targets CIDR[,CIDR...] [options]\n"
	    "  --targets LIST        CIDRs, addresses, a.b.c.d-e.f.g.h ranges "
	    "(repeatable)\n"
	    "  --tcp PORTS           TCP ports, e.g. 22,80,8000-8100 (default: top "
	    "list)\n"
	    "  --top                 add the built-in top list to --tcp\n"
	    "  --udp PORTS           UDP ports (default: "
	    "53,67,123,137,161,1900,5060,5353)\n"
	    "  --no-tcp, --no-udp    skip TCP or UDP ports\n"
	    "  --deep                TCP 1-65535\n"
	    "  --deep-targets LIST   scan these targets too, on TCP 1-65535 "
	    "(repeatable)\n"
	    "  --paths LIST          HTTP paths to GET (default: /)\n"
	    "  --community NAME      SNMP v1/v2c community (repeatable; default: "
	    "public)\n"
	    "  --pps N               packets per second (default %u)\n"
	    "  --host-timeout MS     give up on a host silent this long (default %u)\n"
	    "  --per-host N          concurrent connects per host (default %u)\n"
	    "  --printer-payloads    allow payloads to TCP 9100-9107\n"
	    "  --rdns                reverse DNS through /etc/resolv.conf's resolver\n"
	    "  --deadline-s N        stop after N seconds\n"
	    "  --quiet               no JSON lines, only the summary\n"
	    "  --log-level LEVEL     debug, info, warn, error (default warn)\n",
	    SCAN_DEFAULT_PPS, SCAN_DEFAULT_HOST_TIMEOUT_MS, SCAN_DEFAULT_PER_HOST);
}

struct strlist {
	char **v;
	size_t n;
};

/* Splits a comma list into l (each item strdup'd). */
static int add_items(struct strlist *l, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;
	if (!copy)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(l->v, (l->n + 1) * sizeof *grown);
		if (!grown) {
			free(copy);
			return -1;
		}
		l->v = grown;
		l->v[l->n++] = strdup(t);
	}
	free(copy);
	return 0;
}

static void free_items(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* "22,80,8000-8010" -> ports; -1 on a malformed item. */
static int parse_ports(const char *arg, uint32_t **out, size_t *n)
{
	struct strlist items = {0};
	if (add_items(&items, arg))
		return -1;
	size_t cap = 0;
	int rc = 0;
	for (size_t i = 0; i < items.n && rc == 0; i++) {
		unsigned long a, b;
		char *end;
		a = strtoul(items.v[i], &end, 10);
		b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (*end || a < 1 || b > 65535 || b < a) {
			fprintf(stderr, "scanopy-scan: bad port '%s'\n", items.v[i]);
			rc = -1;
			break;
		}
		for (unsigned long p = a; p <= b; p++) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				uint32_t *grown = realloc(*out, cap * sizeof *grown);
				if (!grown) {
					rc = -1;
					break;
				}
				*out = grown;
			}
			(*out)[(*n)++] = (uint32_t)p;
		}
	}
	free_items(&items);
	return rc;
}

int main(int argc, char **argv)
{
	enum {
		O_TARGETS = 1,
		O_TCP,
		O_TOP,
		O_UDP,
		O_NOTCP,
		O_NOUDP,
		O_DEEP,
		O_DEEP_TARGETS,
		O_PATHS,
		O_COMMUNITY,
		O_PPS,
		O_HOST_TIMEOUT,
		O_PER_HOST,
		O_PRINTER,
		O_RDNS,
		O_DEADLINE,
		O_QUIET,
		O_LOG,
		O_HELP,
	};
	static const struct option opts[] = {
	    {"targets", required_argument, NULL, O_TARGETS},
	    {"tcp", required_argument, NULL, O_TCP},
	    {"top", no_argument, NULL, O_TOP},
	    {"udp", required_argument, NULL, O_UDP},
	    {"no-tcp", no_argument, NULL, O_NOTCP},
	    {"no-udp", no_argument, NULL, O_NOUDP},
	    {"deep", no_argument, NULL, O_DEEP},
	    {"deep-targets", required_argument, NULL, O_DEEP_TARGETS},
	    {"paths", required_argument, NULL, O_PATHS},
	    {"community", required_argument, NULL, O_COMMUNITY},
	    {"pps", required_argument, NULL, O_PPS},
	    {"host-timeout", required_argument, NULL, O_HOST_TIMEOUT},
	    {"per-host", required_argument, NULL, O_PER_HOST},
	    {"printer-payloads", no_argument, NULL, O_PRINTER},
	    {"rdns", no_argument, NULL, O_RDNS},
	    {"deadline-s", required_argument, NULL, O_DEADLINE},
	    {"quiet", no_argument, NULL, O_QUIET},
	    {"log-level", required_argument, NULL, O_LOG},
	    {"help", no_argument, NULL, O_HELP},
	    {NULL, 0, NULL, 0},
	};
	struct strlist targets = {0}, deep = {0}, paths = {0}, communities = {0};
	uint32_t *tcp = NULL, *udp = NULL;
	size_t ntcp = 0, nudp = 0;
	bool tcp_set = false, udp_set = false, top = false, no_tcp = false,
	     no_udp = false, quiet = false;
	struct scan_request req = {0};
	long deadline_s = 0;
	int c, rc = 2;
	sc_log_init("scanopy-scan");
	sc_log_set_level("warn");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_TARGETS:
			if (add_items(&targets, optarg))
				goto out;
			break;
		case O_TCP:
			if (parse_ports(optarg, &tcp, &ntcp))
				goto out;
			tcp_set = true;
			break;
		case O_TOP:
			top = true;
			break;
		case O_UDP:
			if (parse_ports(optarg, &udp, &nudp))
				goto out;
			udp_set = true;
			break;
		case O_NOTCP:
			no_tcp = true;
			break;
		case O_NOUDP:
			no_udp = true;
			break;
		case O_DEEP:
			req.deep = true;
			break;
		case O_DEEP_TARGETS:
			if (add_items(&deep, optarg) || add_items(&targets, optarg))
				goto out;
			break;
		case O_PATHS:
			if (add_items(&paths, optarg))
				goto out;
			break;
		case O_COMMUNITY:
			if (add_items(&communities, optarg))
				goto out;
			break;
		case O_PPS:
			req.max_pps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case O_HOST_TIMEOUT:
			req.host_timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case O_PER_HOST:
			req.per_host = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case O_PRINTER:
			req.printer_payloads = true;
			break;
		case O_RDNS:
			req.resolve_names = true;
			break;
		case O_DEADLINE:
			deadline_s = strtol(optarg, NULL, 10);
			break;
		case O_QUIET:
			quiet = true;
			break;
		case O_LOG:
			if (sc_log_set_level(optarg)) {
				fprintf(stderr, "scanopy-scan: unknown log level '%s'\n",
				        optarg);
				goto out;
			}
			break;
		case O_HELP:
			usage(stdout);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (!targets.n || optind < argc) {
		usage(stderr);
		goto out;
	}
	static const uint32_t none[1];
	uint32_t *merged = NULL;
	if (no_tcp) {
		req.tcp_ports = none;
	} else if (tcp_set) {
		size_t n = 0;
		merged = scan_merge_ports(tcp, ntcp, top ? scan_default_tcp : NULL,
		                          top ? scan_default_ntcp : 0, &n);
		req.tcp_ports = merged;
		req.ntcp = n;
	}
	if (no_udp)
		req.udp_ports = none;
	else if (udp_set) {
		req.udp_ports = udp;
		req.nudp = nudp;
	}
	req.targets = (const char *const *)targets.v;
	req.ntargets = targets.n;
	req.deep_targets = (const char *const *)deep.v;
	req.ndeep_targets = deep.n;
	req.http_paths = (const char *const *)paths.v;
	req.npaths = paths.n;
	req.snmp_communities = (const char *const *)communities.v;
	req.ncommunities = communities.n;
	req.cancel = &cancel_flag;
	if (deadline_s > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		req.deadline_ms = ((int64_t)ts.tv_sec + deadline_s) * 1000;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	struct sink *sink = localsink_open(quiet ? NULL : stdout, false);
	if (!sink)
		goto out_merged;
	struct scan_stats st;
	int r = scan_run(&req, sink, &st);
	sink_close(sink);
	if (r >= 0)
		fprintf(stderr,
		        "{\"targets\":%u,\"hosts\":%u,\"tcp_open\":%u,\"udp_open\":%u,"
		        "\"tcp_closed\":%u,\"tcp_filtered\":%u,\"packets\":%llu,\"wall_"
		        "ms\":%lld,"
		        "\"arp_ms\":%lld,\"stopped_early\":%s}\n",
		        st.targets, st.hosts, st.tcp_open, st.udp_open, st.tcp_closed,
		        st.tcp_filtered, (unsigned long long)st.packets,
		        (long long)st.wall_ms, (long long)st.arp_ms,
		        st.stopped_early ? "true" : "false");
	rc = r < 0 ? 1 : 0;
out_merged:
	free(merged);
out:
	free_items(&targets);
	free_items(&deep);
	free_items(&paths);
	free_items(&communities);
	free(tcp);
	free(udp);
	return rc;
}
