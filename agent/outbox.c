#include "outbox.h"

#include "sc_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000

struct outbox {
	char dir[600], rejected[640];
	uint64_t max_bytes;
	send_fn send;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, drained;
	bool stopping;
	bool kicked;      /* there is something new to send: skip the wait */
	bool backing_off; /* the server is away: new batches wait for the backoff */
	size_t pending;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Spool entries, oldest first; names are zero-padded sequences. */
static int list_spool(const char *dir, char ***names, size_t *n, uint64_t *bytes)
{
	DIR *d = opendir(dir);
	*names = NULL;
	*n = 0;
	if (bytes)
		*bytes = 0;
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len != 23 || strcmp(e->d_name + 20, ".pb"))
			continue;
		char **grown = realloc(*names, (*n + 1) * sizeof *grown);
		if (!grown)
			break;
		*names = grown;
		(*names)[(*n)++] = strdup(e->d_name);
		if (bytes) {
			struct stat sb;
			char path[700];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (stat(path, &sb) == 0)
				*bytes += (uint64_t)sb.st_size;
		}
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof **names, by_name);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		rewind(f);
		buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)size;
	}
	fclose(f);
	return buf;
}

/* Sleeps up to ms unless kicked (a kick that came while the sender was busy
 * is remembered, so none is lost). */
static void wait_ms(struct outbox *o, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o->lock);
	while (!o->stopping && !o->kicked)
		if (pthread_cond_timedwait(&o->wake, &o->lock, &ts) == ETIMEDOUT)
			break;
	o->kicked = false;
	pthread_mutex_unlock(&o->lock);
}

/* Sends every spooled batch in order; returns false when the server is away. */
static bool drain_once(struct outbox *o)
{
	char **names;
	size_t n;
	bool ok = true;
	list_spool(o->dir, &names, &n, NULL);
	for (size_t i = 0; i < n && ok; i++) {
		char path[700];
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", o->dir, names[i]);
		uint8_t *buf = read_file(path, &len);
		if (!buf)
			continue;
		enum send_result r =
		    o->send(o->ctx, strtoull(names[i], NULL, 10), buf, len);
		free(buf);
		if (r == SEND_OK) {
			unlink(path);
		} else if (r == SEND_REJECTED) {
			char aside[760];
			snprintf(aside, sizeof aside, "%s/%s", o->rejected, names[i]);
			sc_error(
			    "outbox: the server refused batch %s for good; kept in %s",
			    names[i], o->rejected);
			if (rename(path, aside))
				unlink(path);
		} else {
			ok = false;
		}
	}
	free_names(names, n);
	list_spool(o->dir, &names, &n, NULL);
	free_names(names, n);
	pthread_mutex_lock(&o->lock);
	o->pending = n;
	if (n == 0)
		pthread_cond_broadcast(&o->drained);
	pthread_mutex_unlock(&o->lock);
	return ok;
}

static void *sender(void *arg)
{
	struct outbox *o = arg;
	long backoff = BACKOFF_MIN_MS;
	for (;;) {
		pthread_mutex_lock(&o->lock);
		bool stop = o->stopping;
		pthread_mutex_unlock(&o->lock);
		if (stop)
			break;
		bool delivered = drain_once(o);
		pthread_mutex_lock(&o->lock);
		o->backing_off = !delivered;
		pthread_mutex_unlock(&o->lock);
		if (delivered) {
			backoff = BACKOFF_MIN_MS;
			wait_ms(o, 1000);
		} else {
			sc_warn("outbox: server unreachable, %zu batch(es) spooled; "
			        "retrying in "
			        "%ld ms",
			        outbox_pending(o), backoff);
			wait_ms(o, backoff);
			backoff =
			    backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
		}
	}
	return NULL;
}

struct outbox *outbox_open(const char *state_dir, uint64_t max_bytes, send_fn send,
                           void *ctx)
{
	struct outbox *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	snprintf(o->dir, sizeof o->dir, "%s/spool", state_dir);
	snprintf(o->rejected, sizeof o->rejected, "%s/rejected", o->dir);
	if ((mkdir(o->dir, 0700) && errno != EEXIST) ||
	    (mkdir(o->rejected, 0700) && errno != EEXIST)) {
		sc_error("outbox: cannot create %s: %s", o->dir, strerror(errno));
		free(o);
		return NULL;
	}
	o->max_bytes = max_bytes;
	o->send = send;
	o->ctx = ctx;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->wake, NULL);
	pthread_cond_init(&o->drained, NULL);
	char **names;
	list_spool(o->dir, &names, &o->pending, NULL);
	free_names(names, o->pending);
	if (o->pending)
		sc_info("outbox: %zu batch(es) left from an earlier run will be sent",
		        o->pending);
	if (send && pthread_create(&o->thread, NULL, sender, o)) {
		free(o);
		return NULL;
	}
	return o;
}

/* Drops the oldest batches while the spool is over its bound; returns how
 * many remain. */
static size_t enforce_bound(struct outbox *o, size_t incoming)
{
	char **names;
	size_t n;
	uint64_t bytes;
	list_spool(o->dir, &names, &n, &bytes);
	size_t kept = n;
	for (size_t i = 0; i < n && bytes + incoming > o->max_bytes; i++) {
		char path[700];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", o->dir, names[i]);
		if (stat(path, &sb) == 0 && unlink(path) == 0) {
			bytes -= (uint64_t)sb.st_size;
			sc_error("outbox: spool over %" PRIu64 " bytes; dropped batch %s",
			         o->max_bytes, names[i]);
			kept--;
		}
	}
	free_names(names, n);
	return kept;
}

int outbox_put(struct outbox *o, uint64_t sequence, const uint8_t *batch, size_t len)
{
	char tmp[700], path[700];
	snprintf(path, sizeof path, "%s/%020" PRIu64 ".pb", o->dir, sequence);
	snprintf(tmp, sizeof tmp, "%s/.%020" PRIu64 ".tmp", o->dir, sequence);
	size_t kept = enforce_bound(o, len);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		sc_error("outbox: cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	bool ok = write(fd, batch, len) == (ssize_t)len && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path)) {
		sc_error("outbox: cannot store batch %" PRIu64 ": %s", sequence,
		         strerror(errno));
		unlink(tmp);
		return -1;
	}
	pthread_mutex_lock(&o->lock);
	o->pending = kept + 1;
	if (!o->backing_off) { /* while the server is away, the backoff decides */
		o->kicked = true;
		pthread_cond_signal(&o->wake);
	}
	pthread_mutex_unlock(&o->lock);
	return 0;
}

size_t outbox_pending(struct outbox *o)
{
	pthread_mutex_lock(&o->lock);
	size_t n = o->pending;
	pthread_mutex_unlock(&o->lock);
	return n;
}

int outbox_drain(struct outbox *o, long timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	pthread_mutex_lock(&o->lock);
	o->kicked = true;
	pthread_cond_signal(&o->wake);
	while (o->pending > 0)
		if (pthread_cond_timedwait(&o->drained, &o->lock, &ts) == ETIMEDOUT)
			break;
	int rc = o->pending ? -1 : 0;
	pthread_mutex_unlock(&o->lock);
	return rc;
}

void outbox_close(struct outbox *o)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->lock);
	o->stopping = true;
	pthread_cond_broadcast(&o->wake);
	pthread_mutex_unlock(&o->lock);
	if (o->send)
		pthread_join(o->thread, NULL);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->wake);
	pthread_cond_destroy(&o->drained);
	free(o);
}

int outbox_peek(struct outbox *o, size_t max, size_t max_bytes, peek_fn fn, void *ctx)
{
	char **names;
	size_t n, bytes = 0;
	int given = 0;
	if (list_spool(o->dir, &names, &n, NULL))
		return -1;
	for (size_t i = 0; i < n && (size_t)given < max && (!given || bytes < max_bytes);
	     i++) {
		char path[700];
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", o->dir, names[i]);
		uint8_t *buf = read_file(path, &len);
		if (!buf)
			continue; /* acknowledged meanwhile */
		int rc = fn(ctx, strtoull(names[i], NULL, 10), buf, len);
		free(buf);
		if (rc) {
			given = -1;
			break;
		}
		bytes += len;
		given++;
	}
	free_names(names, n);
	return given;
}

void outbox_ack(struct outbox *o, uint64_t up_to)
{
	char **names;
	size_t n, left = 0;
	list_spool(o->dir, &names, &n, NULL);
	for (size_t i = 0; i < n; i++) {
		char path[700];
		snprintf(path, sizeof path, "%s/%s", o->dir, names[i]);
		if (strtoull(names[i], NULL, 10) > up_to || unlink(path))
			left++;
	}
	free_names(names, n);
	pthread_mutex_lock(&o->lock);
	o->pending = left;
	if (left == 0)
		pthread_cond_broadcast(&o->drained);
	pthread_mutex_unlock(&o->lock);
}
