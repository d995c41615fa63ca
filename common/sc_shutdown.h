/* Graceful shutdown: SIGTERM and SIGINT set a flag that main loops poll, so
 * every service finishes (and acks) the batch in hand before it exits. */
#ifndef SC_SHUTDOWN_H
#define SC_SHUTDOWN_H

#include <stdbool.h>

/* Installs the handlers and ignores SIGPIPE (peers may vanish mid-write). */
void sc_shutdown_install(void);
bool sc_shutdown_requested(void);
void sc_shutdown_request(void);
/* Sleeps up to ms milliseconds, returning early once shutdown is requested. */
void sc_shutdown_sleep(long ms);

#endif
