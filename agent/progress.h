/* Reports a running session's progress to the gateway from a thread of its
 * own, so a slow or unreachable server never slows the scan: the scan hands
 * over its latest numbers (progress_update, cheap), and the reporter posts
 * them when they change, at most every second, and at least every few
 * seconds as a sign of life. When the answer says the session was cancelled
 * (or is no longer open), it sets *cancel, which the scan polls. */
#ifndef AGENT_PROGRESS_H
#define AGENT_PROGRESS_H

#include "client.h"

struct progress_reporter;

struct progress_reporter *progress_start(struct client *c, const char *session_id,
                                         volatile int *cancel);
void progress_update(struct progress_reporter *p, const char *phase, unsigned percent,
                     unsigned hosts, unsigned ports);
/* Stops and joins the thread; NULL is fine. */
void progress_stop(struct progress_reporter *p);

#endif
