#include "reload.h"

#include "sc_log.h"
#include "sc_metrics.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t hup;

static void on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

void fp_holder_init(struct fp_holder *h, struct fp_set *first)
{
	pthread_mutex_init(&h->mu, NULL);
	h->cur = first;
	h->on_swap = NULL;
	h->on_swap_ctx = NULL;
}

struct fp_set *fp_holder_get(struct fp_holder *h)
{
	pthread_mutex_lock(&h->mu);
	struct fp_set *s = h->cur;
	if (s)
		fp_set_ref(s);
	pthread_mutex_unlock(&h->mu);
	return s;
}

void fp_holder_swap(struct fp_holder *h, struct fp_set *s)
{
	pthread_mutex_lock(&h->mu);
	struct fp_set *old = h->cur;
	h->cur = s;
	pthread_mutex_unlock(&h->mu);
	fp_set_unref(old);
}

void fp_holder_destroy(struct fp_holder *h)
{
	fp_set_unref(h->cur);
	h->cur = NULL;
	pthread_mutex_destroy(&h->mu);
}

static struct sc_metric *m_defs, *m_reloads, *m_failures;

static void metrics_init(void)
{
	m_defs = sc_metric_register(SC_METRIC_GAUGE, "scanopy_fingerprint_definitions",
	                            "definitions in the set in use");
	m_reloads =
	    sc_metric_register(SC_METRIC_COUNTER, "scanopy_fingerprint_reloads_total",
	                       "definition sets loaded by a reload");
	m_failures = sc_metric_register(SC_METRIC_COUNTER,
	                                "scanopy_fingerprint_reload_failures_total",
	                                "reloads refused because a file was invalid");
}

int fp_reload_now(struct fp_holder *h, const struct fp_load_opts *opts, char **reply)
{
	if (!m_defs)
		metrics_init();
	struct fp_set *s = NULL;
	char *errors = NULL;
	struct fp_set *old = fp_holder_get(h);
	char was[40];
	snprintf(was, sizeof was, "%s", old ? fp_set_version(old) : "none");
	fp_set_unref(old);
	int rc = fp_set_load(opts, &s, &errors);
	json_t *j;
	if (rc == 0) {
		sc_info("definitions reloaded: %zu definitions, version %s (was %s)",
		        fp_set_size(s), fp_set_version(s), was);
		j = json_pack("{s:b, s:s, s:i, s:s}", "ok", 1, "version",
		              fp_set_version(s), "definitions",
		              (json_int_t)fp_set_size(s), "previous", was);
		sc_metric_set(m_defs, (int64_t)fp_set_size(s));
		sc_metric_add(m_reloads, 1);
		fp_holder_swap(h, s);
		if (h->on_swap)
			h->on_swap(h->on_swap_ctx, s);
	} else {
		sc_error("definitions reload refused; keeping version %s", was);
		j = json_pack("{s:b, s:s, s:s}", "ok", 0, "version", was, "errors",
		              errors ? errors : "load failed");
		sc_metric_add(m_failures, 1);
	}
	free(errors);
	if (reply)
		*reply = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return rc;
}

struct fp_reloader {
	struct fp_holder *h;
	const struct fp_load_opts *opts;
	natsConnection *nc;
	natsSubscription *sub;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool pending, stop;
	char *reply_to; /* the latest request's reply subject */
};

static void on_control(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *ctx)
{
	(void)nc, (void)sub;
	struct fp_reloader *r = ctx;
	pthread_mutex_lock(&r->mu);
	r->pending = true;
	const char *reply = natsMsg_GetReply(msg);
	if (reply && *reply) {
		free(r->reply_to);
		r->reply_to = strdup(reply);
	}
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	natsMsg_Destroy(msg);
}

static void *run(void *arg)
{
	struct fp_reloader *r = arg;
	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		if (!r->pending && !hup) {
			/* SIGHUP only sets a flag; look at it a few times a second. */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&r->cv, &r->mu, &ts);
			continue;
		}
		bool from_signal = hup;
		hup = 0;
		r->pending = false;
		char *reply_to = r->reply_to;
		r->reply_to = NULL;
		pthread_mutex_unlock(&r->mu);
		sc_info("reloading definitions (%s)",
		        from_signal ? "SIGHUP" : "message on " FP_RELOAD_SUBJECT);
		char *reply = NULL;
		fp_reload_now(r->h, r->opts, reply_to ? &reply : NULL);
		if (reply_to && reply && r->nc)
			natsConnection_PublishString(r->nc, reply_to, reply);
		free(reply);
		free(reply_to);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct fp_reloader *fp_reloader_start(struct fp_holder *h,
                                      const struct fp_load_opts *opts, natsConnection *nc)
{
	if (!m_defs)
		metrics_init();
	struct fp_set *s = fp_holder_get(h);
	sc_metric_set(m_defs, s ? (int64_t)fp_set_size(s) : 0);
	fp_set_unref(s);
	struct fp_reloader *r = calloc(1, sizeof *r);
	if (!r) {
		sc_error("out of memory (reloader)");
		return NULL;
	}
	r->h = h;
	r->opts = opts;
	r->nc = nc;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	if (pthread_create(&r->thread, NULL, run, r)) {
		sc_error("cannot start the reload thread");
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return NULL;
	}
	if (nc) {
		natsStatus st = natsConnection_Subscribe(&r->sub, nc, FP_RELOAD_SUBJECT,
		                                         on_control, r);
		if (st != NATS_OK)
			sc_warn("cannot subscribe to %s: %s (SIGHUP still reloads)",
			        FP_RELOAD_SUBJECT, natsStatus_GetText(st));
	}
	return r;
}

void fp_reloader_stop(struct fp_reloader *r)
{
	if (!r)
		return;
	if (r->sub) {
		/* Drain: no control callback may run once r is freed. */
		if (natsSubscription_Drain(r->sub) == NATS_OK)
			natsSubscription_WaitForDrainCompletion(r->sub, 2000);
		natsSubscription_Destroy(r->sub);
	}
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r->reply_to);
	free(r);
}
