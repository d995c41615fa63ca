/* One lookup of every identity key a batch names (prefetch.c). */
#ifndef TOPOLOGY_PREFETCH_H
#define TOPOLOGY_PREFETCH_H

#include "batch_ctx.h"
#include "classified.pb-c.h"

/* Caches each key's host (or its absence) for the batch; 0 or -1. */
int prefetch_keys(struct batch_ctx *b, const Scanopy__V1__ClassifiedBatch *cb);

#endif
