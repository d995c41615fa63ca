/* ServerPoll inside the scheduler: the engine (server_poll.c) claims due
 * daemons on a lease and runs their calls concurrently; the steps
 * (server_poll_steps.c) decide, after each answer, what is recorded and
 * which call comes next. Private to those two files. */
#ifndef SCHED_SERVER_POLL_H
#define SCHED_SERVER_POLL_H

#include "daemon_http.h"
#include "scheduler.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum sp_step { SP_STATUS, SP_PULL, SP_ACK, SP_CANCEL, SP_JOB };

/* One claimed daemon, from its claim until its results are recorded. */
struct sp_daemon {
	struct sp_daemon *next;
	char id[40], org[40], net[40], token[40]; /* token: the lease's */
	char *url, *pin;
	char key[128];
	struct dh_peer peer; /* over url, key and pin */
	struct dh_call call; /* the call in flight */
	enum sp_step step;
	int64_t deadline_ms; /* monotonic: no call may outlive it (the lease) */
	int round;           /* results pulled so far */
	bool spool_empty, busy, bus_refused;
	json_t *status;   /* its GET /v1/status */
	char session[40]; /* the session being cancelled or handed over */
};

/* What a step returns: another call is in flight, the daemon is done with
 * (recorded, lease released), or the database failed (the lease lapses). */
enum { SP_DONE = 0, SP_CALLING = 1, SP_DB_ERROR = -1 };

/* The first call for a freshly claimed daemon. */
int sp_begin(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d);
/* d->call finished: ok when it had a 2xx answer (d->call.reply). */
int sp_answered(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d,
                bool ok);
/* Starts a call in d->step for d within its lease: SP_CALLING, or what
 * sp_answered made of it failing to start. Defined by the engine. */
int sp_call(struct scheduler *s, const struct sched_now *now, struct sp_daemon *d,
            enum sp_step step, const char *path, const char *method,
            const char *content_type, const void *body, size_t len);

#endif
