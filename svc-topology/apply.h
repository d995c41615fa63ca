/* Applying one classified batch to the inventory, inside the caller's
 * transaction. */
#ifndef TOPOLOGY_APPLY_H
#define TOPOLOGY_APPLY_H

#include "batch_ctx.h"
#include "classified.pb-c.h"

#include <libpq-fe.h>
#include <stddef.h>

enum apply_result {
	APPLY_DONE,      /* applied; commit it */
	APPLY_DUPLICATE, /* already applied earlier; nothing changed */
	APPLY_FAILED,    /* a statement failed; roll this batch back */
};

/* counts (may be NULL) receives what changed, for the change event, and what
 * the batch touched: the caller rebuilds the derived parts (apply_rebuild)
 * once for all the batches of a network it applies in one transaction.
 * coverage: the history options (coverage.h); NULL for their defaults. */
enum apply_result apply_batch(PGconn *pg, const Scanopy__V1__ClassifiedBatch *cb,
                              const struct coverage_opts *coverage,
                              struct batch_counts *counts, char *why, size_t whylen);

/* Rebuilds a network's links and L3 (hosts or L2 touched) and applications
 * (workloads touched) from the stored rows: each a pure function of them, so
 * once after many batches gives what once after each would. */
int apply_rebuild(PGconn *pg, const char *network, unsigned touched,
                  unsigned *links_changed);

/* Takes the network's transaction-scoped advisory lock: every writer of a
 * network's model (topology replicas, the gateway's merges) serialises on it. */
int apply_lock_network(PGconn *pg, const char *network);

#endif
