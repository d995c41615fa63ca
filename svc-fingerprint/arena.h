/* A bump allocator: many small allocations freed together. A loaded
 * definition set keeps its strings and rule trees in one, and each
 * classification keeps its per-batch view and its results in another that is
 * reset, not freed, between batches (no malloc per observation). */
#ifndef FP_ARENA_H
#define FP_ARENA_H

#include <stddef.h>

struct fp_arena_chunk;

struct fp_arena {
	struct fp_arena_chunk *head; /* current chunk; older ones follow */
	size_t chunk_size;           /* size of the next regular chunk */
};

/* Zeroed memory aligned for any type; NULL (logged) when memory is out. */
void *fp_arena_alloc(struct fp_arena *a, size_t size);
/* Copies len bytes and adds a NUL. */
char *fp_arena_strndup(struct fp_arena *a, const char *s, size_t len);
char *fp_arena_strdup(struct fp_arena *a, const char *s);
/* Grows an array held in the arena: returns a copy with room for `want`
 * elements (the old block is abandoned until reset). */
void *fp_arena_grow(struct fp_arena *a, void *old, size_t elem, size_t have, size_t want);
/* Forgets every allocation but keeps the first chunk for reuse. */
void fp_arena_reset(struct fp_arena *a);
void fp_arena_free(struct fp_arena *a);

#endif
