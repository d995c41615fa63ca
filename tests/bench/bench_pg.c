#include "bench_pg.h"

#include "sc_pg.h"

#include <stdlib.h>
#include <time.h>

double bench_now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double bench_wal_bytes(PGconn *pg)
{
	PGresult *r =
	    sc_pg_query(pg, "SELECT pg_current_wal_insert_lsn() - '0/0'", 0, NULL);
	double v = r ? strtod(PQgetvalue(r, 0, 0), NULL) : 0;
	PQclear(r);
	return v;
}
