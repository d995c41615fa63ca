/* Multi-pattern prefilter: one pass over a piece of evidence names every
 * pattern of a field that may match it, so the cost of a banner or a body
 * grows with its length, not with the number of definitions. Built on
 * Hyperscan in prefilter mode, which reports a superset of the PCRE2 matches
 * (it approximates what it cannot express); PCRE2 then confirms the few
 * candidates and extracts captures. A pattern Hyperscan refuses is reported
 * on every scan, and without Hyperscan (a build on a CPU it does not support)
 * every pattern is, which is correct, only slower. */
#ifndef FP_PREFILTER_H
#define FP_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_prefilter;
struct fp_pf_scratch;

typedef void (*fp_pf_hit_fn)(int id, void *ctx);

/* Builds a prefilter over n pattern sources, reporting hits with ids[i].
 * NULL (logged) only when memory is out. */
struct fp_prefilter *fp_prefilter_build(const char *const *srcs, const int *ids,
                                        size_t n);
void fp_prefilter_free(struct fp_prefilter *pf);
/* Patterns that Hyperscan took (the rest are reported on every scan). */
size_t fp_prefilter_filtered(const struct fp_prefilter *pf);

/* Per-thread scratch, grown to fit each prefilter it is prepared for. */
int fp_pf_scratch_prepare(struct fp_pf_scratch **s, const struct fp_prefilter *pf);
void fp_pf_scratch_free(struct fp_pf_scratch *s);

/* Calls hit once for every pattern that may match data[0..len). */
int fp_prefilter_scan(const struct fp_prefilter *pf, struct fp_pf_scratch *s,
                      const uint8_t *data, size_t len, fp_pf_hit_fn hit, void *ctx);

bool fp_prefilter_accelerated(void);

#endif
