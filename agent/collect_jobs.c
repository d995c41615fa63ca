#include "collect_jobs.h"
#include "docker_collect.h"
#include "lldp_local.h"
#include "sc_log.h"
#include "sink.h"
#include "snmp_collect.h"
#include "targets.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FOLLOW 256

void addr_set_free(struct addr_set *a)
{
	free(a->ip);
	memset(a, 0, sizeof *a);
}

static bool addr_set_has(const struct addr_set *a, const char *ip)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->ip[i], ip))
			return true;
	return false;
}

static void addr_set_add(struct addr_set *a, const char *ip)
{
	if (!ip || !*ip || strlen(ip) >= sizeof a->ip[0] || addr_set_has(a, ip))
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		void *g = realloc(a->ip, cap * sizeof *a->ip);
		if (!g)
			return;
		a->ip = g;
		a->cap = cap;
	}
	snprintf(a->ip[a->n++], sizeof a->ip[0], "%s", ip);
}

void snmp_answerers_tap(void *arg, const Scanopy__V1__Observation *o)
{
	struct addr_set *a = arg;
	if (o->kind_case == SCANOPY__V1__OBSERVATION__KIND_PORT && o->port->port == 161 &&
	    o->port->protocol == SCANOPY__V1__PROTOCOL__PROTOCOL_UDP &&
	    o->port->status == SCANOPY__V1__PORT_STATUS__PORT_OPEN)
		addr_set_add(a, o->port->ip);
	else if (o->kind_case == SCANOPY__V1__OBSERVATION__KIND_UDP_REPLY &&
	         o->udp_reply->port == 161)
		addr_set_add(a, o->udp_reply->ip);
}

/* Tap for the SNMP phase: IPv4 management addresses of neighbours. */
static void mgmt_tap(void *arg, const Scanopy__V1__Observation *o)
{
	struct addr_set *a = arg;
	if (o->kind_case != SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR)
		return;
	for (size_t i = 0; i < o->neighbor->n_remote_mgmt_addresses && a->n < MAX_FOLLOW;
	     i++)
		if (!strchr(o->neighbor->remote_mgmt_addresses[i], ':'))
			addr_set_add(a, o->neighbor->remote_mgmt_addresses[i]);
}

static int snmp_round(struct sink *s, const Scanopy__V1__Job *job, const char *const *dev,
                      size_t n, volatile int *cancel, struct collect_result *res)
{
	struct snmp_request req = {0};
	req.devices = dev;
	req.ndevices = n;
	req.creds = (const Scanopy__V1__SnmpCredential *const *)job->snmp_credentials;
	req.ncreds = job->n_snmp_credentials;
	req.cancel = cancel;
	struct snmp_stats st;
	if (snmp_collect_run(&req, s, &st))
		return -1;
	res->snmp_devices += (unsigned)st.devices;
	res->snmp_answered += (unsigned)st.answered;
	sc_info(
	    "snmp: %zu of %zu devices answered in %lld ms (%u interfaces, %u neighbours, "
	    "%u FDB, %u ARP entries)",
	    st.answered, st.devices, (long long)st.wall_ms, st.total.interfaces,
	    st.total.neighbors, st.total.fdb, st.total.arp);
	snmp_stats_free(&st);
	return 0;
}

int collect_snmp(struct sink *s, const Scanopy__V1__Job *job, const char *const *devices,
                 size_t ndevices, bool follow, const char *const *covered,
                 size_t ncovered, volatile int *cancel, struct collect_result *res,
                 char *why, size_t whylen)
{
	if (!job->n_snmp_credentials) {
		sc_info("snmp: the job carries no SNMP credentials: skipped");
		return 0;
	}
	if (!ndevices)
		return 0;
	struct addr_set mgmt = {0};
	if (follow)
		sink_set_tap(s, mgmt_tap, &mgmt);
	int rc = snmp_round(s, job, devices, ndevices, cancel, res);
	if (follow)
		sink_set_tap(s, NULL, NULL);
	if (rc == 0 && follow && !(cancel && *cancel)) {
		/* devices named by the neighbour tables, not queried yet and not
		 * in ranges the scan found silent on UDP 161 */
		const char **more = calloc(mgmt.n ? mgmt.n : 1, sizeof *more);
		size_t nm = 0;
		struct target_set cov = {0};
		bool have_cov = ncovered && targets_build(&cov, covered, ncovered) == 0;
		for (size_t i = 0; more && i < mgmt.n; i++) {
			bool seen = false;
			struct in_addr a;
			for (size_t k = 0; k < ndevices && !seen; k++)
				seen = !strcmp(devices[k], mgmt.ip[i]);
			if (!seen && have_cov && inet_pton(AF_INET, mgmt.ip[i], &a) == 1)
				seen = targets_ordinal(&cov, ntohl(a.s_addr)) >= 0;
			if (!seen)
				more[nm++] = mgmt.ip[i];
		}
		if (have_cov)
			targets_free(&cov);
		if (nm) {
			sc_info("snmp: %zu more devices from neighbour tables", nm);
			rc = snmp_round(s, job, more, nm, cancel, res);
		}
		free(more);
	}
	addr_set_free(&mgmt);
	if (rc)
		snprintf(why, whylen,
		         "the SNMP collection could not run (see the daemon's log)");
	return rc;
}

int collect_docker(struct sink *s, const struct collect_cfg *cfg, bool required,
                   struct collect_result *res, char *why, size_t whylen)
{
	bool proxy = cfg->docker_proxy && *cfg->docker_proxy;
	struct stat sb;
	if (!proxy && (stat("/var/run/docker.sock", &sb) || !S_ISSOCK(sb.st_mode))) {
		if (!required) {
			sc_debug("docker: no /var/run/docker.sock and no docker_proxy: "
			         "skipped");
			return 0;
		}
		snprintf(
		    why, whylen,
		    "no Docker API here: /var/run/docker.sock is not a socket and no "
		    "--docker-proxy / SCANOPY_DOCKER_PROXY is set");
		return -1;
	}
	struct docker_request req = {.proxy = cfg->docker_proxy,
	                             .ssl_cert = cfg->ssl_cert,
	                             .ssl_key = cfg->ssl_key,
	                             .ssl_chain = cfg->ssl_chain,
	                             .exec_probes = true};
	struct docker_stats st;
	if (docker_collect_run(&req, s, &st)) {
		snprintf(why, whylen, "docker: %s", st.error);
		sc_warn("%s", why);
		Scanopy__V1__ScanProgress p = SCANOPY__V1__SCAN_PROGRESS__INIT;
		p.phase = "docker";
		p.message = why;
		sink_progress(s, &p);
		return required ? -1 : 0;
	}
	res->containers = st.containers;
	sc_info("docker: %u containers, %u networks, %u in-container probes in %lld ms",
	        st.containers, st.networks, st.probes, (long long)st.wall_ms);
	if (*st.error) {
		Scanopy__V1__ScanProgress p = SCANOPY__V1__SCAN_PROGRESS__INIT;
		p.phase = "docker";
		p.message = st.error;
		sink_progress(s, &p);
	}
	return 0;
}

void collect_lldp_local(struct sink *s, const struct collect_cfg *cfg,
                        struct collect_result *res)
{
	int n = lldp_local_collect(cfg->lldpd_socket, s);
	if (n > 0) {
		res->neighbors_local = (unsigned)n;
		sc_info("lldp: %d neighbours from the local lldpd", n);
	}
}

void collect_capabilities(Scanopy__V1__SelfReport *sr, bool docker)
{
	const char *caps[] = {"snmp-v1", "snmp-v2c", "snmp-v3", docker ? "docker" : NULL,
	                      access("/usr/sbin/lldpcli", X_OK) == 0 ? "lldp-local"
	                                                             : NULL};
	size_t n = sizeof caps / sizeof caps[0];
	char **g = realloc(sr->capabilities, (sr->n_capabilities + n) * sizeof *g);
	if (!g)
		return;
	sr->capabilities = g;
	for (size_t i = 0; i < n; i++) {
		char *c = caps[i] ? strdup(caps[i]) : NULL;
		if (c)
			sr->capabilities[sr->n_capabilities++] = c;
	}
}
