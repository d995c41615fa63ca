/* Applying one classified batch to the inventory, inside the caller's
 * transaction. */
#ifndef TOPOLOGY_APPLY_H
#define TOPOLOGY_APPLY_H

#include "classified.pb-c.h"

#include <libpq-fe.h>
#include <stddef.h>

enum apply_result {
	APPLY_DONE,      /* applied; commit it */
	APPLY_DUPLICATE, /* already applied earlier; nothing changed */
	APPLY_FAILED,    /* a statement failed; roll this batch back */
};

enum apply_result apply_batch(PGconn *pg, const Scanopy__V1__ClassifiedBatch *cb,
                              char *why, size_t whylen);

#endif
