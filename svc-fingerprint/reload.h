/* Reloading definitions without a restart. The current set sits in a holder;
 * classifiers take a reference for each fetch, so a reload never pulls a set
 * from under a batch in progress. A reload runs on its own thread when SIGHUP
 * arrives or a message on scanopy.control.fingerprint.reload does (every
 * replica subscribes, so one message reloads them all; a request gets a JSON
 * reply). A set that fails to load is reported and the current one stays. */
#ifndef FP_RELOAD_H
#define FP_RELOAD_H

#include "fp.h"

#include <nats/nats.h>
#include <pthread.h>

#define FP_RELOAD_SUBJECT "scanopy.control.fingerprint.reload"

struct fp_holder {
	pthread_mutex_t mu;
	struct fp_set *cur;
	/* Called with the new set after a reload installed it (may be NULL). */
	void (*on_swap)(void *ctx, const struct fp_set *s);
	void *on_swap_ctx;
};

void fp_holder_init(struct fp_holder *h, struct fp_set *first);
/* The current set with a reference the caller drops with fp_set_unref. */
struct fp_set *fp_holder_get(struct fp_holder *h);
/* Installs s (taking over the caller's reference) and drops the old one. */
void fp_holder_swap(struct fp_holder *h, struct fp_set *s);
void fp_holder_destroy(struct fp_holder *h);

struct fp_reloader;

/* Installs the SIGHUP handler and starts the reload thread; subscribes to the
 * control subject when nc is not NULL. `opts` must outlive the reloader. */
struct fp_reloader *fp_reloader_start(struct fp_holder *h,
                                      const struct fp_load_opts *opts,
                                      natsConnection *nc);
void fp_reloader_stop(struct fp_reloader *r);

/* Loads a new set and swaps it in; 0, or -1 keeping the old set. `reply`
 * receives a JSON summary when not NULL (caller frees). */
int fp_reload_now(struct fp_holder *h, const struct fp_load_opts *opts, char **reply);

#endif
