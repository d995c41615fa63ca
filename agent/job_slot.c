#include "job_slot.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job_slot {
	pthread_mutex_t lock;
	volatile int *cancel;
	uint8_t *queued; /* the packed job waiting for the main loop */
	size_t queued_len;
	char session[40], state[16], phase[32], reason[200], summary[200];
	unsigned percent, hosts, ports;
};

struct job_slot *slot_new(volatile int *cancel)
{
	struct job_slot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->cancel = cancel;
	return s;
}

void slot_free(struct job_slot *s)
{
	if (!s)
		return;
	free(s->queued);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static bool open_state(const char *state)
{
	return !strcmp(state, "queued") || !strcmp(state, "running");
}

enum slot_offer slot_offer(struct job_slot *s, const uint8_t *job, size_t len)
{
	Scanopy__V1__Job *j = scanopy__v1__job__unpack(NULL, len, job);
	if (!j || !j->session_id || !*j->session_id ||
	    strlen(j->session_id) >= sizeof s->session) {
		if (j)
			scanopy__v1__job__free_unpacked(j, NULL);
		return SLOT_INVALID;
	}
	enum slot_offer r = SLOT_ACCEPTED;
	uint8_t *copy = malloc(len ? len : 1);
	pthread_mutex_lock(&s->lock);
	if (!strcmp(s->session, j->session_id))
		r = SLOT_DUPLICATE;
	else if (open_state(s->state) || !copy)
		r = SLOT_BUSY;
	else {
		memcpy(copy, job, len);
		free(s->queued);
		s->queued = copy;
		s->queued_len = len;
		copy = NULL;
		snprintf(s->session, sizeof s->session, "%s", j->session_id);
		snprintf(s->state, sizeof s->state, "queued");
		s->phase[0] = s->reason[0] = s->summary[0] = '\0';
		s->percent = s->hosts = s->ports = 0;
	}
	pthread_mutex_unlock(&s->lock);
	free(copy);
	scanopy__v1__job__free_unpacked(j, NULL);
	return r;
}

Scanopy__V1__Job *slot_take(struct job_slot *s)
{
	Scanopy__V1__Job *j = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->queued && !strcmp(s->state, "queued")) {
		j = scanopy__v1__job__unpack(NULL, s->queued_len, s->queued);
		snprintf(s->state, sizeof s->state, "%s", j ? "running" : "failed");
		*s->cancel = 0;
	}
	free(s->queued);
	s->queued = NULL;
	pthread_mutex_unlock(&s->lock);
	return j;
}

void slot_progress(struct job_slot *s, const char *phase, unsigned percent,
                   unsigned hosts, unsigned ports)
{
	pthread_mutex_lock(&s->lock);
	snprintf(s->phase, sizeof s->phase, "%s", phase ? phase : "");
	s->percent = percent > 100 ? 100 : percent;
	s->hosts = hosts;
	s->ports = ports;
	pthread_mutex_unlock(&s->lock);
}

void slot_finish(struct job_slot *s, const char *state, const char *reason,
                 const char *summary, unsigned hosts, unsigned ports)
{
	pthread_mutex_lock(&s->lock);
	snprintf(s->state, sizeof s->state, "%s", state);
	snprintf(s->reason, sizeof s->reason, "%s", reason ? reason : "");
	snprintf(s->summary, sizeof s->summary, "%s", summary ? summary : "");
	if (!strcmp(state, "completed"))
		s->percent = 100;
	s->hosts = hosts;
	s->ports = ports;
	pthread_mutex_unlock(&s->lock);
}

int slot_cancel(struct job_slot *s, const char *session_id)
{
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	if (session_id && !strcmp(s->session, session_id)) {
		rc = 0;
		if (!strcmp(s->state, "queued")) {
			snprintf(s->state, sizeof s->state, "cancelled");
			snprintf(s->reason, sizeof s->reason,
			         "cancelled before it started");
			free(s->queued);
			s->queued = NULL;
		} else if (!strcmp(s->state, "running")) {
			*s->cancel = 1;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

json_t *slot_json(struct job_slot *s, const char *session_id)
{
	json_t *j = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->session[0] && (!session_id || !strcmp(session_id, s->session)))
		j = json_pack("{s:s, s:s, s:i, s:s?, s:i, s:i, s:s?, s:s?}", "session_id",
		              s->session, "state", s->state, "progress", (int)s->percent,
		              "phase", s->phase[0] ? s->phase : NULL, "hosts_found",
		              (int)s->hosts, "ports_found", (int)s->ports, "reason",
		              s->reason[0] ? s->reason : NULL, "summary",
		              s->summary[0] ? s->summary : NULL);
	pthread_mutex_unlock(&s->lock);
	return j;
}
