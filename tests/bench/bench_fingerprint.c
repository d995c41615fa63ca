/* Classification throughput with every shipped definition loaded: the
 * indexed matcher (prefilter + port index) against the naive one (every
 * definition tried at every port with PCRE2), in the same run on the same
 * workload, on one thread. Prints figures; it is not a pass/fail test.
 *
 *   bench_fingerprint [--seconds S] [--hosts-per-batch N] [--noise N]
 *
 * The workload: every definition's fixture as a host of its own (so every
 * kind of evidence occurs), plus N "noise" hosts per fixture host that look
 * like most of a network: open and closed ports, an unrecognised web page of
 * a few kilobytes, an SSH banner. */
#include "fixture.h"
#include "fp.h"
#include "model.h"
#include "oui.h"
#include "prefilter.h"
#include "sc_config.h"
#include "sc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct args {
	char *seconds_s;
	long hosts_per_batch, noise;
	char *definitions_dir, *oui_dir;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every observation of one host carries its address: give each its own. */
static void set_ip(Scanopy__V1__Observation *o, char *ip)
{
	switch (o->kind_case) {
	case SCANOPY__V1__OBSERVATION__KIND_HOST:
		o->host->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_PORT:
		o->port->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_BANNER:
		o->banner->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_HTTP:
		o->http->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_TLS:
		o->tls->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_UDP_REPLY:
		o->udp_reply->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_NAME:
		o->name->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM:
		o->snmp_system->ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_CONTAINER:
		o->container->host_ip = ip;
		break;
	case SCANOPY__V1__OBSERVATION__KIND_SELF_REPORT:
		if (o->self_report->n_default_gateways)
			o->self_report->default_gateways[0] = ip;
		break;
	default:
		break;
	}
}

struct workload {
	struct fp_arena a;
	Scanopy__V1__ObservationBatch **batches;
	size_t nbatches, nobs, nhosts;
};

static char *ip_for(struct fp_arena *a, size_t n)
{
	char buf[32];
	snprintf(buf, sizeof buf, "10.%zu.%zu.%zu", (n >> 16) & 255, (n >> 8) & 255,
	         n & 255);
	return fp_arena_strdup(a, buf);
}

static void *obs_alloc(struct fp_arena *a, size_t size)
{
	return fp_arena_alloc(a, size);
}

/* A host as most of a network looks: nothing any definition names. */
static size_t noise_host(struct fp_arena *a, char *ip, Scanopy__V1__Observation **out,
                         unsigned seed)
{
	static const unsigned ports[] = {22, 80, 443, 135, 139, 8080};
	static char body[6144];
	if (!body[0]) {
		/* Unremarkable HTML: words no definition looks for. */
		static const char *const words[] = {
		    "welcome", "to",      "our",   "portal",  "please", "sign", "in",
		    "contact", "support", "about", "privacy", "terms",  "news", "blog"};
		size_t w =
		    (size_t)snprintf(body, sizeof body,
		                     "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
		                     "<title>Intranet</title></head><body><p>");
		for (unsigned i = 0; w + 16 < sizeof body - 32; i++)
			w += (size_t)snprintf(body + w, sizeof body - w, "%s ",
			                      words[(i * 7 + i / 3) % 14]);
		snprintf(body + w, sizeof body - w, "</p></body></html>");
	}
	size_t n = 0;
	Scanopy__V1__HostSeen *hs = obs_alloc(a, sizeof *hs);
	scanopy__v1__host_seen__init(hs);
	hs->ip = ip;
	hs->mac = "3c:ec:ef:12:34:56";
	Scanopy__V1__Observation *o = obs_alloc(a, sizeof *o);
	scanopy__v1__observation__init(o);
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_HOST;
	o->host = hs;
	out[n++] = o;
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		Scanopy__V1__PortState *p = obs_alloc(a, sizeof *p);
		scanopy__v1__port_state__init(p);
		p->ip = ip;
		p->port = ports[i];
		p->has_port = 1;
		p->status = (i + seed) % 3 ? SCANOPY__V1__PORT_STATUS__PORT_OPEN
		                           : SCANOPY__V1__PORT_STATUS__PORT_CLOSED;
		p->has_status = 1;
		o = obs_alloc(a, sizeof *o);
		scanopy__v1__observation__init(o);
		o->kind_case = SCANOPY__V1__OBSERVATION__KIND_PORT;
		o->port = p;
		out[n++] = o;
	}
	Scanopy__V1__Banner *b = obs_alloc(a, sizeof *b);
	scanopy__v1__banner__init(b);
	b->ip = ip;
	b->port = 22;
	b->has_port = 1;
	b->data.data = (uint8_t *)"SSH-2.0-OpenSSH_9.6\r\n";
	b->data.len = 21;
	b->has_data = 1;
	o = obs_alloc(a, sizeof *o);
	scanopy__v1__observation__init(o);
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_BANNER;
	o->banner = b;
	out[n++] = o;
	Scanopy__V1__HttpResponse *h = obs_alloc(a, sizeof *h);
	scanopy__v1__http_response__init(h);
	static Scanopy__V1__HttpHeader hdr[2] = {SCANOPY__V1__HTTP_HEADER__INIT,
	                                         SCANOPY__V1__HTTP_HEADER__INIT};
	static Scanopy__V1__HttpHeader *hdrs[2] = {&hdr[0], &hdr[1]};
	hdr[0].name = "Content-Type";
	hdr[0].value = "text/html; charset=utf-8";
	hdr[1].name = "Cache-Control";
	hdr[1].value = "no-cache";
	h->ip = ip;
	h->port = 8080;
	h->has_port = 1;
	h->scheme = "http";
	h->path = "/";
	h->status = 200;
	h->has_status = 1;
	h->title = "Intranet";
	h->headers = hdrs;
	h->n_headers = 2;
	h->body_prefix.data = (uint8_t *)body;
	h->body_prefix.len = strlen(body);
	h->has_body_prefix = 1;
	o = obs_alloc(a, sizeof *o);
	scanopy__v1__observation__init(o);
	o->kind_case = SCANOPY__V1__OBSERVATION__KIND_HTTP;
	o->http = h;
	out[n++] = o;
	return n;
}

static int build(struct workload *w, const struct fp_set *s, long per_batch, long noise)
{
	size_t cap = 0, hostno = 1;
	Scanopy__V1__Observation **obs = NULL;
	size_t nobs = 0, ncap = 0;
	size_t in_batch = 0;
	Scanopy__V1__BatchHeader *h = fp_arena_alloc(&w->a, sizeof *h);
	scanopy__v1__batch_header__init(h);
	h->org_id = h->network_id = h->daemon_id = "bench";
	for (size_t d = 0; d <= s->ndefs; d++) {
		Scanopy__V1__ObservationBatch *fx =
		    d < s->ndefs ? fp_fixture_batch(&s->defs[d], &w->a) : NULL;
		size_t want =
		    nobs + (fx ? fx->n_observations : 0) + (size_t)(noise + 1) * 16;
		if (want > ncap) {
			ncap = want * 2;
			obs = realloc(obs, ncap * sizeof *obs);
			if (!obs)
				return -1;
		}
		if (fx) {
			char *ip = ip_for(&w->a, hostno++);
			for (size_t i = 0; i < fx->n_observations; i++) {
				set_ip(fx->observations[i], ip);
				obs[nobs++] = fx->observations[i];
			}
			w->nhosts++;
			in_batch++;
		}
		for (long k = 0; fx && k < noise; k++, in_batch++, w->nhosts++)
			nobs += noise_host(&w->a, ip_for(&w->a, hostno++), obs + nobs,
			                   (unsigned)(d + (size_t)k));
		if ((long)in_batch >= per_batch || (!fx && nobs)) {
			if (w->nbatches == cap) {
				cap = cap ? cap * 2 : 64;
				w->batches =
				    realloc(w->batches, cap * sizeof *w->batches);
				if (!w->batches)
					return -1;
			}
			Scanopy__V1__ObservationBatch *b =
			    fp_arena_alloc(&w->a, sizeof *b);
			scanopy__v1__observation_batch__init(b);
			b->header = h;
			b->observations = fp_arena_alloc(&w->a, nobs * sizeof *obs);
			memcpy(b->observations, obs, nobs * sizeof *obs);
			b->n_observations = nobs;
			w->batches[w->nbatches++] = b;
			w->nobs += nobs;
			nobs = 0;
			in_batch = 0;
		}
	}
	free(obs);
	return 0;
}

/* Runs the workload until `seconds` pass (at least once); obs/second. */
static double run(struct fp_ctx *c, const struct fp_set *s, const struct workload *w,
                  int flags, double seconds, size_t *matches, int *rounds)
{
	double t0 = now(), t;
	*rounds = 0;
	do {
		*matches = 0;
		for (size_t i = 0; i < w->nbatches; i++) {
			Scanopy__V1__ServiceMatch **m;
			size_t n;
			if (fp_classify(c, s, w->batches[i], flags, &m, &n))
				return -1;
			*matches += n;
		}
		(*rounds)++;
		t = now();
	} while (t - t0 < seconds);
	return (double)w->nobs * *rounds / (t - t0);
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct sc_option opts[] = {
	    {"seconds", SC_OPT_STR, "3", "seconds to run each matcher", &a.seconds_s, 0,
	     0},
	    {"hosts_per_batch", SC_OPT_INT, "50", "hosts in one batch",
	     &a.hosts_per_batch, 1, 100000},
	    {"noise", SC_OPT_INT, "4", "unrecognised hosts per fixture host", &a.noise, 0,
	     1000},
	    {"definitions_dir", SC_OPT_STR, FP_DEFAULT_DEFINITIONS_DIR, "definitions",
	     &a.definitions_dir, 0, 0},
	    {"oui_dir", SC_OPT_STR, "/usr/share/ieee-data", "IEEE registries", &a.oui_dir,
	     0, 0},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	char err[256];
	int npos;
	sc_log_init("bench");
	sc_log_set_level("warn");
	int rc = sc_config_load(opts, nopts, NULL, argc, argv, &npos, err, sizeof err);
	if (rc) {
		if (rc < 0)
			fprintf(stderr, "bench_fingerprint: %s\n", err);
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}
	double seconds = atof(a.seconds_s);
	struct fp_oui *oui = fp_oui_load(a.oui_dir);
	const char *dirs[] = {a.definitions_dir};
	struct fp_load_opts lo = {dirs, 1, oui};
	struct fp_set *s;
	struct fp_ctx *c = fp_ctx_new();
	struct workload w = {0};
	rc = 1;
	if (!c || fp_set_load(&lo, &s, NULL))
		goto out;
	if (build(&w, s, a.hosts_per_batch, a.noise))
		goto out_set;
	printf("fingerprint benchmark: %zu definitions (%s), prefilter %s, one thread\n",
	       fp_set_size(s), fp_set_version(s),
	       fp_prefilter_accelerated() ? "hyperscan" : "none (PCRE2 only)");
	printf("workload: %zu batches, %zu hosts, %zu observations per round\n",
	       w.nbatches, w.nhosts, w.nobs);
	size_t mi, mn;
	int ri, rn;
	double fast = run(c, s, &w, 0, seconds, &mi, &ri);
	double slow = run(c, s, &w, FP_NAIVE, seconds, &mn, &rn);
	if (fast < 0 || slow < 0)
		goto out_set;
	printf(
	    "indexed matcher: %12.0f observations/s (%d rounds, %zu matches a round)\n",
	    fast, ri, mi);
	printf(
	    "naive matcher:   %12.0f observations/s (%d rounds, %zu matches a round)\n",
	    slow, rn, mn);
	printf("speedup: %.1fx\n", fast / slow);
	if (mi != mn)
		printf("WARNING: the matchers disagree (%zu vs %zu matches)\n", mi, mn);
	rc = mi == mn ? 0 : 1;
out_set:
	free(w.batches);
	fp_arena_free(&w.a);
	fp_set_unref(s);
out:
	fp_ctx_free(c);
	fp_oui_free(oui);
	sc_config_free(opts, nopts);
	return rc;
}
