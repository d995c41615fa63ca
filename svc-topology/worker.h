/* A background thread with a PostgreSQL connection of its own that runs one
 * pass every period_ms until shutdown is requested, reconnecting when the
 * connection breaks: the views' refresher and the hosts-gone sweep. */
#ifndef TOPOLOGY_WORKER_H
#define TOPOLOGY_WORKER_H

#include <libpq-fe.h>

typedef void (*pg_worker_pass)(PGconn *pg, void *arg);

struct pg_worker;
/* arg must outlive the worker. NULL when the thread could not start. */
struct pg_worker *pg_worker_start(const char *database_url, long period_ms,
                                  pg_worker_pass pass, void *arg);
/* Requests shutdown and waits for the thread; NULL is a no-op. */
void pg_worker_stop(struct pg_worker *w);

#endif
