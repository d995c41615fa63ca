#include "arena.h"

#include "sc_log.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_CHUNK (64 * 1024)
#define ARENA_MAX_CHUNK (4 * 1024 * 1024)

struct fp_arena_chunk {
	struct fp_arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

static struct fp_arena_chunk *chunk_new(size_t size)
{
	struct fp_arena_chunk *c = malloc(sizeof *c + size);
	if (!c) {
		sc_error("out of memory (arena chunk of %zu bytes)", size);
		return NULL;
	}
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void *fp_arena_alloc(struct fp_arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	size = (size + align - 1) & ~(align - 1);
	if (size == 0)
		size = align;
	struct fp_arena_chunk *c = a->head;
	if (!c || c->size - c->used < size) {
		if (a->chunk_size < ARENA_MIN_CHUNK)
			a->chunk_size = ARENA_MIN_CHUNK;
		size_t want = a->chunk_size;
		if (want < size)
			want = size;
		struct fp_arena_chunk *n = chunk_new(want);
		if (!n)
			return NULL;
		/* Keep the reusable first chunk at the tail: reset frees the rest. */
		n->next = c;
		a->head = n;
		c = n;
		if (a->chunk_size < ARENA_MAX_CHUNK)
			a->chunk_size *= 2;
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *fp_arena_strndup(struct fp_arena *a, const char *s, size_t len)
{
	char *d = fp_arena_alloc(a, len + 1);
	if (d && len)
		memcpy(d, s, len);
	return d;
}

char *fp_arena_strdup(struct fp_arena *a, const char *s)
{
	return fp_arena_strndup(a, s, strlen(s));
}

void *fp_arena_grow(struct fp_arena *a, void *old, size_t elem, size_t have, size_t want)
{
	if (want > SIZE_MAX / elem) {
		sc_error("arena array of %zu elements is too large", want);
		return NULL;
	}
	void *n = fp_arena_alloc(a, elem * want);
	if (n && old && have)
		memcpy(n, old, elem * have);
	return n;
}

void fp_arena_reset(struct fp_arena *a)
{
	struct fp_arena_chunk *c = a->head;
	if (!c)
		return;
	/* The oldest chunk is the last one; keep the biggest instead, which is
	 * the newest, so a steady workload stops allocating. */
	struct fp_arena_chunk *keep = c;
	c = c->next;
	while (c) {
		struct fp_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	keep->next = NULL;
	keep->used = 0;
	a->head = keep;
}

void fp_arena_free(struct fp_arena *a)
{
	struct fp_arena_chunk *c = a->head;
	while (c) {
		struct fp_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->chunk_size = 0;
}
