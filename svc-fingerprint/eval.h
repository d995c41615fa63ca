/* Evaluating one definition's rule at one place: a port of a host, or the
 * host as a whole. The result is a confidence and the trail of evidence that
 * made it hold. */
#ifndef FP_EVAL_H
#define FP_EVAL_H

#include "model.h"
#include "pattern.h"
#include "view.h"

#define FP_TRAIL_MAX 16

struct fp_trail {
	const struct fp_node *leaf;
	int cond;                  /* index into leaf->conds, -1 for none */
	const struct fp_rdata *rd; /* the observation, NULL for none */
	const struct fp_item *item;
	struct fp_captures cap;
	uint8_t proto;
	uint16_t port; /* where the evidence was, 0 for host-wide */
};

struct fp_eval {
	const struct fp_set *s;
	struct fp_view *v;
	struct fp_match_ctx *m;
	bool naive; /* run PCRE2 on every pattern, ignoring the prefilter */
	const struct fp_def *d;
	const struct fp_host *h;
	struct fp_trail trail[FP_TRAIL_MAX];
	int n;       /* entries in trail */
	int anchors; /* evidence at the matched port itself */
};

/* Confidence 1..100 when d holds at e (NULL: host-wide) on host h, else 0.
 * A port-scope definition holds only with evidence at e itself. */
int fp_eval_def(struct fp_eval *ev, const struct fp_def *d, const struct fp_host *h,
                const struct fp_endpoint *e);

#endif
