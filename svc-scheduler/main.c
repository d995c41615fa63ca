/* scanopy-scheduler: turns due schedules into discovery sessions, hands
 * NATS-connected daemons their jobs, and supervises open sessions (see
 * scheduler.h). All state is in PostgreSQL (schema sched): killing a replica
 * at any moment loses nothing, and any number of replicas may run. */
#include "daemon_http.h"
#include "sc_log.h"
#include "sc_shutdown.h"
#include "scheduler.h"
#include "secretbox.h"

#include <openssl/crypto.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>

extern const struct sc_migration sched_migrations[];
extern const size_t sched_migrations_len;

/* The gateway's secret key file, to open ServerPoll call keys: read, never
 * made here (the gateway makes it); until it exists, ServerPoll waits. */
static void load_secret_key(struct scheduler *s)
{
	static bool told;
	char why[256];
	if (access(s->secret_key_file, R_OK)) {
		if (!told)
			sc_warn(
			    "no secret key file %s yet: ServerPoll daemons wait for it",
			    s->secret_key_file);
		told = true;
		return;
	}
	if (secretbox_load_key(s->secret_key_file, s->secret_key, why, sizeof why)) {
		if (!told)
			sc_error("ServerPoll daemons cannot be called: %s", why);
		told = true;
		return;
	}
	s->have_secret_key = true;
	sc_info("ServerPoll: call keys open with %s", s->secret_key_file);
}

static bool tick(struct scheduler *s)
{
	struct sched_now now;
	if (!sc_pg_healthy(s->svc.pg) || sched_now(s, &now))
		return false;
	bool ok = sched_fire_due(s, &now) == 0;
	ok = sched_supervise(s, &now) == 0 && ok;
	ok = sched_nats_progress(s, &now) == 0 && ok;
	ok = sched_dispatch(s, &now) == 0 && ok;
	if (!s->have_secret_key)
		load_secret_key(s);
	ok = sched_server_poll(s, &now) == 0 && ok;
	return ok;
}

int main(int argc, char **argv)
{
	static struct scheduler s = {.svc.name = "scanopy-scheduler"};
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&s.svc, "60076"),
	    {"tick_ms", SC_OPT_INT, "1000", "how often due schedules are checked",
	     &s.tick_ms, 50, 60000},
	    {"stall_seconds", SC_OPT_INT, "600",
	     "a session without progress for this long is failed as stalled",
	     &s.stall_seconds, 1, 86400 * 7},
	    {"max_run_seconds", SC_OPT_INT, "14400", "the longest a session may run",
	     &s.max_run_seconds, 1, 86400 * 30},
	    {"pending_seconds", SC_OPT_INT, "86400",
	     "a session no daemon picked up for this long is failed", &s.pending_seconds,
	     1, 86400 * 30},
	    {"offline_seconds", SC_OPT_INT, "0",
	     "a daemon silent this long is offline: its running sessions fail; 0: "
	     "the gateway's daemon_offline_after_s (read from the database, so the "
	     "UI and the scheduler agree; 120 until a gateway recorded it)",
	     &s.offline_seconds, 0, 86400 * 7},
	    {"dispatch_attempts", SC_OPT_INT, "8",
	     "dispatch attempts (NATS or ServerPoll, with backoff) before a session "
	     "fails",
	     &s.dispatch_attempts, 1, 100},
	    {"server_poll_seconds", SC_OPT_INT, "30",
	     "how often an idle ServerPoll daemon is called (its heartbeat)",
	     &s.server_poll_seconds, 1, 3600},
	    {"server_poll_lease_seconds", SC_OPT_INT, "60",
	     "how long a replica holds a ServerPoll daemon it calls; one killed "
	     "mid-call leaves it to other replicas after this",
	     &s.server_poll_lease_seconds, 5, 3600},
	    {"secret_key_file", SC_OPT_STR, "/var/lib/scanopy/gateway-secret.key",
	     "the gateway's key for secrets at rest, to open ServerPoll call keys",
	     &s.secret_key_file, 0, 0},
	    {"daemon_ca_file", SC_OPT_STR, NULL,
	     "authorities (PEM) for https ServerPoll daemons given without a public "
	     "key pin (default: the system's)",
	     &s.daemon_ca_file, 0, 0},
	    {"test_clock", SC_OPT_BOOL, "false",
	     "TEST ONLY: read now from the sched.test_clock row (shared by replicas) "
	     "instead of the database clock",
	     &s.test_clock, 0, 0},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&s.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}
	s.zones = zone_cache_new();
	dh_global_init(s.daemon_ca_file);
	s.sessions_created = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_scheduler_sessions_created_total",
	    "sessions created from due schedules");
	s.jobs_sent =
	    sc_metric_register(SC_METRIC_COUNTER, "scanopy_scheduler_jobs_sent_total",
	                       "jobs published to NATS-connected daemons");
	s.sessions_failed = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_scheduler_sessions_failed_total",
	    "sessions failed as stalled, overdue, offline or never picked up");
	s.dispatch_retries = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_scheduler_dispatch_retries_total",
	    "NATS dispatches that failed and were scheduled again");
	s.schedules_broken = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_scheduler_schedules_paused_total",
	    "schedules paused because their next run could not be computed");
	if (s.test_clock)
		sc_warn("test clock on: now is read from sched.test_clock (tests only)");

	rc = s.zones ? sc_service_start(&s.svc, "sched", sched_migrations,
	                                sched_migrations_len, false)
	             : -1;
	while (rc == 0 && !sc_shutdown_requested()) {
		atomic_store(&s.svc.pg_ok, tick(&s));
		sched_server_poll_wait(&s, s.tick_ms);
	}
	sched_server_poll_stop(&s);
	if (s.progress_sub)
		natsSubscription_Destroy(s.progress_sub);
	sc_service_stop(&s.svc);
	zone_cache_free(s.zones);
	dh_global_cleanup();
	OPENSSL_cleanse(s.secret_key, sizeof s.secret_key);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
