/* The ServerPoll daemon's one job at a time. The server hands a job in over
 * HTTP (slot_offer), the main loop takes and runs it (slot_take, then
 * slot_progress and slot_finish), and the server reads how it goes
 * (slot_json) or cancels it (slot_cancel). The last job's outcome stays until
 * the next one is offered, so a server that lost an answer can ask again.
 * Thread-safe: the HTTP threads and the main loop share it. */
#ifndef AGENT_JOB_SLOT_H
#define AGENT_JOB_SLOT_H

#include "job.pb-c.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct job_slot;

enum slot_offer {
	SLOT_ACCEPTED,  /* queued for the main loop */
	SLOT_DUPLICATE, /* this session is already here (a retried call) */
	SLOT_BUSY,      /* another session is queued or running */
	SLOT_INVALID,   /* not a Job with a session id */
};

/* cancel is the flag the running scan polls. */
struct job_slot *slot_new(volatile int *cancel);
void slot_free(struct job_slot *s);

/* A packed Job protobuf. */
enum slot_offer slot_offer(struct job_slot *s, const uint8_t *job, size_t len);
/* The queued job, now running (free with scanopy__v1__job__free_unpacked), or
 * NULL when there is none. */
Scanopy__V1__Job *slot_take(struct job_slot *s);
void slot_progress(struct job_slot *s, const char *phase, unsigned percent,
                   unsigned hosts, unsigned ports);
/* state: "completed", "failed" or "cancelled"; reason may be NULL. */
void slot_finish(struct job_slot *s, const char *state, const char *reason,
                 const char *summary, unsigned hosts, unsigned ports);
/* 0 when session_id is this slot's (a queued job is cancelled at once, a
 * running one is told to stop, a finished one stays as it is); -1 when not. */
int slot_cancel(struct job_slot *s, const char *session_id);

/* {session_id, state, progress, phase, hosts_found, ports_found, reason,
 * summary} of the current or last job, NULL when there was none, or only
 * when it is session_id's (session_id non-NULL). */
json_t *slot_json(struct job_slot *s, const char *session_id);

#endif
