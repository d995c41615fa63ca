/* The fingerprint engine over the shipped definitions: every definition names
 * its own fixture, none matches another's (the cross-match matrix), the index
 * agrees with the naive matcher, ports are claimed once, evidence is traced,
 * and hostile evidence costs bounded work. */
#include "fixture.h"
#include "fp.h"
#include "model.h"
#include "oui.h"
#include "selftest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static struct fp_oui *oui;
static struct fp_set *set;
static struct fp_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	oui = fp_oui_load("/usr/share/ieee-data");
	const char *dirs[] = {FP_DEFAULT_DEFINITIONS_DIR};
	struct fp_load_opts o = {dirs, 1, oui};
	char *errors = NULL;
	if (fp_set_load(&o, &set, &errors)) {
		fprintf(stderr, "built-in definitions do not load:\n%s", errors);
		free(errors);
		return -1;
	}
	ctx = fp_ctx_new();
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fp_ctx_free(ctx);
	fp_set_unref(set);
	fp_oui_free(oui);
	return 0;
}

static void every_definition_has_a_fixture_and_names_it(void **state)
{
	(void)state;
	struct fp_selftest st;
	int rc = fp_selftest(set, ctx, stderr, &st);
	printf("fingerprint definitions: %zu; fixtures named correctly: %zu/%zu\n",
	       st.defs, st.named, st.fixtures);
	printf("cross-match matrix: %zu definitions x %zu fixtures = %zu evaluations: "
	       "%zu self matches, %zu allowed overlaps (generic fallbacks, declared "
	       "layers), %zu false matches\n",
	       st.defs, st.fixtures, st.evaluations, st.self_matches, st.overlaps,
	       st.false_matches);
	assert_int_equal(st.missing, 0);
	assert_int_equal(st.named, st.fixtures);
	assert_int_equal(st.false_matches, 0);
	assert_int_equal(rc, 0);
}

/* A rendering of a match list that two matchers must agree on exactly. */
static char *render(Scanopy__V1__ServiceMatch **m, size_t n)
{
	size_t cap = 256 + n * 512, w = 0;
	char *s = malloc(cap);
	s[0] = '\0';
	for (size_t i = 0; i < n && w < cap; i++) {
		w += (size_t)snprintf(s + w, cap - w, "%s %s %u/%d %u %s %s [",
		                      m[i]->definition_id, m[i]->ip, m[i]->port,
		                      (int)m[i]->protocol, m[i]->confidence,
		                      m[i]->product ? m[i]->product : "-",
		                      m[i]->version ? m[i]->version : "-");
		for (size_t k = 0; k < m[i]->n_evidence && w < cap; k++)
			w += (size_t)snprintf(s + w, cap - w, "%s;",
			                      m[i]->evidence[k]->rule);
		if (w < cap)
			w += (size_t)snprintf(s + w, cap - w, "]\n");
	}
	return s;
}

static char *classify_render(const Scanopy__V1__ObservationBatch *b, int flags)
{
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	assert_int_equal(fp_classify(ctx, set, b, flags, &m, &n), 0);
	return render(m, n);
}

static void index_agrees_with_the_naive_matcher(void **state)
{
	(void)state;
	struct fp_arena a = {0};
	for (size_t i = 0; i < set->ndefs; i++) {
		fp_arena_reset(&a);
		const Scanopy__V1__ObservationBatch *b =
		    fp_fixture_batch(&set->defs[i], &a);
		assert_non_null(b);
		for (int raw = 0; raw < 2; raw++) {
			char *fast = classify_render(b, raw ? FP_RAW : 0);
			char *slow = classify_render(b, (raw ? FP_RAW : 0) | FP_NAIVE);
			if (strcmp(fast, slow))
				fail_msg("%s: indexed and naive "
				         "differ\nindexed:\n%snaive:\n%s",
				         set->defs[i].id, fast, slow);
			free(fast);
			free(slow);
		}
	}
	fp_arena_free(&a);
}

/* The fixtures of the lab's services, together as one host would be seen. */
static Scanopy__V1__ServiceMatch *find(Scanopy__V1__ServiceMatch **m, size_t n,
                                       const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i]->definition_id, id))
			return m[i];
	return NULL;
}

static const Scanopy__V1__ObservationBatch *fixture_of(const char *id, struct fp_arena *a)
{
	for (size_t i = 0; i < set->ndefs; i++)
		if (!strcmp(set->defs[i].id, id))
			return fp_fixture_batch(&set->defs[i], a);
	fail_msg("no definition %s", id);
	return NULL;
}

static void a_port_is_claimed_once_and_specific_beats_generic(void **state)
{
	(void)state;
	struct fp_arena a = {0};
	/* nginx's fixture is also an HTTP server (generic) and an open port
	 * (catch-all): only nginx may keep port 80. */
	const Scanopy__V1__ObservationBatch *b = fixture_of("nginx", &a);
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	assert_int_equal(fp_classify(ctx, set, b, FP_RAW, &m, &n), 0);
	assert_non_null(find(m, n, "http"));
	assert_non_null(find(m, n, "unclaimed-port"));
	assert_int_equal(fp_classify(ctx, set, b, 0, &m, &n), 0);
	size_t on80 = 0;
	for (size_t i = 0; i < n; i++)
		on80 += m[i]->port == 80;
	assert_int_equal(on80, 1);
	assert_non_null(find(m, n, "nginx"));
	assert_null(find(m, n, "http"));
	assert_string_equal(find(m, n, "nginx")->version, "1.22.1");
	fp_arena_free(&a);
}

static void the_evidence_trail_says_what_held(void **state)
{
	(void)state;
	struct fp_arena a = {0};
	const Scanopy__V1__ObservationBatch *b = fixture_of("redis", &a);
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	assert_int_equal(fp_classify(ctx, set, b, 0, &m, &n), 0);
	Scanopy__V1__ServiceMatch *r = find(m, n, "redis");
	assert_non_null(r);
	assert_string_equal(r->product, "Redis");
	assert_string_equal(r->version, "7.0.15");
	assert_int_equal(r->port, 6379);
	assert_true(r->confidence >= 95);
	bool banner = false, port = false;
	for (size_t i = 0; i < r->n_evidence; i++) {
		const Scanopy__V1__MatchEvidence *e = r->evidence[i];
		if (!strcmp(e->rule, "banner")) {
			banner = true;
			assert_non_null(strstr(e->detail, "6379/tcp redis-info"));
			assert_non_null(strstr(e->detail, "redis_version:7.0.15"));
			assert_true(e->has_observation_index);
			const Scanopy__V1__Observation *o =
			    b->observations[e->observation_index];
			assert_int_equal(o->kind_case,
			                 SCANOPY__V1__OBSERVATION__KIND_BANNER);
		}
		if (!strcmp(e->rule, "port"))
			port = true;
	}
	assert_true(banner);
	assert_true(port);
	fp_arena_free(&a);
}

/* A host-scope fallback steps aside when something specific matched. */
static void the_container_catch_all_yields(void **state)
{
	(void)state;
	struct fp_arena a = {0};
	Scanopy__V1__ObservationBatch *b =
	    (Scanopy__V1__ObservationBatch *)fixture_of("docker-container", &a);
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	assert_int_equal(fp_classify(ctx, set, b, 0, &m, &n), 0);
	assert_non_null(find(m, n, "docker-container"));
	/* The same container running redis: Redis is named, the catch-all not. */
	Scanopy__V1__DockerContainer *c = NULL;
	for (size_t i = 0; i < b->n_observations; i++)
		if (b->observations[i]->kind_case ==
		    SCANOPY__V1__OBSERVATION__KIND_CONTAINER)
			c = b->observations[i]->container;
	assert_non_null(c);
	Scanopy__V1__DockerPort p = SCANOPY__V1__DOCKER_PORT__INIT;
	Scanopy__V1__DockerPort *pp = &p;
	p.private_port = 6379;
	p.has_private_port = 1;
	c->image = "docker.io/library/redis:7.2-alpine";
	c->ports = &pp;
	c->n_ports = 1;
	assert_int_equal(fp_classify(ctx, set, b, 0, &m, &n), 0);
	Scanopy__V1__ServiceMatch *r = find(m, n, "redis");
	assert_non_null(r);
	assert_string_equal(r->ip, "172.31.77.13");
	assert_int_equal(r->port, 6379);
	assert_null(find(m, n, "docker-container"));
	fp_arena_free(&a);
}

static void mac_vendors_come_from_the_ieee_registry(void **state)
{
	(void)state;
	if (!oui)
		skip();
	assert_non_null(fp_oui_vendor(oui, "00:17:88:01:02:03"));
	assert_non_null(strstr(fp_oui_vendor(oui, "00:17:88:01:02:03"), "Philips"));
	assert_null(fp_oui_vendor(oui, "02:77:01:00:00:11")); /* locally administered */
	assert_null(fp_oui_vendor(oui, "not a mac"));
	printf("MAC registry: %lu prefixes\n", fp_oui_count(oui));
}

/* Hostile evidence: catastrophic-backtracking bait against a pattern that
 * invites it, huge and binary bodies. Limits make them cost little. */
static void hostile_evidence_costs_bounded_work(void **state)
{
	(void)state;
	static const char cats[] = "categories: [Unknown]\n";
	static const char defs[] = "definitions:\n"
	                           "  - id: bait\n"
	                           "    name: Bait\n"
	                           "    category: Unknown\n"
	                           "    match: {http: {body: '^(a|aa)+$'}, ports: [80]}\n"
	                           "  - id: bait2\n"
	                           "    name: Bait 2\n"
	                           "    category: Unknown\n"
	                           "    match: {banner: '(x+x+)+y'}\n";
	const char *names[] = {"cats.yaml", "bait.yaml"};
	const char *texts[] = {cats, defs};
	size_t lens[] = {sizeof cats - 1, sizeof defs - 1};
	struct fp_set *s;
	char *errors = NULL;
	assert_int_equal(fp_set_load_buffers(names, texts, lens, 2, NULL, &s, &errors),
	                 0);
	size_t big = 1 << 20;
	uint8_t *body = malloc(big);
	memset(body, 'a', big);
	body[big - 1] = '!';
	uint8_t banner[4096];
	memset(banner, 'x', sizeof banner);
	Scanopy__V1__HttpResponse h = SCANOPY__V1__HTTP_RESPONSE__INIT;
	h.ip = "192.0.2.1";
	h.port = 80;
	h.has_port = 1;
	h.status = 200;
	h.has_status = 1;
	h.body_prefix.data = body;
	h.body_prefix.len = big;
	h.has_body_prefix = 1;
	Scanopy__V1__Banner bn = SCANOPY__V1__BANNER__INIT;
	bn.ip = "192.0.2.1";
	bn.port = 22;
	bn.has_port = 1;
	bn.data.data = banner;
	bn.data.len = sizeof banner;
	bn.has_data = 1;
	Scanopy__V1__Observation o1 = SCANOPY__V1__OBSERVATION__INIT,
	                         o2 = SCANOPY__V1__OBSERVATION__INIT;
	o1.kind_case = SCANOPY__V1__OBSERVATION__KIND_HTTP;
	o1.http = &h;
	o2.kind_case = SCANOPY__V1__OBSERVATION__KIND_BANNER;
	o2.banner = &bn;
	Scanopy__V1__Observation *obs[] = {&o1, &o2};
	Scanopy__V1__ObservationBatch b = SCANOPY__V1__OBSERVATION_BATCH__INIT;
	b.observations = obs;
	b.n_observations = 2;
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int flags = 0; flags <= FP_NAIVE; flags += FP_NAIVE)
		assert_int_equal(fp_classify(ctx, s, &b, flags, &m, &n), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("hostile evidence (1 MiB body, backtracking bait) classified in %.1f ms, "
	       "%llu pattern runs stopped by limits\n",
	       ms, (unsigned long long)fp_ctx_limit_hits(ctx));
	assert_int_equal(n, 0);
	assert_true(ms < 2000);
	free(body);
	fp_set_unref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_definition_has_a_fixture_and_names_it),
	    cmocka_unit_test(index_agrees_with_the_naive_matcher),
	    cmocka_unit_test(a_port_is_claimed_once_and_specific_beats_generic),
	    cmocka_unit_test(the_evidence_trail_says_what_held),
	    cmocka_unit_test(the_container_catch_all_yields),
	    cmocka_unit_test(mac_vendors_come_from_the_ieee_registry),
	    cmocka_unit_test(hostile_evidence_costs_bounded_work),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
