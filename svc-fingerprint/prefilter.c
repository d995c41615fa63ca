#include "prefilter.h"

#include "pattern.h"
#include "sc_log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef FP_HAVE_HYPERSCAN
#include <hs/hs.h>
#endif

struct fp_prefilter {
#ifdef FP_HAVE_HYPERSCAN
	hs_database_t *db;
#endif
	size_t nfiltered;
	int *filtered;   /* ids Hyperscan took, for a failed scan */
	int *unfiltered; /* ids reported on every scan */
	size_t nunfiltered;
};

struct fp_pf_scratch {
#ifdef FP_HAVE_HYPERSCAN
	hs_scratch_t *hs;
#endif
	int unused;
};

bool fp_prefilter_accelerated(void)
{
#ifdef FP_HAVE_HYPERSCAN
	return hs_valid_platform() == HS_SUCCESS;
#else
	return false;
#endif
}

#ifdef FP_HAVE_HYPERSCAN
/* Named groups mean nothing to a prefilter, and Hyperscan refuses a name
 * used twice: (?<name>...) and (?P<name>...) become (?:...). Escapes and
 * character classes are skipped so that only real groups are touched. */
static char *unname_groups(const char *src)
{
	size_t n = strlen(src);
	char *out = malloc(n + 1), *w = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (src[i] == '\\' && i + 1 < n) {
			*w++ = src[i++];
			*w++ = src[i++];
		} else if (src[i] == '[') {
			*w++ = src[i++];
			if (i < n && src[i] == '^')
				*w++ = src[i++];
			if (i < n && src[i] == ']')
				*w++ = src[i++];
			while (i < n && src[i] != ']') {
				if (src[i] == '\\' && i + 1 < n)
					*w++ = src[i++];
				*w++ = src[i++];
			}
			if (i < n)
				*w++ = src[i++];
		} else if (!strncmp(src + i, "(?<", 3) || !strncmp(src + i, "(?P<", 4)) {
			size_t name = i + (src[i + 2] == 'P' ? 4 : 3);
			const char *gt = strchr(src + name, '>');
			bool is_name = gt && (src[name] == '_' ||
			                      (src[name] >= 'A' && src[name] <= 'Z') ||
			                      (src[name] >= 'a' && src[name] <= 'z'));
			if (!is_name) {
				*w++ = src[i++]; /* a lookbehind (?<= (?<! */
				continue;
			}
			memcpy(w, "(?:", 3);
			w += 3;
			i = (size_t)(gt - src) + 1;
		} else {
			*w++ = src[i++];
		}
	}
	*w = '\0';
	return out;
}

/* Compiles what Hyperscan accepts; a refused pattern moves to the unfiltered
 * list and the rest are compiled again. */
static void build_hs(struct fp_prefilter *pf, const char *const *srcs, const int *ids,
                     size_t n)
{
	char **own = NULL;
	const char **s = calloc(n, sizeof *s);
	unsigned *flags = calloc(n, sizeof *flags);
	unsigned *hids = calloc(n, sizeof *hids);
	size_t m = n;
	if (!s || !flags || !hids)
		goto out;
	own = calloc(n, sizeof *own);
	if (!own)
		goto out;
	for (size_t i = 0; i < n; i++) {
		own[i] = unname_groups(srcs[i]);
		s[i] = own[i] ? own[i] : srcs[i];
		hids[i] = (unsigned)ids[i];
		flags[i] = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
	}
	while (m > 0) {
		hs_compile_error_t *err = NULL;
		if (hs_compile_multi(s, flags, hids, (unsigned)m, HS_MODE_BLOCK, NULL,
		                     &pf->db, &err) == HS_SUCCESS) {
			pf->nfiltered = m;
			for (size_t i = 0; i < m; i++)
				pf->filtered[i] = (int)hids[i];
			break;
		}
		int bad = err ? err->expression : -1;
		if (bad < 0 || (size_t)bad >= m) {
			/* Not one pattern's fault (memory, platform): scan nothing
			 * with Hyperscan, confirm everything with PCRE2. */
			sc_warn("prefilter: %s; patterns run unfiltered",
			        err ? err->message : "compile failed");
			hs_free_compile_error(err);
			for (size_t i = 0; i < m; i++)
				pf->unfiltered[pf->nunfiltered++] = (int)hids[i];
			m = 0;
			break;
		}
		sc_debug("prefilter: /%.60s/ runs unfiltered: %s", s[bad], err->message);
		hs_free_compile_error(err);
		pf->unfiltered[pf->nunfiltered++] = (int)hids[bad];
		m--;
		s[bad] = s[m];
		flags[bad] = flags[m];
		hids[bad] = hids[m];
	}
out:
	for (size_t i = 0; own && i < n; i++)
		free(own[i]);
	free(own);
	free(s);
	free(flags);
	free(hids);
}
#endif

struct fp_prefilter *fp_prefilter_build(const char *const *srcs, const int *ids, size_t n)
{
	struct fp_prefilter *pf = calloc(1, sizeof *pf);
	if (!pf || !(pf->unfiltered = calloc(n ? n : 1, sizeof(int))) ||
	    !(pf->filtered = calloc(n ? n : 1, sizeof(int)))) {
		if (pf)
			free(pf->unfiltered);
		free(pf);
		sc_error("out of memory (prefilter)");
		return NULL;
	}
#ifdef FP_HAVE_HYPERSCAN
	if (n && fp_prefilter_accelerated()) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		build_hs(pf, srcs, ids, n);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sc_debug("prefilter: %zu patterns (%zu unfiltered) compiled in %ld ms", n,
		         pf->nunfiltered,
		         (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		                (t1.tv_nsec - t0.tv_nsec) / 1000000));
		return pf;
	}
#else
	(void)srcs;
#endif
	for (size_t i = 0; i < n; i++)
		pf->unfiltered[pf->nunfiltered++] = ids[i];
	return pf;
}

void fp_prefilter_free(struct fp_prefilter *pf)
{
	if (!pf)
		return;
#ifdef FP_HAVE_HYPERSCAN
	hs_free_database(pf->db);
#endif
	free(pf->unfiltered);
	free(pf->filtered);
	free(pf);
}

size_t fp_prefilter_filtered(const struct fp_prefilter *pf)
{
	return pf ? pf->nfiltered : 0;
}

int fp_pf_scratch_prepare(struct fp_pf_scratch **s, const struct fp_prefilter *pf)
{
	if (!*s && !(*s = calloc(1, sizeof **s))) {
		sc_error("out of memory (prefilter scratch)");
		return -1;
	}
#ifdef FP_HAVE_HYPERSCAN
	if (pf && pf->db && hs_alloc_scratch(pf->db, &(*s)->hs) != HS_SUCCESS) {
		sc_error("prefilter: cannot allocate Hyperscan scratch");
		return -1;
	}
#else
	(void)pf;
#endif
	return 0;
}

void fp_pf_scratch_free(struct fp_pf_scratch *s)
{
	if (!s)
		return;
#ifdef FP_HAVE_HYPERSCAN
	hs_free_scratch(s->hs);
#endif
	free(s);
}

#ifdef FP_HAVE_HYPERSCAN
struct hs_ctx {
	fp_pf_hit_fn hit;
	void *ctx;
};

static int on_hs_match(unsigned id, unsigned long long from, unsigned long long to,
                       unsigned flags, void *ctx)
{
	(void)from, (void)to, (void)flags;
	struct hs_ctx *h = ctx;
	h->hit((int)id, h->ctx);
	return 0;
}
#endif

int fp_prefilter_scan(const struct fp_prefilter *pf, struct fp_pf_scratch *s,
                      const uint8_t *data, size_t len, fp_pf_hit_fn hit, void *ctx)
{
	if (!pf)
		return 0;
	if (len > FP_SUBJECT_MAX)
		len = FP_SUBJECT_MAX;
#ifdef FP_HAVE_HYPERSCAN
	if (pf->db) {
		struct hs_ctx h = {hit, ctx};
		static const char empty[1];
		hs_error_t e = hs_scan(pf->db, data ? (const char *)data : empty,
		                       (unsigned)len, 0, s->hs, on_hs_match, &h);
		if (e != HS_SUCCESS) {
			/* Stay a superset: every pattern becomes a candidate. */
			sc_warn("prefilter: scan failed (%d); confirming every pattern",
			        (int)e);
			for (size_t i = 0; i < pf->nfiltered; i++)
				hit(pf->filtered[i], ctx);
		}
	}
#else
	(void)s, (void)data;
#endif
	for (size_t i = 0; i < pf->nunfiltered; i++)
		hit(pf->unfiltered[i], ctx);
	return 0;
}
