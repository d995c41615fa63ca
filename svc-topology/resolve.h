/* Resolving identity keys to the one host they name, in the database, with
 * indexed lookups only (inv.host_identities' primary key), creating, joining
 * or re-binding hosts as the rules in identity.h say. Callers hold the
 * network's advisory lock. */
#ifndef TOPOLOGY_RESOLVE_H
#define TOPOLOGY_RESOLVE_H

#include "batch_ctx.h"
#include "identity.h"
#include "wbuf.h"

#define HOST_ID_LEN 37

/* Finds (or creates) the host the keys name; writes its uuid into id. Also
 * keeps the address row of an ip key (with the MAC of an ARP-style pair).
 * 0 on success, -1 on a database error. A set without usable keys: 1. */
int resolve_host(struct batch_ctx *b, const struct ident_set *s, const char *source,
                 char id[HOST_ID_LEN]);

/* Shorthand: the host at one address (creating it). */
int resolve_ip(struct batch_ctx *b, const char *ip, const char *source,
               char id[HOST_ID_LEN]);

struct key_cache *key_cache_new(void);
void key_cache_free(struct key_cache *c);
/* Writes each touched host's last_seen; called once at the end of a batch. */
int key_cache_flush(struct batch_ctx *b);
/* Looks the (kind, value) pairs up at once and caches what it finds, and
 * what it does not as absent. */
int key_cache_prefetch(struct batch_ctx *b, struct pgarr *kinds, struct pgarr *values);

#endif
