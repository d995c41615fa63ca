/* A definition set's lifetime: creation, the content hash that versions it,
 * reference counting (a reload swaps sets while batches still use the old one)
 * and release of everything it owns. */
#ifndef FP_SET_H
#define FP_SET_H

#include "model.h"

#include <stddef.h>

struct fp_set *fp_set_new(const struct fp_oui *oui);
/* Adds one file (its name and bytes) to the set's version hash. */
void fp_set_hash_file(struct fp_set *s, const char *name, const char *text, size_t len);
/* Finishes the hash into s->version. */
void fp_set_hash_done(struct fp_set *s);
const struct fp_def *fp_set_find(const struct fp_set *s, const char *id);
/* A probe by id and protocol (0: either); a TCP and a UDP probe may share an
 * id (sip-options, dns-version-bind), as the daemons name them. */
const struct fp_probe *fp_set_probe(const struct fp_set *s, const char *id,
                                    uint8_t proto);

#endif
