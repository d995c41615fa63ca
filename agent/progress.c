#include "progress.h"

#include "sc_batch.h"
#include "sc_log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORT_MIN_MS 1000  /* at most this often */
#define REPORT_LIFE_MS 5000 /* at least this often, changed or not */

struct progress_reporter {
	struct client *client;
	char session[40];
	volatile int *cancel;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, changed;
	char phase[32];
	unsigned percent, hosts, ports;
};

static void *run(void *arg)
{
	struct progress_reporter *p = arg;
	int64_t last = 0;
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
		int64_t now = sc_now_ms();
		if (p->stop || now - last < REPORT_MIN_MS ||
		    (!p->changed && now - last < REPORT_LIFE_MS))
			continue;
		char phase[32];
		unsigned pct = p->percent, hosts = p->hosts, ports = p->ports;
		snprintf(phase, sizeof phase, "%s", p->phase);
		p->changed = false;
		pthread_mutex_unlock(&p->lock);
		int rc = client_progress(p->client, p->session, "running", (int)pct,
		                         phase[0] ? phase : NULL, NULL, NULL, (long)hosts,
		                         (long)ports);
		if (rc == 1 && !*p->cancel) {
			sc_info("session %s: cancelled by the server; stopping the scan",
			        p->session);
			*p->cancel = 1;
		}
		last = now;
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress_reporter *progress_start(struct client *c, const char *session_id,
                                         volatile int *cancel)
{
	struct progress_reporter *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->client = c;
	p->cancel = cancel;
	snprintf(p->session, sizeof p->session, "%s", session_id);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->thread, NULL, run, p)) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->wake);
		free(p);
		return NULL;
	}
	return p;
}

void progress_update(struct progress_reporter *p, const char *phase, unsigned percent,
                     unsigned hosts, unsigned ports)
{
	pthread_mutex_lock(&p->lock);
	if (percent != p->percent || hosts != p->hosts || ports != p->ports ||
	    strncmp(phase ? phase : "", p->phase, sizeof p->phase - 1)) {
		snprintf(p->phase, sizeof p->phase, "%s", phase ? phase : "");
		p->percent = percent;
		p->hosts = hosts;
		p->ports = ports;
		p->changed = true;
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_stop(struct progress_reporter *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
