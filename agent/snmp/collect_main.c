/* scanopy-collect: runs the daemon's SNMP or Docker collection once and
 * prints every observation as a JSON line on stdout (a summary on stderr),
 * for people and tests:
 *
 *   scanopy-collect snmp --credentials FILE DEVICE...
 *   scanopy-collect docker [--docker-proxy URL --docker-proxy-ssl-cert ...]
 *
 * FILE holds a JSON array of credentials (snmp_cred_json.h): secrets stay
 * off the command line. */
#include "docker_collect.h"
#include "lldp_local.h"
#include "localsink.h"
#include "sc_log.h"
#include "snmp_collect.h"
#include "snmp_cred_json.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr,
	        "usage: scanopy-collect snmp --credentials FILE [--timeout-ms N] "
	        "[--retries N] [--concurrency N] [--budget-ms N] [--quiet] DEVICE...\n"
	        "       scanopy-collect docker [--docker-proxy URL] "
	        "[--docker-proxy-ssl-cert F --docker-proxy-ssl-key F "
	        "--docker-proxy-ssl-chain F] [--no-exec] [--quiet]\n"
	        "       scanopy-collect lldp [LLDPD_SOCKET]\n"
	        "DEVICE: address, CIDR or a.b.c.d-e.f.g.h range; the proxy URL may be "
	        "unix:///path, tcp://host:port, http:// or https://\n");
}

static int run_snmp(int argc, char **argv, struct sink *s)
{
	static const struct option opts[] = {{"credentials", 1, 0, 'c'},
	                                     {"timeout-ms", 1, 0, 't'},
	                                     {"retries", 1, 0, 'r'},
	                                     {"concurrency", 1, 0, 'n'},
	                                     {"budget-ms", 1, 0, 'b'},
	                                     {"quiet", 0, 0, 'q'},
	                                     {0, 0, 0, 0}};
	struct snmp_request req = {0};
	const char *file = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			file = optarg;
			break;
		case 't':
			req.timeout_ms = (unsigned)atoi(optarg);
			break;
		case 'r':
			req.retries = (unsigned)atoi(optarg);
			break;
		case 'n':
			req.concurrency = (unsigned)atoi(optarg);
			break;
		case 'b':
			req.budget_ms = (unsigned)atoi(optarg);
			break;
		case 'q':
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!file || optind >= argc) {
		usage();
		return 2;
	}
	json_error_t jerr;
	json_t *j = json_load_file(file, 0, &jerr);
	if (!j) {
		fprintf(stderr, "scanopy-collect: %s: %s\n", file, jerr.text);
		return 2;
	}
	struct snmp_creds creds;
	if (snmp_creds_from_json(j, &creds)) {
		json_decref(j);
		return 1;
	}
	req.creds = (const Scanopy__V1__SnmpCredential *const *)creds.ptr;
	req.ncreds = creds.n;
	req.devices = (const char *const *)(argv + optind);
	req.ndevices = (size_t)(argc - optind);
	struct snmp_stats st;
	int rc = snmp_collect_run(&req, s, &st);
	if (rc == 0) {
		for (size_t i = 0; i < st.devices; i++) {
			struct snmp_result *r = &st.results[i];
			fprintf(
			    stderr,
			    "%-15s %s %5lld ms  if %u addr %u nbr %u fdb %u arp %u%s%s\n",
			    r->ip, r->ok ? "ok  " : "FAIL", (long long)r->ms,
			    r->counts.interfaces, r->counts.addresses,
			    r->counts.neighbors, r->counts.fdb, r->counts.arp,
			    *r->error ? "  " : "", r->error);
		}
		fprintf(stderr, "snmp: %zu/%zu devices answered in %lld ms\n",
		        st.answered, st.devices, (long long)st.wall_ms);
		snmp_stats_free(&st);
	}
	snmp_creds_free(&creds);
	json_decref(j);
	return rc ? 1 : 0;
}

static int run_docker(int argc, char **argv, struct sink *s)
{
	static const struct option opts[] = {{"docker-proxy", 1, 0, 'p'},
	                                     {"docker-proxy-ssl-cert", 1, 0, 'c'},
	                                     {"docker-proxy-ssl-key", 1, 0, 'k'},
	                                     {"docker-proxy-ssl-chain", 1, 0, 'a'},
	                                     {"no-exec", 0, 0, 'x'},
	                                     {"quiet", 0, 0, 'q'},
	                                     {0, 0, 0, 0}};
	struct docker_request req = {0};
	req.exec_probes = true;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			req.proxy = optarg;
			break;
		case 'c':
			req.ssl_cert = optarg;
			break;
		case 'k':
			req.ssl_key = optarg;
			break;
		case 'a':
			req.ssl_chain = optarg;
			break;
		case 'x':
			req.exec_probes = false;
			break;
		case 'q':
			break;
		default:
			usage();
			return 2;
		}
	}
	struct docker_stats st;
	int rc = docker_collect_run(&req, s, &st);
	if (rc)
		fprintf(stderr, "docker: %s\n", st.error);
	else
		fprintf(stderr,
		        "docker: %u containers, %u networks, %u probes (%u skipped) in "
		        "%lld ms%s%s\n",
		        st.containers, st.networks, st.probes, st.probes_skipped,
		        (long long)st.wall_ms, *st.error ? "; " : "", st.error);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	sc_log_init("scanopy-collect");
	sc_log_set_level(getenv("SCANOPY_LOG_LEVEL") ? getenv("SCANOPY_LOG_LEVEL")
	                                             : "warn");
	if (argc < 2) {
		usage();
		return 2;
	}
	bool quiet = false;
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--quiet"))
			quiet = true;
	struct sink *s = localsink_open(quiet ? NULL : stdout, false);
	if (!s)
		return 1;
	int rc;
	if (!strcmp(argv[1], "snmp"))
		rc = run_snmp(argc - 1, argv + 1, s);
	else if (!strcmp(argv[1], "docker"))
		rc = run_docker(argc - 1, argv + 1, s);
	else if (!strcmp(argv[1], "lldp")) {
		/* scanopy-collect lldp [SOCKET]: the local lldpd's neighbours */
		int n =
		    lldp_local_collect(argc > 2 && argv[2][0] != '-' ? argv[2] : NULL, s);
		fprintf(stderr, "lldp: %d neighbours\n", n);
		rc = n < 0 ? 1 : 0;
	} else {
		usage();
		rc = 2;
	}
	sink_close(s);
	return rc;
}
