/* Organisations' own definitions: the gateway keeps each organisation's file
 * in the SC_KV_DEFS bucket (key: the organisation id); every replica watches
 * the bucket and holds, per organisation, a set of the built-in definitions
 * plus that file (its ids replacing built-in ones). A batch of that
 * organisation is classified with it, every other batch with the built-in
 * set. Changes apply without a restart; a file that fails to load is logged
 * and the organisation's previous set stays. */
#ifndef FP_ORGDEFS_H
#define FP_ORGDEFS_H

#include "fp.h"
#include "sc_nats.h"

#include <stdbool.h>

struct fp_orgsets;

/* Starts watching; `base` (the built-in directories) must outlive it. */
struct fp_orgsets *fp_orgsets_start(struct sc_nats *n, int replicas,
                                    const struct fp_load_opts *base);
/* True once the bucket's values at start are loaded (waits up to timeout). */
bool fp_orgsets_wait_ready(struct fp_orgsets *o, int timeout_ms);
/* The organisation's own set with a reference (fp_set_unref), or NULL. */
struct fp_set *fp_orgsets_get(struct fp_orgsets *o, const char *org_id);
/* Rebuilds every organisation's set on the built-in definitions as they are
 * now (after a reload of the directories). */
void fp_orgsets_rebuild(struct fp_orgsets *o);
void fp_orgsets_stop(struct fp_orgsets *o);

#endif
