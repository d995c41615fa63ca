/* Internals shared by the loader's files: the state of one load, YAML node
 * access that reports errors with file and line, and the builders of rules
 * and fixtures. */
#ifndef FP_LOADER_INT_H
#define FP_LOADER_INT_H

#include "model.h"

#include <yaml.h>

#define LD_MAX_ERRORS 50

#define LD_CAT2(a, b) a##b
#define LD_CAT(a, b) LD_CAT2(a, b)
/* Iterates a mapping's pairs / a sequence's items (nestable). */
#define FOR_PAIRS(l, map, k, v)                                                          \
	for (yaml_node_pair_t * LD_CAT(p_, __LINE__) = (map)->data.mapping.pairs.start;  \
	     LD_CAT(p_, __LINE__) < (map)->data.mapping.pairs.top &&                     \
	     ((k) = ld_node(l, LD_CAT(p_, __LINE__)->key),                               \
	     (v) = ld_node(l, LD_CAT(p_, __LINE__)->value), 1);                          \
	     LD_CAT(p_, __LINE__)++)
#define FOR_ITEMS(l, seq, v)                                                             \
	for (yaml_node_item_t * LD_CAT(i_, __LINE__) = (seq)->data.sequence.items.start; \
	     LD_CAT(i_, __LINE__) < (seq)->data.sequence.items.top &&                    \
	     ((v) = ld_node(l, *LD_CAT(i_, __LINE__)), 1);                               \
	     LD_CAT(i_, __LINE__)++)

struct ld_def {
	struct fp_def d;
	int dir; /* index of the directory it came from; later ones override */
};

struct ld_probe {
	struct fp_probe p;
	int dir;
};

struct ld {
	struct fp_set *set; /* being built; strings live in set->arena */
	const char *file;   /* display name of the file being read */
	int dir;
	yaml_document_t *doc;
	char *errors; /* "file:line: reason\n"... */
	size_t errlen, errcap;
	int nerrors;
	struct ld_def *defs;
	size_t ndefs, capdefs;
	struct ld_probe *probes;
	size_t nprobes, capprobes;
	const char **cats;
	size_t ncats, capcats;
	/* pattern dedupe: parallel to set->patterns */
	int *pattern_field;
	size_t cappatterns;
};

/* Reports "file:line: reason" (logged and kept for the caller). */
void ld_error(struct ld *l, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

yaml_node_t *ld_node(struct ld *l, int idx);
int ld_line(const yaml_node_t *n);
/* The scalar's text, or NULL after reporting "`what` must be a string". */
const char *ld_str(struct ld *l, yaml_node_t *n, const char *what);
/* Same, with its length (may contain NUL bytes, for evidence data). */
const char *ld_bytes(struct ld *l, yaml_node_t *n, const char *what, size_t *len);
int ld_int(struct ld *l, yaml_node_t *n, const char *what, long lo, long hi, long *out);
int ld_bool(struct ld *l, yaml_node_t *n, const char *what, bool *out);
/* A YAML string read as bytes: each character U+0000..U+00FF is one byte
 * (so "\x84\0" means the bytes 84 00); anything above is an error. */
int ld_latin1(struct ld *l, yaml_node_t *n, const char *what, const uint8_t **out,
              size_t *len);
/* Decodes hex digits (whitespace allowed between bytes) into the arena. */
int ld_hex(struct ld *l, yaml_node_t *n, const char *what, const uint8_t **out,
           size_t *len);
/* One port ("22", "53/udp") or a list of them; `any` allows "any". */
int ld_ports(struct ld *l, yaml_node_t *n, const char *what, bool any,
             struct fp_port **out, int *count);
/* Registers a pattern over a field; the pattern id, or -1 after reporting. */
int ld_pattern(struct ld *l, yaml_node_t *n, int field, const char *what);
int ld_pattern_src(struct ld *l, int line, int field, const char *src, const char *what);
/* The field of an HTTP header name (created on first use). */
int ld_header_field(struct ld *l, const char *name);
char *ld_strdup(struct ld *l, const char *s);
void *ld_alloc(struct ld *l, size_t size);

struct fp_node *ld_rule(struct ld *l, yaml_node_t *n, int depth);
struct fp_fixture *ld_fixture(struct ld *l, yaml_node_t *n);

/* Validates the whole set, builds the matcher's index; 0 or -1 (reported). */
int ld_finish(struct ld *l);

#endif
