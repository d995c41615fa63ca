#include "orgdefs.h"

#include "sc_log.h"
#include "sc_metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct org_entry {
	char org[40];
	char *text; /* the organisation's file, as stored */
	struct fp_set *set;
};

struct fp_orgsets {
	const struct fp_load_opts *base;
	kvStore *kv;
	kvWatcher *w;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t ready_cv;
	bool ready;
	struct org_entry *e;
	size_t n, cap;
	struct sc_metric *m_sets, *m_loads, *m_failures;
};

/* The set for one organisation's file; NULL (logged) when it does not load. */
static struct fp_set *build(struct fp_orgsets *o, const char *org, const char *text)
{
	char name[64];
	snprintf(name, sizeof name, "organisation %s", org);
	const char *names[] = {name}, *texts[] = {text};
	size_t lens[] = {strlen(text)};
	struct fp_set *s = NULL;
	char *errors = NULL;
	if (fp_set_load_with(o->base, names, texts, lens, 1, &s, &errors)) {
		sc_error(
		    "definitions of organisation %s refused; keeping its previous set",
		    org);
		sc_metric_add(o->m_failures, 1);
		free(errors);
		return NULL;
	}
	sc_info("definitions of organisation %s loaded: %zu definitions, version %s", org,
	        fp_set_size(s), fp_set_version(s));
	sc_metric_add(o->m_loads, 1);
	return s;
}

static struct org_entry *find(struct fp_orgsets *o, const char *org)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->e[i].org, org))
			return &o->e[i];
	return NULL;
}

/* Installs (or, text NULL, removes) the organisation's set. */
static void apply(struct fp_orgsets *o, const char *org, const char *text)
{
	struct fp_set *s = text ? build(o, org, text) : NULL;
	if (text && !s)
		return;
	char *copy = text ? strdup(text) : NULL;
	if (text && !copy) {
		fp_set_unref(s);
		return;
	}
	struct fp_set *old = NULL;
	char *old_text = NULL;
	pthread_mutex_lock(&o->mu);
	struct org_entry *e = find(o, org);
	if (!e && s && o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct org_entry *g = realloc(o->e, cap * sizeof *g);
		if (g) {
			o->e = g;
			o->cap = cap;
		}
	}
	if (!e && s && o->n < o->cap) {
		e = &o->e[o->n++];
		memset(e, 0, sizeof *e);
		snprintf(e->org, sizeof e->org, "%s", org);
	}
	if (e && s) {
		old = e->set;
		old_text = e->text;
		e->set = s;
		e->text = copy;
		s = NULL;
		copy = NULL;
	} else if (e && !text) {
		old = e->set;
		old_text = e->text;
		*e = o->e[--o->n];
	}
	sc_metric_set(o->m_sets, (int64_t)o->n);
	pthread_mutex_unlock(&o->mu);
	fp_set_unref(old);
	fp_set_unref(s);
	free(old_text);
	free(copy);
}

static void *watch(void *arg)
{
	struct fp_orgsets *o = arg;
	for (;;) {
		kvEntry *e = NULL;
		natsStatus s = kvWatcher_Next(&e, o->w, 1000);
		if (s == NATS_TIMEOUT)
			continue;
		if (s != NATS_OK)
			break; /* stopped */
		if (!e) {      /* the values at start are all in */
			pthread_mutex_lock(&o->mu);
			o->ready = true;
			pthread_cond_broadcast(&o->ready_cv);
			pthread_mutex_unlock(&o->mu);
			continue;
		}
		const char *org = kvEntry_Key(e);
		if (!sc_subject_token_ok(org) || strlen(org) >= 40) {
			sc_warn("definitions bucket: ignoring key '%s'", org);
		} else if (kvEntry_Operation(e) == kvOp_Put && kvEntry_ValueLen(e) > 0) {
			char *text =
			    strndup(kvEntry_Value(e), (size_t)kvEntry_ValueLen(e));
			if (text)
				apply(o, org, text);
			free(text);
		} else {
			apply(o, org, NULL);
			sc_info("organisation %s has no definitions of its own now", org);
		}
		kvEntry_Destroy(e);
	}
	return NULL;
}

struct fp_orgsets *fp_orgsets_start(struct sc_nats *n, int replicas,
                                    const struct fp_load_opts *base)
{
	struct fp_orgsets *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->base = base;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->ready_cv, NULL);
	o->m_sets = sc_metric_register(SC_METRIC_GAUGE, "scanopy_fingerprint_org_sets",
	                               "organisations with definitions of their own");
	o->m_loads = sc_metric_register(SC_METRIC_COUNTER,
	                                "scanopy_fingerprint_org_set_loads_total",
	                                "organisation definition sets loaded");
	o->m_failures = sc_metric_register(SC_METRIC_COUNTER,
	                                   "scanopy_fingerprint_org_set_failures_total",
	                                   "organisation definition files refused");
	natsStatus s = NATS_ERR;
	if (sc_nats_kv_open(n, SC_KV_DEFS, replicas, &o->kv) == 0)
		s = kvStore_WatchAll(&o->w, o->kv, NULL);
	if (s != NATS_OK || pthread_create(&o->thread, NULL, watch, o)) {
		sc_error(
		    "cannot watch %s: organisations' own definitions are not applied",
		    SC_KV_DEFS);
		kvWatcher_Destroy(o->w);
		kvStore_Destroy(o->kv);
		pthread_mutex_destroy(&o->mu);
		pthread_cond_destroy(&o->ready_cv);
		free(o);
		return NULL;
	}
	return o;
}

bool fp_orgsets_wait_ready(struct fp_orgsets *o, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o->mu);
	while (!o->ready && pthread_cond_timedwait(&o->ready_cv, &o->mu, &ts) == 0)
		;
	bool ready = o->ready;
	pthread_mutex_unlock(&o->mu);
	return ready;
}

struct fp_set *fp_orgsets_get(struct fp_orgsets *o, const char *org_id)
{
	if (!o || !org_id)
		return NULL;
	pthread_mutex_lock(&o->mu);
	struct org_entry *e = o->n ? find(o, org_id) : NULL;
	struct fp_set *s = e ? e->set : NULL;
	if (s)
		fp_set_ref(s);
	pthread_mutex_unlock(&o->mu);
	return s;
}

void fp_orgsets_rebuild(struct fp_orgsets *o)
{
	if (!o)
		return;
	/* Copies of (org, text) first: building takes seconds, not under the lock. */
	pthread_mutex_lock(&o->mu);
	size_t n = o->n;
	struct org_entry *copy = calloc(n ? n : 1, sizeof *copy);
	for (size_t i = 0; copy && i < n; i++) {
		memcpy(copy[i].org, o->e[i].org, sizeof copy[i].org);
		copy[i].text = strdup(o->e[i].text);
	}
	pthread_mutex_unlock(&o->mu);
	for (size_t i = 0; copy && i < n; i++) {
		if (copy[i].text)
			apply(o, copy[i].org, copy[i].text);
		free(copy[i].text);
	}
	free(copy);
}

void fp_orgsets_stop(struct fp_orgsets *o)
{
	if (!o)
		return;
	kvWatcher_Stop(o->w);
	pthread_join(o->thread, NULL);
	kvWatcher_Destroy(o->w);
	kvStore_Destroy(o->kv);
	for (size_t i = 0; i < o->n; i++) {
		fp_set_unref(o->e[i].set);
		free(o->e[i].text);
	}
	free(o->e);
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->ready_cv);
	free(o);
}
