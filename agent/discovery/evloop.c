#include "evloop.h"

#include "sc_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

int64_t ev_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ev_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int ev_init(struct evloop *l)
{
	memset(l, 0, sizeof *l);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		sc_error("discovery: epoll_create1: %s", strerror(errno));
		return -1;
	}
	l->now_ms = ev_now_ms();
	return 0;
}

void ev_free(struct evloop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	ev_reap(l);
	free(l->heap);
	free(l->dead);
	memset(l, 0, sizeof *l);
	l->epfd = -1;
}

int ev_add(struct evloop *l, struct ev_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev)) {
		sc_error("discovery: epoll add fd %d: %s", w->fd, strerror(errno));
		return -1;
	}
	return 0;
}

int ev_mod(struct evloop *l, struct ev_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev)) {
		sc_error("discovery: epoll mod fd %d: %s", w->fd, strerror(errno));
		return -1;
	}
	return 0;
}

void ev_del(struct evloop *l, struct ev_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

void ev_close(struct evloop *l, struct ev_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
}

/* ---- timer heap (min-heap on at_ms, each timer knows its slot) ---- */

static void heap_set(struct evloop *l, size_t i, struct ev_timer *t)
{
	l->heap[i] = t;
	t->idx = i;
}

static void sift_up(struct evloop *l, size_t i)
{
	struct ev_timer *t = l->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (l->heap[p]->at_ms <= t->at_ms)
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void sift_down(struct evloop *l, size_t i)
{
	struct ev_timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->at_ms < l->heap[c]->at_ms)
			c++;
		if (l->heap[c]->at_ms >= t->at_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void ev_timer_init(struct ev_timer *t, ev_timer_fn fn, void *ctx)
{
	t->at_ms = 0;
	t->idx = (size_t)-1;
	t->fn = fn;
	t->ctx = ctx;
}

void ev_timer_stop(struct evloop *l, struct ev_timer *t)
{
	if (t->idx == (size_t)-1)
		return;
	size_t i = t->idx;
	t->idx = (size_t)-1;
	l->nheap--;
	if (i == l->nheap)
		return;
	struct ev_timer *moved = l->heap[l->nheap];
	heap_set(l, i, moved);
	sift_up(l, i);
	sift_down(l, moved->idx);
}

int ev_timer_at(struct evloop *l, struct ev_timer *t, int64_t at_ms)
{
	ev_timer_stop(l, t);
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 256;
		struct ev_timer **grown = realloc(l->heap, cap * sizeof *grown);
		if (!grown) {
			sc_error("discovery: out of memory for timers");
			return -1;
		}
		l->heap = grown;
		l->capheap = cap;
	}
	t->at_ms = at_ms;
	heap_set(l, l->nheap++, t);
	sift_up(l, t->idx);
	return 0;
}

int64_t ev_next_timer(const struct evloop *l)
{
	return l->nheap ? l->heap[0]->at_ms : INT64_MAX;
}

int ev_run_once(struct evloop *l, int max_wait_ms)
{
	struct epoll_event evs[256];
	l->now_ms = ev_now_ms();
	int64_t next = ev_next_timer(l);
	int wait = max_wait_ms;
	if (next != INT64_MAX) {
		int64_t until = next - l->now_ms;
		if (until < 0)
			until = 0;
		if (wait < 0 || until < wait)
			wait = (int)until;
	}
	const int cap = (int)(sizeof evs / sizeof evs[0]);
	int n, ran = 0;
	/* Every ready event before any timer: on a busy machine a connection
	 * that completed in time must not lose to its own timeout because its
	 * event did not fit in the first batch. */
	do {
		n = epoll_wait(l->epfd, evs, cap, wait);
		if (n < 0) {
			if (errno == EINTR)
				return ran;
			sc_error("discovery: epoll_wait: %s", strerror(errno));
			return -1;
		}
		l->now_ms = ev_now_ms();
		for (int i = 0; i < n; i++) {
			struct ev_watch *w = evs[i].data.ptr;
			if (w->fd < 0) /* closed by an earlier callback of this turn */
				continue;
			w->fn(w, evs[i].events);
			ran++;
		}
		wait = 0;
	} while (n == cap);
	/* Timers due now; a callback may arm new timers (for later) or stop others. */
	l->now_ms = ev_now_ms();
	while (l->nheap && l->heap[0]->at_ms <= l->now_ms) {
		struct ev_timer *t = l->heap[0];
		ev_timer_stop(l, t);
		t->fn(t);
		ran++;
	}
	ev_reap(l);
	return ran;
}

int ev_defer_free(struct evloop *l, void *p)
{
	if (l->ndead == l->capdead) {
		size_t cap = l->capdead ? l->capdead * 2 : 64;
		void **grown = realloc(l->dead, cap * sizeof *grown);
		if (!grown) {
			sc_error("discovery: out of memory");
			return -1;
		}
		l->dead = grown;
		l->capdead = cap;
	}
	l->dead[l->ndead++] = p;
	return 0;
}

void ev_reap(struct evloop *l)
{
	for (size_t i = 0; i < l->ndead; i++)
		free(l->dead[i]);
	l->ndead = 0;
}
