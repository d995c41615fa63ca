#include "nats_report.h"

#include "sc_batch.h"
#include "sc_log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_MIN_MS 1000
#define REPORT_LIFE_MS 5000
#define FINAL_REPEATS 3

struct nats_report {
	struct sc_nats *nats;
	struct job_slot *slot;
	char progress_subject[128], cancel_subject[128];
	natsSubscription *cancels;
	pthread_t thread;
	atomic_bool stop;
};

static void publish(struct nats_report *r, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text && sc_nats_connected(r->nats))
		natsConnection_PublishString(r->nats->nc, r->progress_subject, text);
	free(text);
}

static bool is_open(json_t *j)
{
	const char *st = json_string_value(json_object_get(j, "state"));
	return st && (!strcmp(st, "queued") || !strcmp(st, "running"));
}

static void *run(void *arg)
{
	struct nats_report *r = arg;
	char *last = NULL;
	int64_t last_ms = 0;
	int repeats = 0;
	while (!atomic_load(&r->stop)) {
		usleep(250 * 1000);
		json_t *j = slot_json(r->slot, NULL);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		int64_t now = sc_now_ms();
		bool changed = text && (!last || strcmp(text, last));
		if (changed)
			repeats = 0;
		bool due = text &&
		           now - last_ms >= (changed ? REPORT_MIN_MS : REPORT_LIFE_MS) &&
		           (changed || is_open(j) || repeats < FINAL_REPEATS);
		if (due) {
			publish(r, j);
			last_ms = now;
			repeats++;
			free(last);
			last = text;
			text = NULL;
		}
		free(text);
		json_decref(j);
	}
	free(last);
	return NULL;
}

static void on_cancel(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
	(void)nc, (void)sub;
	struct nats_report *r = arg;
	char session[64];
	snprintf(session, sizeof session, "%.*s", natsMsg_GetDataLength(m),
	         natsMsg_GetData(m));
	json_t *j = slot_json(r->slot, session);
	if (j && is_open(j)) {
		if (slot_cancel(r->slot, session) == 0)
			sc_info("session %s: cancel requested by the scheduler", session);
	} else {
		/* Not running here (never received, or already over): say so. */
		json_t *ack =
		    j ? json_incref(j)
		      : json_pack("{s:s, s:s, s:s}", "session_id", session, "state",
		                  "cancelled", "reason", "not running on this daemon");
		publish(r, ack);
		json_decref(ack);
	}
	json_decref(j);
	natsMsg_Destroy(m);
}

struct nats_report *nats_report_start(struct sc_nats *n, const char *daemon_id,
                                      struct job_slot *slot)
{
	struct nats_report *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->nats = n;
	r->slot = slot;
	snprintf(r->progress_subject, sizeof r->progress_subject, "scanopy.progress.%s",
	         daemon_id);
	snprintf(r->cancel_subject, sizeof r->cancel_subject, "scanopy.cancel.%s",
	         daemon_id);
	if (natsConnection_Subscribe(&r->cancels, n->nc, r->cancel_subject, on_cancel,
	                             r) != NATS_OK) {
		sc_error("cannot subscribe to %s", r->cancel_subject);
		free(r);
		return NULL;
	}
	if (pthread_create(&r->thread, NULL, run, r)) {
		natsSubscription_Destroy(r->cancels);
		free(r);
		return NULL;
	}
	return r;
}

void nats_report_stop(struct nats_report *r)
{
	if (!r)
		return;
	natsSubscription_Unsubscribe(r->cancels);
	natsSubscription_Destroy(r->cancels);
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	free(r);
}
