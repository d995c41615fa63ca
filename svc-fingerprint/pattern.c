#include "pattern.h"

#include "sc_log.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on one match: enough for every shipped definition by a wide margin,
 * small enough that backtracking bait ends in well under a millisecond. */
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 5000
#define HEAP_LIMIT_KIB 8192
#define PARENS_NEST_LIMIT 64
#define MAX_GROUPS 64

#define MAX_SAME_NAME 8

/* A name may label several groups (alternatives each capturing a version);
 * the first that took part in the match wins. */
struct group_set {
	int n;
	int g[MAX_SAME_NAME];
};

struct fp_pattern {
	pcre2_code *re;
	char *src;
	struct group_set version, product;
};

struct fp_match_ctx {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *jit;
	uint64_t limit_hits;
};

static void groups_named(pcre2_code *re, const char *name, struct group_set *out)
{
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;
	pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
	out->n = 0;
	for (uint32_t i = 0; i < count && out->n < MAX_SAME_NAME; i++) {
		PCRE2_SPTR e = table + i * size;
		if (!strcmp((const char *)e + 2, name))
			out->g[out->n++] = (e[0] << 8) | e[1];
	}
}

struct fp_pattern *fp_pattern_compile(const char *src, char *err, size_t errlen)
{
	size_t len = strlen(src);
	if (len == 0) {
		snprintf(err, errlen, "empty pattern");
		return NULL;
	}
	if (len > FP_PATTERN_MAX_LEN) {
		snprintf(err, errlen, "pattern longer than %d characters",
		         FP_PATTERN_MAX_LEN);
		return NULL;
	}
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	if (!cc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pcre2_set_parens_nest_limit(cc, PARENS_NEST_LIMIT);
	pcre2_set_max_pattern_length(cc, FP_PATTERN_MAX_LEN);
	int code = 0;
	PCRE2_SIZE at = 0;
	/* NEVER_UTF: evidence is bytes; (*UTF) in a pattern would make invalid
	 * UTF-8 in a banner an error instead of a non-match. */
	pcre2_code *re = pcre2_compile(
	    (PCRE2_SPTR)src, len,
	    PCRE2_NEVER_UTF | PCRE2_NEVER_BACKSLASH_C | PCRE2_DUPNAMES, &code, &at, cc);
	pcre2_compile_context_free(cc);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(err, errlen, "bad pattern at offset %zu: %s", (size_t)at,
		         (const char *)msg);
		return NULL;
	}
	uint32_t groups = 0;
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (groups >= MAX_GROUPS) {
		pcre2_code_free(re);
		snprintf(err, errlen, "pattern has more than %d groups", MAX_GROUPS - 1);
		return NULL;
	}
	/* JIT is an optimisation: without it (an unsupported CPU) the
	 * interpreter runs under the same limits. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	struct fp_pattern *p = calloc(1, sizeof *p);
	if (!p || !(p->src = strdup(src))) {
		free(p);
		pcre2_code_free(re);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->re = re;
	groups_named(re, "version", &p->version);
	groups_named(re, "product", &p->product);
	return p;
}

void fp_pattern_free(struct fp_pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->re);
	free(p->src);
	free(p);
}

const char *fp_pattern_source(const struct fp_pattern *p)
{
	return p->src;
}

bool fp_pattern_has_captures(const struct fp_pattern *p)
{
	return p->version.n > 0 || p->product.n > 0;
}

struct fp_match_ctx *fp_match_ctx_new(void)
{
	struct fp_match_ctx *m = calloc(1, sizeof *m);
	if (!m)
		goto oom;
	m->md = pcre2_match_data_create(MAX_GROUPS, NULL);
	m->mc = pcre2_match_context_create(NULL);
	m->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!m->md || !m->mc)
		goto oom;
	pcre2_set_match_limit(m->mc, MATCH_LIMIT);
	pcre2_set_depth_limit(m->mc, DEPTH_LIMIT);
	pcre2_set_heap_limit(m->mc, HEAP_LIMIT_KIB);
	if (m->jit)
		pcre2_jit_stack_assign(m->mc, NULL, m->jit);
	return m;
oom:
	sc_error("out of memory (pattern match context)");
	fp_match_ctx_free(m);
	return NULL;
}

void fp_match_ctx_free(struct fp_match_ctx *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mc);
	pcre2_jit_stack_free(m->jit);
	free(m);
}

uint64_t fp_match_ctx_limit_hits(const struct fp_match_ctx *m)
{
	return m->limit_hits;
}

static struct fp_span group_span(const PCRE2_SIZE *ov, int rc, int g)
{
	struct fp_span s = {UINT32_MAX, 0};
	if (g < 0 || g >= rc || ov[2 * g] == PCRE2_UNSET)
		return s;
	s.off = (uint32_t)ov[2 * g];
	s.len = (uint32_t)(ov[2 * g + 1] - ov[2 * g]);
	return s;
}

static struct fp_span first_set(const PCRE2_SIZE *ov, int rc, const struct group_set *gs)
{
	struct fp_span s = {UINT32_MAX, 0};
	for (int i = 0; i < gs->n && s.off == UINT32_MAX; i++)
		s = group_span(ov, rc, gs->g[i]);
	return s;
}

int fp_pattern_match(const struct fp_pattern *p, struct fp_match_ctx *m,
                     const uint8_t *subject, size_t len, struct fp_captures *cap)
{
	if (len > FP_SUBJECT_MAX)
		len = FP_SUBJECT_MAX;
	/* An empty subject has no address to give; PCRE2 wants a valid one. */
	static const uint8_t empty[1];
	int rc = pcre2_match(p->re, subject ? subject : empty, len, 0, 0, m->md, m->mc);
	if (rc < 0) {
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
			m->limit_hits++;
			sc_debug("pattern /%.60s/ stopped by a match limit on %zu bytes",
			         p->src, len);
		}
		return 0;
	}
	if (cap) {
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
		if (rc == 0) /* ovector too small: cannot happen with MAX_GROUPS */
			rc = 1;
		cap->whole = group_span(ov, rc, 0);
		cap->version = first_set(ov, rc, &p->version);
		cap->product = first_set(ov, rc, &p->product);
	}
	return 1;
}
