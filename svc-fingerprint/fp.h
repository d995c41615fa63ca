/* The fingerprint engine: definition sets loaded from data files, classified
 * observation batches, and the probe plan the definitions imply. */
#ifndef FP_H
#define FP_H

#include "classified.pb-c.h"
#include "observation.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_set;
struct fp_oui;
struct fp_ctx;

/* Where definitions come from: each directory's *.yaml files in name order;
 * a definition or probe in a later directory replaces one with the same id
 * from an earlier one (a user's directory overrides the built-in one). */
struct fp_load_opts {
	const char *const *dirs;
	size_t ndirs;
	const struct fp_oui *oui; /* MAC vendor registry, may be NULL */
};

/* Loads a whole set or nothing: 0 with *out, or -1 with every problem found
 * as "file:line: reason" lines in *errors (caller frees; each is also logged).
 * A set starts with one reference. */
int fp_set_load(const struct fp_load_opts *o, struct fp_set **out, char **errors);
/* Same, from files in memory (tests and fuzzing). */
int fp_set_load_buffers(const char *const *names, const char *const *texts,
                        const size_t *lens, size_t n, const struct fp_oui *oui,
                        struct fp_set **out, char **errors);
/* Same, with files in memory read after the directories (an organisation's
 * own definitions: an id there replaces the directories' one). */
int fp_set_load_with(const struct fp_load_opts *o, const char *const *names,
                     const char *const *texts, const size_t *lens, size_t n,
                     struct fp_set **out, char **errors);
void fp_set_ref(struct fp_set *s);
void fp_set_unref(struct fp_set *s);
/* "sha256:<16 hex>" of the files the set was loaded from. */
const char *fp_set_version(const struct fp_set *s);
size_t fp_set_size(const struct fp_set *s);

enum fp_classify_flags {
	/* Evaluate every definition at every port with PCRE2 alone: the
	 * baseline the index is measured and checked against. */
	FP_NAIVE = 1 << 0,
	/* Report every definition that holds, before port claiming and
	 * fallback suppression (the cross-match matrix). */
	FP_RAW = 1 << 1,
};

/* Per-thread classification state: scratch memory reused batch to batch. */
struct fp_ctx *fp_ctx_new(void);
void fp_ctx_free(struct fp_ctx *c);
/* Times a pattern match was cut short by its limits (hostile evidence). */
uint64_t fp_ctx_limit_hits(const struct fp_ctx *c);

/* Classifies a batch. *matches points into the context's memory and stays
 * valid until the next call or fp_ctx_free. Returns 0, or -1 when memory ran
 * out (logged). */
int fp_classify(struct fp_ctx *c, const struct fp_set *s,
                const Scanopy__V1__ObservationBatch *b, int flags,
                Scanopy__V1__ServiceMatch ***matches, size_t *nmatches);

/* The probe plan as JSON (malloc'd), versioned by its own content hash. */
char *fp_plan_json(const struct fp_set *s);
/* The set's definitions as JSON (malloc'd): {"definitions_version",
 * "definitions": [{id, name, category, vendor, product, description, tier,
 * scope, ports}]}, what the gateway lists as the built-in ones. */
char *fp_catalog_json(const struct fp_set *s);

#endif
