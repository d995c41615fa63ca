/* Regular expressions over evidence: PCRE2 (JIT where available), always
 * run with match, depth and heap limits so that a hostile subject or a
 * catastrophic pattern costs a bounded amount of work and counts as no match.
 * Subjects are bytes, never UTF: binary banners are ordinary input. */
#ifndef FP_PATTERN_H
#define FP_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_PATTERN_MAX_LEN 2048
/* Longest subject a pattern runs over; longer evidence is cut here. */
#define FP_SUBJECT_MAX (64 * 1024)

struct fp_pattern;
struct fp_match_ctx;

struct fp_span {
	uint32_t off, len; /* len 0 with off UINT32_MAX: not captured */
};

struct fp_captures {
	struct fp_span whole, version, product;
};

/* Compiles `src`; NULL with the reason (and offset) in err otherwise. */
struct fp_pattern *fp_pattern_compile(const char *src, char *err, size_t errlen);
void fp_pattern_free(struct fp_pattern *p);
const char *fp_pattern_source(const struct fp_pattern *p);
bool fp_pattern_has_captures(const struct fp_pattern *p);

/* Per-thread scratch (match data, limits). */
struct fp_match_ctx *fp_match_ctx_new(void);
void fp_match_ctx_free(struct fp_match_ctx *m);
/* Times a limit stopped a match since the context was made. */
uint64_t fp_match_ctx_limit_hits(const struct fp_match_ctx *m);

/* 1 when the pattern matches, 0 when not or when a limit was hit. `cap` may be
 * NULL; otherwise it receives the whole match and the named groups "version"
 * and "product". */
int fp_pattern_match(const struct fp_pattern *p, struct fp_match_ctx *m,
                     const uint8_t *subject, size_t len, struct fp_captures *cap);

#endif
