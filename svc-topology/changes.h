/* The change log (inv.changes): one row per change, stamped with the batch. */
#ifndef TOPOLOGY_CHANGES_H
#define TOPOLOGY_CHANGES_H

#include "batch_ctx.h"

/* detail_json: a JSON object as text (built with parameters, never spliced). */
int change_log(struct batch_ctx *b, const char *kind, const char *host_id,
               const char *detail_json);

#endif
