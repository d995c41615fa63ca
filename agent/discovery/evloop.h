/* The discovery engine's event loop: one epoll set and one timer heap, run by
 * a single thread. Everything the scan waits on (pcap, raw ICMP, connecting
 * and probing sockets, UDP probes, resolver queries) is a watch or a timer
 * here, so thousands of probes are in flight without a thread each. */
#ifndef DISC_EVLOOP_H
#define DISC_EVLOOP_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic milliseconds and microseconds (for timeouts and round trips). */
int64_t ev_now_ms(void);
int64_t ev_now_us(void);

struct ev_watch;
typedef void (*ev_io_fn)(struct ev_watch *w, uint32_t events);
/* An fd being watched; embed it in the owner's struct. */
struct ev_watch {
	int fd;
	ev_io_fn fn;
	void *ctx;
};

struct ev_timer;
typedef void (*ev_timer_fn)(struct ev_timer *t);
/* A one-shot timer; embed it in the owner's struct. idx is the heap slot
 * (SIZE_MAX when not armed). */
struct ev_timer {
	int64_t at_ms;
	size_t idx;
	ev_timer_fn fn;
	void *ctx;
};

struct evloop {
	int epfd;
	struct ev_timer **heap;
	size_t nheap, capheap;
	int64_t now_ms; /* refreshed at each turn */
	void **dead;    /* freed at the end of the turn (see ev_defer_free) */
	size_t ndead, capdead;
};

int ev_init(struct evloop *l);
void ev_free(struct evloop *l);

/* Watches w->fd for `events` (EPOLLIN, EPOLLOUT...); mod changes them. */
int ev_add(struct evloop *l, struct ev_watch *w, uint32_t events);
int ev_mod(struct evloop *l, struct ev_watch *w, uint32_t events);
void ev_del(struct evloop *l, struct ev_watch *w);
/* Unwatches and closes w->fd, then sets it to -1 so an event already fetched
 * in this turn is not dispatched to it. */
void ev_close(struct evloop *l, struct ev_watch *w);

/* Frees p at the end of the current turn: a callback may drop an object
 * whose other events are still queued in this turn's epoll batch. */
int ev_defer_free(struct evloop *l, void *p);
void ev_reap(struct evloop *l);

void ev_timer_init(struct ev_timer *t, ev_timer_fn fn, void *ctx);
/* Arms (or re-arms) t to fire at `at_ms` (ev_now_ms clock). */
int ev_timer_at(struct evloop *l, struct ev_timer *t, int64_t at_ms);
void ev_timer_stop(struct evloop *l, struct ev_timer *t);
static inline int ev_timer_armed(const struct ev_timer *t)
{
	return t->idx != (size_t)-1;
}
/* When the earliest timer is due; INT64_MAX when none is armed. */
int64_t ev_next_timer(const struct evloop *l);

/* Waits for fds up to max_wait_ms (or the next timer, if sooner), dispatches
 * ready fds, then due timers. Returns the number of callbacks run, -1 on an
 * epoll error. */
int ev_run_once(struct evloop *l, int max_wait_ms);

#endif
