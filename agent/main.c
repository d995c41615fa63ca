/* scanopy-daemon: runs discovery in its network segment and reports what it
 * sees. `scanopy-daemon [run]` runs it; `status`, `scan` and `stop` talk to a
 * running daemon over its local control socket. */
#include "control.h"
#include "job.pb-c.h"
#include "sc_batch.h"
#include "sc_config.h"
#include "sc_log.h"
#include "sc_nats.h"
#include "sc_shutdown.h"
#include "selfreport.h"
#include "state.h"

#include <nng/nng.h>

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
	    *log_level;
	long listen_port;
};

struct daemon {
	struct daemon_config cfg;
	struct agent_state state;
	struct sc_nats nats;
	atomic_bool scan_requested;
	atomic_llong last_report_ms;
	atomic_llong batches_sent;
};

static bool docker_reachable(const struct daemon_config *c)
{
	if (c->docker_proxy && *c->docker_proxy)
		return true; /* probed for real by the Docker discovery */
	struct stat sb;
	return stat("/var/run/docker.sock", &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	       access("/var/run/docker.sock", R_OK | W_OK) == 0;
}

/* Publishes one batch of observations, retrying until NATS takes it: the
 * sequence is already spent, so the batch must not be dropped. */
static int publish_batch(struct daemon *d, const char *session_id,
                         Scanopy__V1__Observation **obs, size_t nobs)
{
	Scanopy__V1__BatchHeader h = SCANOPY__V1__BATCH_HEADER__INIT;
	Scanopy__V1__ObservationBatch b = SCANOPY__V1__OBSERVATION_BATCH__INIT;
	uint64_t seq;
	if (state_next_sequence(&d->state, &seq))
		return -1;
	h.org_id = d->cfg.org_id;
	h.network_id = d->cfg.network_id;
	h.daemon_id = d->state.daemon_id;
	h.session_id = (char *)session_id;
	h.sequence = seq;
	h.has_sequence = 1;
	h.sent_at_ms = h.started_at_ms = sc_now_ms();
	h.has_sent_at_ms = h.has_started_at_ms = 1;
	h.daemon_version = (char *)SCANOPY_VERSION;
	h.contract_version = 1;
	h.has_contract_version = 1;
	b.header = &h;
	b.observations = obs;
	b.n_observations = nobs;

	char subject[192], id[96];
	if (sc_subject(subject, sizeof subject, SC_SUBJECT_RAW, h.org_id, h.network_id) ||
	    sc_batch_id(&h, id, sizeof id))
		return -1;
	size_t len = scanopy__v1__observation_batch__get_packed_size(&b);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -1;
	scanopy__v1__observation_batch__pack(&b, buf);
	int rc;
	while ((rc = sc_nats_publish(&d->nats, subject, buf, len, id, NULL, 0)) &&
	       !sc_shutdown_requested())
		sc_shutdown_sleep(2000);
	free(buf);
	if (rc == 0) {
		atomic_fetch_add(&d->batches_sent, 1);
		atomic_store(&d->last_report_ms, h.sent_at_ms);
	}
	return rc;
}

static int run_self_report(struct daemon *d, const char *session_id)
{
	Scanopy__V1__SelfReport sr;
	if (selfreport_collect(&sr, d->cfg.name, d->cfg.mode, docker_reachable(&d->cfg)))
		return -1;
	Scanopy__V1__Observation o = SCANOPY__V1__OBSERVATION__INIT;
	o.observed_at_ms = sc_now_ms();
	o.has_observed_at_ms = 1;
	o.kind_case = SCANOPY__V1__OBSERVATION__KIND_SELF_REPORT;
	o.self_report = &sr;
	Scanopy__V1__Observation *obs[] = {&o};
	int rc = publish_batch(d, session_id, obs, 1);
	if (rc == 0)
		sc_info("self-report sent: %zu interfaces", sr.n_interfaces);
	selfreport_free(&sr);
	return rc;
}

static void handle_job(struct daemon *d, natsMsg *m)
{
	Scanopy__V1__Job *job = scanopy__v1__job__unpack(
	    NULL, (size_t)natsMsg_GetDataLength(m), (const uint8_t *)natsMsg_GetData(m));
	if (!job) {
		sc_warn("ignoring a job that is not a valid Job protobuf");
		return;
	}
	switch (job->type) {
	case SCANOPY__V1__JOB_TYPE__JOB_SELF_REPORT:
	case SCANOPY__V1__JOB_TYPE__JOB_UNIFIED:
		sc_info("job %s: self-report", job->session_id ? job->session_id : "");
		run_self_report(d, job->session_id);
		break;
	default:
		/* Network, SNMP and Docker discovery arrive with issues 4 and 5. */
		sc_warn("job %s: discovery type %d is not supported by this daemon",
		        job->session_id ? job->session_id : "", job->type);
	}
	scanopy__v1__job__free_unpacked(job, NULL);
}

static void on_control(void *ctx, const char *cmd, char *reply, size_t len)
{
	struct daemon *d = ctx;
	if (!strcmp(cmd, "status")) {
		snprintf(reply, len,
		         "{\"name\":\"%s\",\"daemon_id\":\"%s\",\"mode\":\"%s\","
		         "\"version\":\"%s\",\"nats\":\"%s\",\"batches_sent\":%lld,"
		         "\"last_report_ms\":%lld}",
		         d->cfg.name ? d->cfg.name : "", d->state.daemon_id, d->cfg.mode,
		         SCANOPY_VERSION,
		         sc_nats_connected(&d->nats) ? "connected" : "disconnected",
		         (long long)atomic_load(&d->batches_sent),
		         (long long)atomic_load(&d->last_report_ms));
	} else if (!strcmp(cmd, "scan")) {
		atomic_store(&d->scan_requested, true);
		snprintf(reply, len, "{\"scan\":\"requested\"}");
	} else if (!strcmp(cmd, "stop")) {
		sc_shutdown_request();
		snprintf(reply, len, "{\"stop\":\"requested\"}");
	} else {
		snprintf(reply, len,
		         "{\"error\":\"unknown command; use status, scan or stop\"}");
	}
}

static int check_config(const struct daemon_config *c)
{
	if (strcmp(c->mode, "integrated") && strcmp(c->mode, "daemon_poll") &&
	    strcmp(c->mode, "server_poll")) {
		sc_error("mode '%s' is not daemon_poll, server_poll or integrated",
		         c->mode);
		return -1;
	}
	if (strcmp(c->mode, "integrated")) {
		sc_error("mode %s needs the gateway's daemon endpoints, which this "
		         "version does not have yet; run with --mode integrated "
		         "--nats-url URL --org-id ID --network-id ID",
		         c->mode);
		return -1;
	}
	if (!c->nats_url || !sc_subject_token_ok(c->org_id) ||
	    !sc_subject_token_ok(c->network_id)) {
		sc_error("integrated mode needs --nats-url, --org-id and --network-id");
		return -1;
	}
	return 0;
}

static int run(struct daemon *d)
{
	if (check_config(&d->cfg) ||
	    state_open(&d->state, d->cfg.state_dir, d->cfg.daemon_id))
		return -1;
	sc_shutdown_install();
	struct control *ctl = control_serve(d->cfg.control_socket, on_control, d);
	if (!ctl)
		return -1;
	int rc = sc_nats_connect(&d->nats, d->cfg.nats_url, "scanopy-daemon");
	natsSubscription *jobs = NULL;
	char subject[128];
	snprintf(subject, sizeof subject, "scanopy.jobs.%s", d->state.daemon_id);
	if (rc == 0 &&
	    natsConnection_SubscribeSync(&jobs, d->nats.nc, subject) != NATS_OK) {
		sc_error("cannot subscribe to %s", subject);
		rc = -1;
	}
	if (rc == 0) {
		sc_info("daemon %s (%s) ready; jobs on %s", d->state.daemon_id,
		        d->cfg.name ? d->cfg.name : "unnamed", subject);
		atomic_store(&d->scan_requested, true); /* report ourselves at start */
	}
	while (rc == 0 && !sc_shutdown_requested()) {
		if (atomic_exchange(&d->scan_requested, false))
			run_self_report(d, NULL);
		natsMsg *m = NULL;
		if (natsSubscription_NextMsg(&m, jobs, 250) == NATS_OK) {
			handle_job(d, m);
			natsMsg_Destroy(m);
		}
	}
	natsSubscription_Destroy(jobs);
	sc_nats_close(&d->nats);
	control_close(ctl);
	return rc;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct daemon_config *c = &d.cfg;
	char state_default[512], home_conf[512];
	const char *home = getenv("HOME");
	snprintf(state_default, sizeof state_default, "%s",
	         getuid() == 0 || !home ? "/var/lib/scanopy" : home);
	if (getuid() != 0 && home)
		snprintf(state_default, sizeof state_default, "%s/.local/state/scanopy",
		         home);
	snprintf(home_conf, sizeof home_conf, "%s/.config/scanopy/daemon.json",
	         home ? home : "/nonexistent");
	const char *files[] = {home_conf, "/etc/scanopy/daemon.json", NULL};

	struct sc_option opts[] = {
	    {"server_url", SC_OPT_STR, NULL, "gateway URL (daemon_poll)", &c->server_url,
	     0, 0},
	    {"api_key", SC_OPT_STR, NULL, "daemon API key", &c->api_key, 0, 0},
	    {"name", SC_OPT_STR, NULL, "daemon name shown in the UI", &c->name, 0, 0},
	    {"mode", SC_OPT_STR, "daemon_poll", "daemon_poll, server_poll or integrated",
	     &c->mode, 0, 0},
	    {"nats_url", SC_OPT_STR, NULL, "NATS URL (integrated mode)", &c->nats_url, 0,
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
	     "where the id and batch sequence are kept", &c->state_dir, 0, 0},
	    {"docker_proxy", SC_OPT_STR, NULL, "Docker socket proxy URL",
	     &c->docker_proxy, 0, 0},
	    {"docker_proxy_ssl_cert", SC_OPT_STR, NULL,
	     "client certificate for the proxy", &c->docker_proxy_ssl_cert, 0, 0},
	    {"docker_proxy_ssl_key", SC_OPT_STR, NULL, "client key for the proxy",
	     &c->docker_proxy_ssl_key, 0, 0},
	    {"docker_proxy_ssl_chain", SC_OPT_STR, NULL, "CA chain for the proxy",
	     &c->docker_proxy_ssl_chain, 0, 0},
	    {"listen_port", SC_OPT_INT, "60073", "port for server_poll mode",
	     &c->listen_port, 1, 65535},
	    {"log_level", SC_OPT_STR, "info", "debug, info, warn or error", &c->log_level,
	     0, 0},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	char err[512];
	int npos = 0, rc;
	sc_log_init("scanopy-daemon");
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
