#include "selftest.h"

#include "fixture.h"
#include "model.h"

#include <string.h>

static bool listed(const struct fp_fixture *f, const char *id)
{
	for (size_t i = 0; i < f->nalso; i++)
		if (!strcmp(f->also[i], id))
			return true;
	return false;
}

static bool at(const Scanopy__V1__ServiceMatch *m, const char *ip, struct fp_port p)
{
	if (strcmp(m->ip, ip))
		return false;
	if (!p.port)
		return m->port == 0;
	uint8_t proto = m->protocol == SCANOPY__V1__PROTOCOL__PROTOCOL_UDP ? FP_PROTO_UDP
	                                                                   : FP_PROTO_TCP;
	return m->port == p.port && proto == p.proto;
}

/* The full matcher names the fixture's service as its definition says. */
static int check_named(const struct fp_set *s, struct fp_ctx *c, const struct fp_def *d,
                       const Scanopy__V1__ObservationBatch *b, FILE *out)
{
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	char ps[32];
	struct fp_port want = fp_fixture_port(d);
	const char *ip = fp_fixture_ip(d);
	if (fp_classify(c, s, b, 0, &m, &n))
		return -1;
	const Scanopy__V1__ServiceMatch *hit = NULL;
	for (size_t i = 0; i < n && !hit; i++)
		if (!strcmp(m[i]->definition_id, d->id) && at(m[i], ip, want))
			hit = m[i];
	if (!hit) {
		const char *got = "nothing";
		for (size_t i = 0; i < n; i++)
			if (at(m[i], ip, want))
				got = m[i]->definition_id;
		if (out)
			fprintf(out, "%s: fixture (%s) not named %s at %s %s; got %s\n",
			        d->id, d->fixture->yaml_path, d->id, ip,
			        want.port ? fp_port_str(want, ps, sizeof ps) : "(host)",
			        got);
		return -1;
	}
	const struct fp_fixture *f = d->fixture;
	if (f->expect_product &&
	    strcmp(f->expect_product, hit->product ? hit->product : "")) {
		if (out)
			fprintf(out, "%s: product '%s', fixture expects '%s'\n", d->id,
			        hit->product ? hit->product : "", f->expect_product);
		return -1;
	}
	if (f->expect_version &&
	    strcmp(f->expect_version, hit->version ? hit->version : "")) {
		if (out)
			fprintf(out, "%s: version '%s', fixture expects '%s'\n", d->id,
			        hit->version ? hit->version : "", f->expect_version);
		return -1;
	}
	return 0;
}

/* One row of the matrix: every definition that holds on this fixture. */
static int check_row(const struct fp_set *s, struct fp_ctx *c, const struct fp_def *d,
                     const Scanopy__V1__ObservationBatch *b, FILE *out,
                     struct fp_selftest *st)
{
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	if (fp_classify(c, s, b, FP_RAW, &m, &n))
		return -1;
	int rc = 0;
	/* A definition may hold at several ports of one fixture; count it once. */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(m[k]->definition_id, m[i]->definition_id);
		if (seen)
			continue;
		const struct fp_def *x = NULL;
		for (size_t k = 0; k < s->ndefs && !x; k++)
			if (!strcmp(s->defs[k].id, m[i]->definition_id))
				x = &s->defs[k];
		if (x == d) {
			st->self_matches++;
		} else if (x->tier <= FP_TIER_GENERIC || listed(d->fixture, x->id)) {
			st->overlaps++;
		} else {
			st->false_matches++;
			rc = -1;
			if (out)
				fprintf(
				    out,
				    "false match: %s holds on the fixture of %s (%s)\n",
				    x->id, d->id, d->fixture->yaml_path);
		}
	}
	return rc;
}

int fp_selftest(const struct fp_set *s, struct fp_ctx *c, FILE *out,
                struct fp_selftest *st)
{
	memset(st, 0, sizeof *st);
	struct fp_arena a = {0};
	int rc = 0;
	st->defs = s->ndefs;
	for (size_t i = 0; i < s->ndefs; i++) {
		const struct fp_def *d = &s->defs[i];
		if (!d->fixture) {
			st->missing++;
			continue;
		}
		st->fixtures++;
		fp_arena_reset(&a);
		Scanopy__V1__ObservationBatch *b = fp_fixture_batch(d, &a);
		if (!b) {
			rc = -1;
			continue;
		}
		if (check_named(s, c, d, b, out) == 0)
			st->named++;
		else
			rc = -1;
		st->evaluations += s->ndefs;
		if (check_row(s, c, d, b, out, st))
			rc = -1;
	}
	fp_arena_free(&a);
	return rc;
}
