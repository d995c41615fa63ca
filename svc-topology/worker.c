/* Background passes on a connection of their own: see worker.h. */
#include "worker.h"

#include "sc_pg.h"
#include "sc_shutdown.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pg_worker {
	pthread_t thread;
	char *url;
	long period_ms;
	pg_worker_pass pass;
	void *arg;
};

static void *worker_main(void *arg)
{
	struct pg_worker *w = arg;
	PGconn *pg = NULL;
	while (!sc_shutdown_requested()) {
		if (!pg)
			pg = sc_pg_connect(w->url, 0);
		if (pg && sc_pg_healthy(pg))
			w->pass(pg, w->arg);
		sc_shutdown_sleep(w->period_ms);
	}
	if (pg)
		PQfinish(pg);
	return NULL;
}

struct pg_worker *pg_worker_start(const char *database_url, long period_ms,
                                  pg_worker_pass pass, void *arg)
{
	struct pg_worker *w = calloc(1, sizeof *w);
	if (!w || !(w->url = strdup(database_url))) {
		free(w);
		return NULL;
	}
	w->period_ms = period_ms;
	w->pass = pass;
	w->arg = arg;
	if (pthread_create(&w->thread, NULL, worker_main, w)) {
		free(w->url);
		free(w);
		return NULL;
	}
	return w;
}

void pg_worker_stop(struct pg_worker *w)
{
	if (!w)
		return;
	sc_shutdown_request();
	pthread_join(w->thread, NULL);
	free(w->url);
	free(w);
}
