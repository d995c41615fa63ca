/* The scheduler's state shared by its parts: firing due schedules (fire.c),
 * handing jobs to NATS-connected daemons (dispatch.c), and supervising open
 * sessions (supervise.c). Every part runs in the main thread, once per tick,
 * each step in SQL with SKIP LOCKED so any number of replicas can run. */
#ifndef SCHED_SCHEDULER_H
#define SCHED_SCHEDULER_H

#include "sc_metrics.h"
#include "sc_service.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zone_cache;
struct sp_engine;

struct scheduler {
	struct sc_service svc;
	long tick_ms, stall_seconds, max_run_seconds, pending_seconds, offline_seconds;
	long dispatch_attempts, server_poll_seconds, server_poll_lease_seconds;
	char *secret_key_file, *daemon_ca_file;
	uint8_t secret_key[32]; /* the gateway's, to open ServerPoll call keys */
	bool have_secret_key;
	natsSubscription *progress_sub; /* scanopy.progress.* (integrated daemons) */
	bool test_clock;
	bool have_daemons; /* core.daemons exists (the gateway has started once) */
	bool have_offline_setting; /* core.daemon_offline_setting exists */
	struct zone_cache *zones;
	struct sp_engine *sp; /* ServerPoll calls in flight (server_poll.c) */
	struct sc_metric *sessions_created, *jobs_sent, *sessions_failed,
	    *dispatch_retries, *schedules_broken;
};

/* "Now" for one tick: the system clock, or with --test-clock the row in
 * sched.test_clock, so replicas under test share one simulated time. */
struct sched_now {
	char text[64]; /* a timestamptz literal, passed as a parameter */
	int64_t epoch; /* unix seconds */
};
int sched_now(struct scheduler *s, struct sched_now *now);

/* Creates a session for each due schedule and moves its next run on. */
int sched_fire_due(struct scheduler *s, const struct sched_now *now);
/* Publishes pending NATS-dispatched jobs, retrying failures with backoff. */
int sched_dispatch(struct scheduler *s, const struct sched_now *now);
/* The columns sched_job_pack reads, over an alias `p` of sched.sessions,
 * with $1 now and $2 max_run_seconds (for the deadline). */
#define SCHED_JOB_COLUMNS                                                                \
	"p.id, p.org_id, p.network_id, p.daemon_id, p.discovery_type, p.deep, "          \
	"array_to_string(p.targets, ' '), floor(extract(epoch FROM $1::timestamptz + "   \
	"make_interval(secs => $2::int)) * 1000)::bigint, "                              \
	"array_to_string(p.deep_targets, ' ')"
/* A row of SCHED_JOB_COLUMNS as a packed Job (caller frees), its SNMP
 * credentials opened with the gateway's secret key; NULL on no memory. */
uint8_t *sched_job_pack(const struct scheduler *s, PGresult *r, int row, size_t *len);
/* Records a dispatch's outcome for the sessions in ids (a uuid[] literal):
 * sent ones start; failed ones wait for their next attempt with backoff, or
 * fail for good with the reason ("the job could not be handed to the daemon
 * <channel> after N attempts: <why>"). */
int sched_dispatch_record(struct scheduler *s, const struct sched_now *now,
                          const char *ids, bool sent, const char *channel,
                          const char *why);

/* Calls ServerPoll daemons: status (their heartbeat), results, progress,
 * cancel, and their pending jobs (server_poll.c). Claims due daemons on a
 * lease and starts their calls, which run on while the scheduler waits:
 * sched_server_poll_wait replaces the sleep between ticks (it handles answers
 * as they come), sched_server_poll_stop drops the calls in flight and their
 * leases at exit. */
int sched_server_poll(struct scheduler *s, const struct sched_now *now);
void sched_server_poll_wait(struct scheduler *s, long ms);
void sched_server_poll_stop(struct scheduler *s);

/* Integrated daemons' progress reports (scanopy.progress.<daemon>) applied,
 * and cancels sent to them (nats_progress.c). */
int sched_nats_progress(struct scheduler *s, const struct sched_now *now);

/* Applies a daemon's report on an open session: state running, completed,
 * failed or cancelled; percent or counts below zero and NULL strings are
 * left as they are. Progress is "made" only when something changed, so a
 * daemon repeating itself still stalls. */
int sched_session_apply(struct scheduler *s, const struct sched_now *now,
                        const char *session_id, const char *state, int percent,
                        const char *phase, const char *reason, const char *summary,
                        long hosts, long ports);

/* Fails sessions that stalled, ran too long, lost their daemon, or were
 * never picked up; notes offline daemons on their pending sessions. */
int sched_supervise(struct scheduler *s, const struct sched_now *now);

/* Loaded time zones by name, kept for the process's life. */
struct zone_cache *zone_cache_new(void);
void zone_cache_free(struct zone_cache *zc);
const struct sc_tz *zone_get(struct zone_cache *zc, const char *name, char *err,
                             size_t errlen);

#endif
