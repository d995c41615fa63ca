/* The daemon's local control socket (nng req/rep over ipc://), used by
 * `scanopy-daemon status|scan|stop`. Commands are one word; replies are JSON. */
#ifndef AGENT_CONTROL_H
#define AGENT_CONTROL_H

#include <stddef.h>

/* Answers one command into reply (NUL-terminated). */
typedef void (*control_fn)(void *ctx, const char *cmd, char *reply, size_t len);

struct control;

struct control *control_serve(const char *url, control_fn fn, void *ctx);
void control_close(struct control *c);

/* Sends `cmd` to a running daemon and prints its reply; 0 on an answer. */
int control_call(const char *url, const char *cmd, int timeout_ms);

#endif
