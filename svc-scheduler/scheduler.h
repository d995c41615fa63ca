/* The scheduler's state shared by its parts: firing due schedules (fire.c),
 * handing jobs to NATS-connected daemons (dispatch.c), and supervising open
 * sessions (supervise.c). Every part runs in the main thread, once per tick,
 * each step in SQL with SKIP LOCKED so any number of replicas can run. */
#ifndef SCHED_SCHEDULER_H
#define SCHED_SCHEDULER_H

#include "sc_metrics.h"
#include "sc_service.h"

#include <stdbool.h>
#include <stdint.h>

struct zone_cache;

struct scheduler {
	struct sc_service svc;
	long tick_ms, stall_seconds, max_run_seconds, pending_seconds, offline_seconds;
	long dispatch_attempts;
	bool test_clock;
	bool have_daemons; /* core.daemons exists (the gateway has started once) */
	struct zone_cache *zones;
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
/* Fails sessions that stalled, ran too long, lost their daemon, or were
 * never picked up; notes offline daemons on their pending sessions. */
int sched_supervise(struct scheduler *s, const struct sched_now *now);

/* Loaded time zones by name, kept for the process's life. */
struct zone_cache *zone_cache_new(void);
void zone_cache_free(struct zone_cache *zc);
const struct sc_tz *zone_get(struct zone_cache *zc, const char *name, char *err,
                             size_t errlen);

#endif
