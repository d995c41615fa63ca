/* Checking a set against its own fixtures: each fixture must be named by its
 * definition (at its port, with the product and version it expects), and no
 * definition may match another's fixture unless it is a generic fallback or
 * the fixture lists it under `also` (the cross-match matrix). Used by the unit
 * tests and by `scanopy-fingerprint --check-definitions`. */
#ifndef FP_SELFTEST_H
#define FP_SELFTEST_H

#include "fp.h"

#include <stdio.h>

struct fp_selftest {
	size_t defs, fixtures, missing; /* definitions, with and without fixtures */
	size_t named;                   /* fixtures named by their definition */
	size_t evaluations;             /* definitions x fixtures */
	size_t self_matches;            /* diagonal of the matrix */
	size_t overlaps;                /* off-diagonal, allowed (generic, also) */
	size_t false_matches;           /* off-diagonal, not allowed */
};

/* Problems are printed to out (may be NULL), one per line; 0 when none. */
int fp_selftest(const struct fp_set *s, struct fp_ctx *c, FILE *out,
                struct fp_selftest *st);

#endif
