/* What bench_topology's parts measure alike: wall time and the WAL a run
 * wrote (bench_pg.c). */
#ifndef BENCH_PG_H
#define BENCH_PG_H

#include <libpq-fe.h>

/* Seconds on the monotonic clock. */
double bench_now_s(void);
/* Bytes of WAL written so far by the whole cluster (the bench's own): how
 * much a run wrote, which the machine's load does not change. */
double bench_wal_bytes(PGconn *pg);

#endif
