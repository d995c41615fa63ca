/* bench_topology's like-for-like reference: COPY of the model's own rows
 * into copies of its tables (model_copy.c). */
#ifndef BENCH_MODEL_COPY_H
#define BENCH_MODEL_COPY_H

#include <libpq-fe.h>

struct model_copy_result {
	double seconds, wal_bytes;
	long rows;
	int tables; /* tables that had rows */
};

/* Copies every row of the model's tables (the bench's database holds one
 * network) into bench_ref.*, timing only the COPYs and their commit. 0 or -1
 * (the reason on stderr). */
int model_copy(PGconn *pg, struct model_copy_result *out);

#endif
