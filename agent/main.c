/* scanopy-daemon: runs discovery in its network segment and reports what it
 * sees. `scanopy-daemon [run]` runs it; `status`, `scan` and `stop` talk to a
 * running daemon over its local control socket.
 *
 * Modes: daemon_poll (default) registers with the gateway and uploads batches
 * over HTTP(S), outbound only; integrated publishes straight to NATS and takes
 * jobs from scanopy.jobs.<daemon>. Either way every batch goes through the
 * on-disk outbox first, so a lost server loses nothing. */
#include "client.h"
#include "collect_jobs.h"
#include "control.h"
#include "job.pb-c.h"
#include "job_json.h"
#include "job_slot.h"
#include "nats_report.h"
#include "outbox.h"
#include "plan_cache.h"
#include "progress.h"
#include "sc_batch.h"
#include "sc_config.h"
#include "sc_log.h"
#include "sc_nats.h"
#include "sc_shutdown.h"
#include "sc_tls.h"
#include "scan.h"
#include "scan_job.h"
#include "selfreport.h"
#include "serve.h"
#include "sink.h"
#include "snmp_cred_json.h"
#include "state.h"

#include <inttypes.h>
#include <nng/nng.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct daemon_config {
	char *server_url, *api_key, *name, *mode, *nats_url, *org_id, *network_id,
	    *daemon_id, *control_socket, *state_dir, *docker_proxy,
	    *docker_proxy_ssl_cert, *docker_proxy_ssl_key, *docker_proxy_ssl_chain,
	    *lldpd_socket, *log_level, *call_key, *call_key_sha256, *listen_address,
	    *listen_tls_cert, *listen_tls_key, *server_ca, *server_pin, *nats_tls_ca,
	    *nats_tls_cert, *nats_tls_key, *pve_root, *libvirt_root;
	long listen_port, poll_interval, spool_mb, max_pps;
};

struct daemon {
	struct daemon_config cfg;
	struct agent_state state;
	struct sc_nats nats;  /* integrated mode */
	struct client client; /* daemon_poll mode */
	struct outbox *outbox;
	bool integrated;
	atomic_bool scan_requested, registered;
	atomic_llong last_report_ms;
	volatile int cancel;     /* set on stop: the daemon winds down */
	volatile int job_cancel; /* the running job stops soon (stop or cancel) */
	struct progress_reporter *reporter; /* the running poll session's */
	struct job_slot *slot;              /* server_poll mode */
	struct link link;                   /* does the server answer (status) */
};

static bool docker_reachable(const struct daemon_config *c)
{
	if (c->docker_proxy && *c->docker_proxy)
		return true; /* probed for real by the Docker discovery */
	struct stat sb;
	return stat("/var/run/docker.sock", &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	       access("/var/run/docker.sock", R_OK | W_OK) == 0;
}

/* The outbox's transport in integrated mode: JetStream, with the batch id as
 * msg id so a resend after a lost ack is dropped by the stream. */
static enum send_result nats_send(void *arg, uint64_t seq, const uint8_t *batch,
                                  size_t len)
{
	struct daemon *d = arg;
	char subject[192], id[96];
	if (sc_subject(subject, sizeof subject, SC_SUBJECT_RAW, d->cfg.org_id,
	               d->cfg.network_id))
		return SEND_REJECTED;
	snprintf(id, sizeof id, "%s:%" PRIu64, d->state.daemon_id, seq);
	if (!sc_nats_connected(&d->nats))
		return SEND_RETRY;
	return sc_nats_publish(&d->nats, subject, batch, len, id, NULL, 0) ? SEND_RETRY
	                                                                   : SEND_OK;
}

static void sink_ids(struct daemon *d, const char *session_id, struct sink_ids *ids)
{
	ids->org_id = d->integrated ? d->cfg.org_id : d->client.org_id;
	ids->network_id = d->integrated ? d->cfg.network_id : d->client.network_id;
	ids->daemon_id = d->state.daemon_id;
	ids->session_id = session_id;
}

static int run_self_report(struct daemon *d, const char *session_id)
{
	Scanopy__V1__SelfReport sr;
	if (selfreport_collect(&sr, d->cfg.name, d->cfg.mode, docker_reachable(&d->cfg)))
		return -1;
	collect_capabilities(&sr, docker_reachable(&d->cfg));
	struct sink_ids ids;
	sink_ids(d, session_id, &ids);
	struct sink *s = sink_open(d->outbox, &d->state, &ids);
	Scanopy__V1__Observation o = SCANOPY__V1__OBSERVATION__INIT;
	o.observed_at_ms = sc_now_ms();
	o.has_observed_at_ms = 1;
	o.kind_case = SCANOPY__V1__OBSERVATION__KIND_SELF_REPORT;
	o.self_report = &sr;
	int rc = s ? sink_emit(s, &o) : -1;
	if (sink_close(s))
		rc = -1;
	if (rc == 0) {
		atomic_store(&d->last_report_ms, sc_now_ms());
		sc_info("self-report queued: %zu interfaces", sr.n_interfaces);
	}
	selfreport_free(&sr);
	return rc;
}

/* Integrated mode: the bus connection is the server link. */
static void note_nats(struct daemon *d)
{
	if (!d->integrated || !d->nats.nc)
		return;
	if (sc_nats_connected(&d->nats))
		link_ok(&d->link, sc_now_ms());
	else
		link_fail(&d->link, sc_now_ms(), "not connected to NATS");
}

static void on_control(void *ctx, const char *cmd, char *reply, size_t len)
{
	struct daemon *d = ctx;
	if (!strcmp(cmd, "status")) {
		char server[512];
		note_nats(d);
		link_json(&d->link, server, sizeof server);
		snprintf(reply, len,
		         "{\"name\":\"%s\",\"daemon_id\":\"%s\",\"mode\":\"%s\","
		         "\"version\":\"%s\",%s,\"registered\":%s,"
		         "\"spooled_batches\":%zu,\"last_report_ms\":%lld}",
		         d->cfg.name ? d->cfg.name : "", d->state.daemon_id, d->cfg.mode,
		         SCANOPY_VERSION, server,
		         atomic_load(&d->registered) ? "true" : "false",
		         d->outbox ? outbox_pending(d->outbox) : 0,
		         (long long)atomic_load(&d->last_report_ms));
	} else if (!strcmp(cmd, "scan")) {
		atomic_store(&d->scan_requested, true);
		snprintf(reply, len, "{\"scan\":\"requested\"}");
	} else if (!strcmp(cmd, "stop")) {
		d->cancel = 1;
		d->job_cancel = 1;
		sc_shutdown_request();
		snprintf(reply, len, "{\"stop\":\"requested\"}");
	} else {
		snprintf(reply, len,
		         "{\"error\":\"unknown command; use status, scan or stop\"}");
	}
}

static int check_config(const struct daemon_config *c)
{
	if (!strcmp(c->mode, "integrated")) {
		if (c->nats_url && sc_subject_token_ok(c->org_id) &&
		    sc_subject_token_ok(c->network_id))
			return 0;
		sc_error("integrated mode needs --nats-url, --org-id and --network-id");
		return -1;
	}
	if (!strcmp(c->mode, "daemon_poll")) {
		if (c->server_url && *c->server_url && c->api_key && *c->api_key)
			return client_check_transport(c->server_url, c->server_ca,
			                              c->server_pin);
		sc_error("daemon_poll mode needs --server-url and --api-key (or "
		         "SCANOPY_SERVER_URL and SCANOPY_API_KEY, or the config file)");
		return -1;
	}
	if (!strcmp(c->mode, "server_poll")) {
		uint8_t h[32];
		if (c->daemon_id && *c->daemon_id &&
		    serve_key_hash(c->call_key, c->call_key_sha256, h) == 0)
			return 0;
		sc_error("server_poll mode needs --daemon-id and --call-key (or "
		         "--call-key-sha256), as shown once when the daemon was added "
		         "on the server");
		return -1;
	}
	sc_error("mode '%s' is not daemon_poll, server_poll or integrated", c->mode);
	return -1;
}

static size_t interfaced_subnets(const Scanopy__V1__SelfReport *sr, bool scannable,
                                 const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sr->n_interfaces; i++) {
		const Scanopy__V1__DaemonInterface *ifc = sr->interfaces[i];
		if (ifc->type == SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LOOPBACK ||
		    (scannable && !ifc->up))
			continue;
		for (size_t j = 0; j < ifc->n_addresses && n < max; j++) {
			const char *net = ifc->addresses[j]->subnet;
			if (net && (!scannable || (!strchr(net, ':') &&
			                           ifc->addresses[j]->prefix_len >= 16)))
				out[n++] = net;
		}
	}
	return n;
}

/* The subnets this daemon has interfaces in, for its registration. */
static void register_daemon(struct daemon *d)
{
	Scanopy__V1__SelfReport sr;
	const char *subnets[64];
	bool have = selfreport_collect(&sr, d->cfg.name, d->cfg.mode, false) == 0;
	size_t n = have ? interfaced_subnets(&sr, false, subnets, 64) : 0;
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	struct registration reg = {.name = d->cfg.name ? d->cfg.name : host,
	                           .version = SCANOPY_VERSION,
	                           .mode = d->cfg.mode,
	                           .hostname = host,
	                           .docker_socket = docker_reachable(&d->cfg),
	                           .subnets = subnets,
	                           .nsubnets = n};
	long wait = 1000;
	while (!sc_shutdown_requested()) {
		int rc = client_register(&d->client, &reg);
		if (rc == 0)
			break;
		/* A refused key may become active later; never exit on the server. */
		sc_shutdown_sleep(rc == -2 ? 30000 : wait);
		wait = wait * 2 > 30000 ? 30000 : wait * 2;
	}
	if (have)
		selfreport_free(&sr);
	if (!sc_shutdown_requested()) {
		atomic_store(&d->registered, true);
		sc_info("registered as %s in network %s", d->client.daemon_id,
		        d->client.network_id);
	}
}

/* Runs one job handed out by a heartbeat and reports how it ended. */

/* The subnets of the daemon's interfaces (loopback aside): all of them for
 * its registration, or only the IPv4 ones of a scannable size (/16 or
 * smaller) that are up, for a network job without targets. Strings point
 * into sr. */

static void on_scan_progress(void *arg, const Scanopy__V1__ScanProgress *p)
{
	struct daemon *d = arg;
	if (d->reporter)
		progress_update(d->reporter, p->phase, p->percent, p->hosts_found,
		                p->ports_found);
	if (d->slot)
		slot_progress(d->slot, p->phase, p->percent, p->hosts_found,
		              p->ports_found);
}

static int run_network_scan(struct daemon *d, const Scanopy__V1__Job *job,
                            struct scan_stats *stats, struct addr_set *snmp_hosts)
{
	Scanopy__V1__SelfReport sr;
	if (selfreport_collect(&sr, d->cfg.name, d->cfg.mode, false))
		return -1;
	const char *subnets[64];
	size_t nsubnets = interfaced_subnets(&sr, true, subnets, 64);
	struct sink_ids ids;
	sink_ids(d, job->session_id, &ids);
	struct sink *s = sink_open(d->outbox, &d->state, &ids);
	if (s && snmp_hosts)
		sink_set_tap(s, snmp_answerers_tap, snmp_hosts);
	if (s && (d->reporter || d->slot))
		sink_on_progress(s, on_scan_progress, d);
	struct scan_request req;
	struct scan_job_storage own;
	struct scan_plan plan;
	/* daemon_poll only: server_poll and integrated daemons have no gateway */
	bool have_plan = d->client.server_url &&
	                 plan_cache_get(&d->client, d->cfg.state_dir, &plan) == 0;
	int rc = -1;
	if (s && scan_request_from_job(job, subnets, nsubnets, &d->job_cancel, &req,
	                               &own) == 0) {
		if (have_plan && scan_request_use_plan(&req, &plan, &own))
			sc_warn("probe plan not applied: out of memory");
		if (d->cfg.max_pps > 0 &&
		    (req.max_pps == 0 || req.max_pps > (unsigned)d->cfg.max_pps))
			req.max_pps = (unsigned)d->cfg.max_pps;
		rc = scan_run(&req, s, stats) < 0 ? -1 : 0;
		sc_info("session %s: the network scan emitted %" PRIu64 " observations",
		        job->session_id ? job->session_id : "", sink_count(s));
		scan_job_storage_free(&own);
	}
	if (have_plan)
		scan_plan_free(&plan);
	if (sink_close(s))
		rc = -1;
	selfreport_free(&sr);
	return rc;
}

/* The SNMP, local LLDP and Docker steps of a job, in one sink. SNMP queries
 * the network scan's UDP/161 answerers in a unified run (then the devices
 * their neighbour tables name), else the job's targets (or the interfaced
 * subnets). */
static int run_collect(struct daemon *d, const Scanopy__V1__Job *job, bool snmp,
                       bool docker, bool unified, const struct addr_set *snmp_hosts,
                       char *why, size_t whylen)
{
	struct sink_ids ids;
	sink_ids(d, job->session_id, &ids);
	struct sink *s = sink_open(d->outbox, &d->state, &ids);
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	struct collect_cfg cfg = {.docker_proxy = d->cfg.docker_proxy,
	                          .ssl_cert = d->cfg.docker_proxy_ssl_cert,
	                          .ssl_key = d->cfg.docker_proxy_ssl_key,
	                          .ssl_chain = d->cfg.docker_proxy_ssl_chain,
	                          .lldpd_socket = d->cfg.lldpd_socket};
	struct collect_result res = {0};
	int rc = 0;
	if (snmp) {
		collect_lldp_local(s, &cfg, &res);
		const char *devs[4096];
		size_t n = 0;
		Scanopy__V1__SelfReport sr;
		bool have_sr = false;
		if (unified) {
			for (size_t i = 0; snmp_hosts && i < snmp_hosts->n && n < 4096;
			     i++)
				devs[n++] = snmp_hosts->ip[i];
		} else if (job->n_targets) {
			for (size_t i = 0; i < job->n_targets && n < 4096; i++)
				devs[n++] = job->targets[i];
		} else if (selfreport_collect(&sr, d->cfg.name, d->cfg.mode, false) ==
		           0) {
			have_sr = true;
			n = interfaced_subnets(&sr, true, devs, 64);
		}
		/* unified: what the scan covered (its targets, else the interfaced
		 * subnets) answered nothing on UDP 161 outside devs */
		const char *cov[64];
		size_t ncov = 0;
		Scanopy__V1__SelfReport csr;
		bool have_csr = false;
		if (unified && job->n_targets)
			for (size_t i = 0; i < job->n_targets && ncov < 64; i++)
				cov[ncov++] = job->targets[i];
		else if (unified &&
		         selfreport_collect(&csr, d->cfg.name, d->cfg.mode, false) == 0) {
			have_csr = true;
			ncov = interfaced_subnets(&csr, true, cov, 64);
		}
		rc = collect_snmp(s, job, devs, n, true, cov, ncov, &d->job_cancel, &res,
		                  why, whylen);
		if (have_csr)
			selfreport_free(&csr);
		if (have_sr)
			selfreport_free(&sr);
	}
	if (rc == 0 && docker)
		rc = collect_docker(s, &cfg, !unified, &res, why, whylen);
	if (sink_close(s) && rc == 0) {
		snprintf(why, whylen, "the observations could not be queued");
		rc = -1;
	}
	return rc;
}

/* Runs one job, whichever way it came; fills `why` when it fails. */
static int run_job(struct daemon *d, const Scanopy__V1__Job *job,
                   struct scan_stats *stats, char *why, size_t whylen)
{
	const char *session = job->session_id ? job->session_id : "";
	bool unified = job->type == SCANOPY__V1__JOB_TYPE__JOB_UNIFIED;
	bool self = job->type == SCANOPY__V1__JOB_TYPE__JOB_SELF_REPORT || unified;
	bool network = job->type == SCANOPY__V1__JOB_TYPE__JOB_NETWORK || unified;
	bool snmp = job->type == SCANOPY__V1__JOB_TYPE__JOB_SNMP || unified;
	bool docker = job->type == SCANOPY__V1__JOB_TYPE__JOB_DOCKER || unified;
	memset(stats, 0, sizeof *stats);
	if (!self && !network && !snmp && !docker) {
		snprintf(why, whylen,
		         "this daemon version does not know this discovery type");
		return -1;
	}
	sc_info("session %s:%s%s%s%s", session, self ? " self-report" : "",
	        network ? " network-scan" : "", snmp ? " snmp" : "",
	        docker ? " docker" : "");
	if (self && run_self_report(d, job->session_id)) {
		snprintf(why, whylen, "the self-report could not be collected");
		return -1;
	}
	struct addr_set snmp_hosts = {0};
	if (network && run_network_scan(d, job, stats, unified ? &snmp_hosts : NULL)) {
		snprintf(why, whylen,
		         "the network scan could not run (see the daemon's log)");
		addr_set_free(&snmp_hosts);
		return -1;
	}
	if (network)
		sc_info("session %s: %u hosts, %u open ports in %lld ms", session,
		        stats->hosts, stats->tcp_open + stats->udp_open,
		        (long long)stats->wall_ms);
	int rc = 0;
	if ((snmp || docker) && !d->job_cancel)
		rc = run_collect(d, job, snmp, docker, unified, &snmp_hosts, why, whylen);
	addr_set_free(&snmp_hosts);
	return rc;
}

/* How a job ended, once run: delivered first when `deliver` (completed means
 * the batches are on their way, not merely queued), then its state, the
 * reason (in why) and a summary. */
struct job_end {
	const char *state;
	char summary[160];
	bool failed_or_stopped;
};

static void job_end(struct daemon *d, int rc, bool deliver, const struct scan_stats *st,
                    char *why, size_t whylen, struct job_end *e)
{
	bool cancelled = d->job_cancel;
	if (rc == 0 && !cancelled && deliver && outbox_drain(d->outbox, 60000)) {
		snprintf(why, whylen, "the results could not be delivered yet");
		rc = -1;
	}
	snprintf(e->summary, sizeof e->summary, "%u hosts, %u open ports in %.1f s%s",
	         st->hosts, st->tcp_open + st->udp_open, (double)st->wall_ms / 1000.0,
	         cancelled ? "; stopped early" : "");
	e->state = cancelled ? "cancelled" : rc ? "failed" : "completed";
	e->failed_or_stopped = rc || cancelled;
	if (cancelled)
		snprintf(why, whylen, "%s",
		         d->cancel ? "the daemon was stopped" : "stopped on request");
}

/* A job handed out by a heartbeat (JSON), run and reported on. */
static void run_poll_job(struct daemon *d, json_t *j)
{
	Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
	char *targets[JOB_TARGETS_MAX];
	struct snmp_creds creds;
	if (job_from_json(j, &job, targets, JOB_TARGETS_MAX, &creds))
		return;
	const char *session = job.session_id;

	d->job_cancel = 0;
	if (client_progress(&d->client, session, "running", 0, "start", NULL, NULL, -1,
	                    -1) == 1) {
		/* Cancelled between the heartbeat and now: acknowledge, run nothing. */
		client_progress(&d->client, session, "cancelled", 0, NULL,
		                "cancelled before it started", NULL, -1, -1);
		snmp_creds_free(&creds);
		return;
	}
	d->reporter = progress_start(&d->client, session, &d->job_cancel);
	char why[160] = "";
	struct scan_stats stats;
	int rc = run_job(d, &job, &stats, why, sizeof why);
	progress_stop(d->reporter);
	d->reporter = NULL;
	struct job_end e;
	job_end(d, rc, true, &stats, why, sizeof why, &e);
	client_progress(&d->client, session, e.state, e.failed_or_stopped ? -1 : 100,
	                NULL, e.failed_or_stopped ? why : NULL, e.summary,
	                (long)stats.hosts, (long)(stats.tcp_open + stats.udp_open));
	snmp_creds_free(&creds);
	if (d->job_cancel)
		sc_info("session %s: %s (%s)", session, e.state, e.summary);
}

static void heartbeat(struct daemon *d)
{
	json_t *answer;
	if (client_heartbeat(&d->client, &answer))
		return;
	size_t i;
	json_t *job;
	json_t *id;
	/* Sessions cancelled while this daemon was not running them (it runs
	 * one job at a time, in this thread): acknowledge. */
	json_array_foreach(json_object_get(answer, "cancel"), i, id)
	{
		if (json_is_string(id))
			client_progress(&d->client, json_string_value(id), "cancelled",
			                -1, NULL, "not running on this daemon", NULL, -1,
			                -1);
	}
	json_array_foreach(json_object_get(answer, "jobs"), i, job)
	{
		run_poll_job(d, job);
	}
	json_decref(answer);
}

static int run_daemon_poll(struct daemon *d)
{
	d->client.server_url = d->cfg.server_url;
	d->client.api_key = d->cfg.api_key;
	d->client.ca_file =
	    d->cfg.server_ca && *d->cfg.server_ca ? d->cfg.server_ca : NULL;
	d->client.pin =
	    d->cfg.server_pin && *d->cfg.server_pin ? d->cfg.server_pin : NULL;
	snprintf(d->client.daemon_id, sizeof d->client.daemon_id, "%s",
	         d->state.daemon_id);
	d->client.link = &d->link;
	register_daemon(d);
	if (sc_shutdown_requested())
		return 0;
	d->outbox = outbox_open(d->state.dir, (uint64_t)d->cfg.spool_mb << 20,
	                        client_send_batch, &d->client);
	if (!d->outbox)
		return -1;
	atomic_store(&d->scan_requested, true); /* report ourselves at start */
	int64_t next_beat = 0;
	while (!sc_shutdown_requested()) {
		if (atomic_exchange(&d->scan_requested, false))
			run_self_report(d, NULL);
		if (sc_now_ms() >= next_beat) {
			heartbeat(d);
			next_beat = sc_now_ms() + d->cfg.poll_interval * 1000;
		}
		sc_shutdown_sleep(250);
	}
	return 0;
}

static void run_slot_job(struct daemon *d, Scanopy__V1__Job *job, bool deliver);

/* A job from scanopy.jobs.<daemon> (integrated mode), through the slot so
 * nats_report.h reports its progress and takes its cancel. */
static void handle_job(struct daemon *d, natsMsg *m)
{
	enum slot_offer r = slot_offer(d->slot, (const uint8_t *)natsMsg_GetData(m),
	                               (size_t)natsMsg_GetDataLength(m));
	static const char *const answers[] = {
	    [SLOT_ACCEPTED] = "accepted",
	    [SLOT_DUPLICATE] = "accepted", /* sent again: it is here */
	    [SLOT_BUSY] = "busy",
	    [SLOT_INVALID] = "invalid",
	};
	/* The scheduler sends jobs as requests: it counts a job as handed over
	 * only once this answer arrives. */
	if (natsMsg_GetReply(m))
		natsConnection_PublishString(d->nats.nc, natsMsg_GetReply(m), answers[r]);
	if (r == SLOT_INVALID)
		sc_warn("ignoring a job that is not a valid Job protobuf");
	else if (r == SLOT_BUSY)
		sc_warn("refusing a job while another runs");
	Scanopy__V1__Job *job = r == SLOT_ACCEPTED ? slot_take(d->slot) : NULL;
	if (job)
		run_slot_job(d, job, true);
}

static int run_integrated(struct daemon *d)
{
	natsSubscription *jobs = NULL;
	char subject[128];
	snprintf(subject, sizeof subject, "scanopy.jobs.%s", d->state.daemon_id);
	struct sc_nats_tls tls = {d->cfg.nats_tls_ca, d->cfg.nats_tls_cert,
	                          d->cfg.nats_tls_key};
	if (sc_nats_connect(&d->nats, d->cfg.nats_url, "scanopy-daemon", &tls))
		return -1;
	d->outbox =
	    outbox_open(d->state.dir, (uint64_t)d->cfg.spool_mb << 20, nats_send, d);
	d->slot = slot_new(&d->job_cancel);
	if (!d->outbox || !d->slot ||
	    natsConnection_SubscribeSync(&jobs, d->nats.nc, subject) != NATS_OK) {
		sc_error("cannot subscribe to %s", subject);
		return -1;
	}
	struct nats_report *reports =
	    nats_report_start(&d->nats, d->state.daemon_id, d->slot);
	if (!reports) {
		natsSubscription_Destroy(jobs);
		return -1;
	}
	sc_info("daemon %s ready; jobs on %s", d->state.daemon_id, subject);
	atomic_store(&d->scan_requested, true);
	while (!sc_shutdown_requested()) {
		note_nats(d);
		if (atomic_exchange(&d->scan_requested, false))
			run_self_report(d, NULL);
		natsMsg *m = NULL;
		if (natsSubscription_NextMsg(&m, jobs, 250) == NATS_OK) {
			handle_job(d, m);
			natsMsg_Destroy(m);
		}
	}
	natsSubscription_Destroy(jobs);
	nats_report_stop(reports);
	return 0;
}

/* A job taken from the slot, run; its outcome stays in the slot for the
 * server to read. server_poll: completed means queued in the spool (the
 * server pulls the results and finishes the session once it has them all);
 * integrated (deliver): completed once the batches are on the bus. */
static void run_slot_job(struct daemon *d, Scanopy__V1__Job *job, bool deliver)
{
	char why[160] = "";
	struct scan_stats stats;
	slot_progress(d->slot, "start", 0, 0, 0);
	int rc = run_job(d, job, &stats, why, sizeof why);
	struct job_end e;
	job_end(d, rc, deliver, &stats, why, sizeof why, &e);
	slot_finish(d->slot, e.state, e.failed_or_stopped ? why : NULL, e.summary,
	            stats.hosts, stats.tcp_open + stats.udp_open);
	sc_info("session %s: %s (%s)", job->session_id, e.state, e.summary);
	scanopy__v1__job__free_unpacked(job, NULL);
}

/* server_poll: no outbound connection at all; the server calls serve.h's
 * routes, and the spool is pulled instead of pushed. */
static int run_server_poll(struct daemon *d)
{
	struct serve_cfg cfg = {.bind = d->cfg.listen_address,
	                        .daemon_id = d->state.daemon_id,
	                        .name = d->cfg.name ? d->cfg.name : "",
	                        .port = d->cfg.listen_port,
	                        .link = &d->link};
	if (serve_key_hash(d->cfg.call_key, d->cfg.call_key_sha256, cfg.key_sha256))
		return -1;
	if (d->cfg.call_key) /* only its hash is kept */
		OPENSSL_cleanse(d->cfg.call_key, strlen(d->cfg.call_key));
	struct sc_tls_pem tls;
	if (sc_tls_pem_load("listen_tls", d->cfg.listen_tls_cert, d->cfg.listen_tls_key,
	                    &tls))
		return -1;
	cfg.tls = &tls;
	d->outbox =
	    outbox_open(d->state.dir, (uint64_t)d->cfg.spool_mb << 20, NULL, NULL);
	d->slot = slot_new(&d->job_cancel);
	cfg.outbox = d->outbox;
	cfg.slot = d->slot;
	struct serve *srv = d->outbox && d->slot ? serve_start(&cfg) : NULL;
	if (!srv) {
		sc_tls_pem_free(&tls);
		return -1;
	}
	atomic_store(&d->registered, true);
	atomic_store(&d->scan_requested, true); /* report ourselves at start */
	while (!sc_shutdown_requested()) {
		if (atomic_exchange(&d->scan_requested, false))
			run_self_report(d, NULL);
		Scanopy__V1__Job *job = slot_take(d->slot);
		if (job)
			run_slot_job(d, job, false);
		else
			sc_shutdown_sleep(200);
	}
	serve_stop(srv);
	sc_tls_pem_free(&tls);
	return 0;
}

/* Stops the running job on SIGTERM/SIGINT, so the daemon exits promptly
 * (the job is reported as stopped with the daemon) instead of finishing a
 * long scan first. */
static void *shutdown_watch(void *arg)
{
	struct daemon *d = arg;
	while (!sc_shutdown_requested())
		sc_shutdown_sleep(1000);
	d->cancel = 1;
	d->job_cancel = 1;
	return NULL;
}

static int run(struct daemon *d)
{
	if (check_config(&d->cfg) ||
	    state_open(&d->state, d->cfg.state_dir, d->cfg.daemon_id))
		return -1;
	sc_shutdown_install();
	d->integrated = !strcmp(d->cfg.mode, "integrated");
	link_init(&d->link);
	struct control *ctl = control_serve(d->cfg.control_socket, on_control, d);
	if (!ctl)
		return -1;
	client_global_init();
	pthread_t watcher;
	bool watching = pthread_create(&watcher, NULL, shutdown_watch, d) == 0;
	bool server_poll = !strcmp(d->cfg.mode, "server_poll");
	int rc = d->integrated ? run_integrated(d)
	         : server_poll ? run_server_poll(d)
	                       : run_daemon_poll(d);
	sc_shutdown_request(); /* ends the watcher when the loop ended by itself */
	if (watching)
		pthread_join(watcher, NULL);
	if (d->outbox && server_poll) {
		outbox_close(d->outbox); /* what the server did not pull stays */
	} else if (d->outbox) {
		/* Give the sender a moment to deliver what is queued; the rest
		 * stays spooled for the next run. */
		outbox_drain(d->outbox, 3000);
		outbox_close(d->outbox);
	}
	if (d->integrated)
		sc_nats_close(&d->nats);
	client_global_cleanup();
	control_close(ctl);
	link_destroy(&d->link);
	slot_free(d->slot);
	return rc;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct daemon_config *c = &d.cfg;
	char state_default[512], home_conf[512];
	const char *home = getenv("HOME");
	if (getuid() != 0 && home)
		snprintf(state_default, sizeof state_default, "%s/.local/state/scanopy",
		         home);
	else
		snprintf(state_default, sizeof state_default, "/var/lib/scanopy");
	snprintf(home_conf, sizeof home_conf, "%s/.config/scanopy/daemon.json",
	         home ? home : "/nonexistent");
	const char *files[] = {home_conf, "/etc/scanopy/daemon.json", NULL};

	struct sc_option opts[] = {
	    {"server_url", SC_OPT_STR, NULL,
	     "gateway URL, e.g. https://scanopy.example:60072", &c->server_url, 0, 0},
	    {"api_key", SC_OPT_STR, NULL, "daemon API key", &c->api_key, 0, 0},
	    {"server_ca", SC_OPT_STR, NULL,
	     "CA file (PEM) to verify an https:// server with, instead of the system's",
	     &c->server_ca, 0, 0},
	    {"server_pin", SC_OPT_STR, NULL,
	     "optional pin of the server's public key: sha256//BASE64[;sha256//...]",
	     &c->server_pin, 0, 0},
	    {"name", SC_OPT_STR, NULL, "daemon name shown in the UI", &c->name, 0, 0},
	    {"mode", SC_OPT_STR, "daemon_poll", "daemon_poll, server_poll or integrated",
	     &c->mode, 0, 0},
	    {"nats_url", SC_OPT_STR, NULL, "NATS URL (integrated mode)", &c->nats_url, 0,
	     0},
	    {"nats_tls_ca", SC_OPT_STR, NULL, "CA file for NATS TLS (integrated mode)",
	     &c->nats_tls_ca, 0, 0},
	    {"nats_tls_cert", SC_OPT_STR, NULL, "client certificate for NATS",
	     &c->nats_tls_cert, 0, 0},
	    {"nats_tls_key", SC_OPT_STR, NULL, "client key for NATS", &c->nats_tls_key, 0,
	     0},
	    {"org_id", SC_OPT_STR, NULL, "organisation id (integrated mode)", &c->org_id,
	     0, 0},
	    {"network_id", SC_OPT_STR, NULL, "network id (integrated mode)",
	     &c->network_id, 0, 0},
	    {"daemon_id", SC_OPT_STR, NULL,
	     "daemon id (default: generated once, kept in state_dir)", &c->daemon_id, 0,
	     0},
	    {"control_socket", SC_OPT_STR, "ipc:///tmp/scanopy-daemon.ipc",
	     "local control socket (nng URL)", &c->control_socket, 0, 0},
	    {"state_dir", SC_OPT_STR, state_default,
	     "where the id, batch sequence and spool are kept", &c->state_dir, 0, 0},
	    {"poll_interval", SC_OPT_INT, "30",
	     "seconds between heartbeats (daemon_poll)", &c->poll_interval, 1, 3600},
	    {"spool_mb", SC_OPT_INT, "256",
	     "largest on-disk spool while the server is away", &c->spool_mb, 1, 1 << 20},
	    {"max_pps", SC_OPT_INT, "0",
	     "this site's packets-per-second ceiling for network scans (0: the "
	     "engine's default); a job asking for less gets less",
	     &c->max_pps, 0, 1000000},
	    {"docker_proxy", SC_OPT_STR, NULL, "Docker socket proxy URL",
	     &c->docker_proxy, 0, 0},
	    {"docker_proxy_ssl_cert", SC_OPT_STR, NULL,
	     "client certificate for the proxy", &c->docker_proxy_ssl_cert, 0, 0},
	    {"docker_proxy_ssl_key", SC_OPT_STR, NULL, "client key for the proxy",
	     &c->docker_proxy_ssl_key, 0, 0},
	    {"docker_proxy_ssl_chain", SC_OPT_STR, NULL, "CA chain for the proxy",
	     &c->docker_proxy_ssl_chain, 0, 0},
	    {"lldpd_socket", SC_OPT_STR, NULL,
	     "lldpd's control socket for local LLDP (default: lldpd's own)",
	     &c->lldpd_socket, 0, 0},
	    {"pve_root", SC_OPT_STR, "/etc/pve",
	     "Proxmox VE's cluster file system, where its VMs' names and its cluster's "
	     "are read (\"\": none)",
	     &c->pve_root, 0, 0},
	    {"libvirt_root", SC_OPT_STR, "/run/libvirt/qemu",
	     "libvirt's running QEMU domains (<name>.xml), where its VMs' names are "
	     "read (\"\": none)",
	     &c->libvirt_root, 0, 0},
	    {"listen_port", SC_OPT_INT, "60073", "port for server_poll mode",
	     &c->listen_port, 1, 65535},
	    {"listen_address", SC_OPT_STR, "0.0.0.0",
	     "IPv4 address to listen on in server_poll mode", &c->listen_address, 0, 0},
	    {"listen_tls_cert", SC_OPT_STR, NULL,
	     "server_poll: certificate (PEM) to serve HTTPS with, with listen_tls_key",
	     &c->listen_tls_cert, 0, 0},
	    {"listen_tls_key", SC_OPT_STR, NULL,
	     "server_poll: the certificate's private key (PEM)", &c->listen_tls_key, 0,
	     0},
	    {"call_key", SC_OPT_STR, NULL,
	     "server_poll: the key the server calls with (only its SHA-256 is kept)",
	     &c->call_key, 0, 0},
	    {"call_key_sha256", SC_OPT_STR, NULL,
	     "server_poll: the call key's SHA-256 as 64 hex digits, instead of the key",
	     &c->call_key_sha256, 0, 0},
	    {"log_level", SC_OPT_STR, "info", "debug, info, warn or error", &c->log_level,
	     0, 0},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	char err[512];
	int npos = 0, rc;
	sc_log_init("scanopy-daemon");
	sc_tls_process_init();
	rc = sc_config_load(opts, nopts, files, argc, argv, &npos, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "scanopy-daemon: %s\n", err);
		sc_config_free(opts, nopts);
		return 2;
	}
	if (rc == 1) {
		printf("\ncommands: run (default), status, scan, stop\n");
		sc_config_free(opts, nopts);
		return 0;
	}
	if (sc_log_set_level(c->log_level))
		fprintf(stderr, "scanopy-daemon: log_level '%s' unknown, using info\n",
		        c->log_level);

	selfreport_vm_roots(c->pve_root, c->libvirt_root);

	const char *cmd = npos > 0 ? argv[1] : "run";
	if (!strcmp(cmd, "run"))
		rc = run(&d);
	else if (!strcmp(cmd, "status") || !strcmp(cmd, "scan") || !strcmp(cmd, "stop"))
		rc = control_call(c->control_socket, cmd, 3000);
	else {
		fprintf(
		    stderr,
		    "scanopy-daemon: unknown command '%s' (run, status, scan, stop)\n",
		    cmd);
		rc = -1;
	}
	sc_config_free(opts, nopts);
	nats_Close();
	nng_fini(); /* releases nng's threads so leak checkers see a clean exit */
	return rc ? 1 : 0;
}
