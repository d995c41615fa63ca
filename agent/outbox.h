/* The daemon's outbox: every batch is written to the spool directory before
 * anything is sent, and removed only once the server has it, so a lost
 * server, a restart or a crash loses no observation. A sender thread drains
 * the spool in sequence order through a transport, backing off while the
 * server is away. The spool is bounded: past the limit the oldest batches are
 * dropped, loudly. */
#ifndef AGENT_OUTBOX_H
#define AGENT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

enum send_result {
	SEND_OK,       /* the server has it: drop it from the spool */
	SEND_RETRY,    /* server unreachable or busy: try again later */
	SEND_REJECTED, /* the server refused it for good: keep it aside */
};

typedef enum send_result (*send_fn)(void *ctx, uint64_t sequence, const uint8_t *batch,
                                    size_t len);

struct outbox;

/* With send NULL the outbox is pulled instead (ServerPoll): no sender thread;
 * the server reads batches with outbox_peek and drops them with outbox_ack
 * once they are durable on its side. */
struct outbox *outbox_open(const char *state_dir, uint64_t max_bytes, send_fn send,
                           void *ctx);
/* Calls fn with the oldest spooled batches, in sequence order, at most max of
 * them and about max_bytes in all (at least one). Returns how many, or -1. */
typedef int (*peek_fn)(void *ctx, uint64_t sequence, const uint8_t *batch, size_t len);
int outbox_peek(struct outbox *o, size_t max, size_t max_bytes, peek_fn fn, void *ctx);
/* Drops every spooled batch whose sequence is at most up_to. */
void outbox_ack(struct outbox *o, uint64_t up_to);
/* Stores a batch durably and wakes the sender. 0 or -1. */
int outbox_put(struct outbox *o, uint64_t sequence, const uint8_t *batch, size_t len);
/* Batches waiting in the spool. */
size_t outbox_pending(struct outbox *o);
/* Waits up to timeout_ms for the spool to drain; 0 when empty. */
int outbox_drain(struct outbox *o, long timeout_ms);
/* Stops the sender; what is unsent stays on disk for the next run. */
void outbox_close(struct outbox *o);

#endif
