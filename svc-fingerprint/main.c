/* scanopy-fingerprint: consumes raw observation batches (stream OBS_RAW,
 * durable consumer "fingerprint" shared by every replica), classifies them
 * against the definition set and publishes ClassifiedBatch on
 * scanopy.obs.classified.<org>.<network>. A raw message is acked only once the
 * classified batch is in its stream. Definitions reload on SIGHUP and on a
 * message on scanopy.control.fingerprint.reload. */
#include "fp.h"
#include "orgdefs.h"
#include "oui.h"
#include "prefilter.h"
#include "reload.h"
#include "sc_batch.h"
#include "sc_consume.h"
#include "sc_log.h"
#include "sc_metrics.h"
#include "sc_service.h"
#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FP_DEFAULT_DEFINITIONS_DIR
#define FP_DEFAULT_DEFINITIONS_DIR "/usr/share/scanopy/fingerprint"
#endif

struct fingerprint {
	struct sc_service svc;
	long fetch_batch;
	char *definitions_dir, *user_definitions_dir, *oui_dir;
	bool print_probe_plan, check_definitions;
	struct fp_holder defs;
	struct fp_orgsets *orgs; /* organisations' own definitions */
	struct fp_ctx *ctx;
	struct sc_metric *matches, *limit_hits;
	uint64_t limit_seen;
};

/* The probe plan goes to the shared KV bucket, where the gateway serves it to
 * daemons: at start and after every reload, so a new definition's probes
 * reach the daemons without a release of theirs. */
static void publish_plan(void *ctx, const struct fp_set *set)
{
	struct fingerprint *fp = ctx;
	char *plan = fp_plan_json(set), *catalog = fp_catalog_json(set);
	if (plan && sc_nats_kv_put(&fp->svc.nats, SC_KV_PLAN, "current", plan,
	                           (int)fp->svc.nats_replicas) == 0)
		sc_info("probe plan for definitions %s published", fp_set_version(set));
	/* The definitions themselves, for the gateway's list of built-in ones. */
	if (catalog)
		sc_nats_kv_put(&fp->svc.nats, SC_KV_PLAN, "definitions", catalog,
		               (int)fp->svc.nats_replicas);
	free(plan);
	free(catalog);
}

/* After a reload: the new plan, and every organisation's set rebuilt on the
 * new built-in definitions. */
static void on_swap(void *ctx, const struct fp_set *set)
{
	struct fingerprint *fp = ctx;
	publish_plan(fp, set);
	fp_orgsets_rebuild(fp->orgs);
}

/* The raw subject's org and network must be the ones in the header: the
 * gateway stamps the subject, so a mismatch is a forged or corrupt batch. */
static int subject_matches(const char *subject, const Scanopy__V1__BatchHeader *h)
{
	char want[192];
	if (sc_subject(want, sizeof want, SC_SUBJECT_RAW, h->org_id, h->network_id))
		return 0;
	return strcmp(subject, want) == 0;
}

static void classify_one(struct fingerprint *fp, const struct fp_set *set, natsMsg *m,
                         struct sc_outcome *out)
{
	const uint8_t *data = (const uint8_t *)natsMsg_GetData(m);
	size_t len = (size_t)natsMsg_GetDataLength(m);
	Scanopy__V1__ObservationBatch *batch =
	    sc_batch_decode(data, len, out->why, sizeof out->why);
	if (!batch) {
		out->verdict = SC_PARK;
		return;
	}
	if (!subject_matches(natsMsg_GetSubject(m), batch->header)) {
		snprintf(out->why, sizeof out->why,
		         "header org/network do not match the subject");
		out->verdict = SC_PARK;
		scanopy__v1__observation_batch__free_unpacked(batch, NULL);
		return;
	}

	/* The organisation's own definitions, if it has any. */
	struct fp_set *own = fp_orgsets_get(fp->orgs, batch->header->org_id);
	if (own)
		set = own;
	Scanopy__V1__ClassifiedBatch cb = SCANOPY__V1__CLASSIFIED_BATCH__INIT;
	cb.batch = batch;
	/* Matches live in the context until the next batch: packed below. A
	 * failure here is memory, which may pass: the verdict stays RETRY. */
	if (fp_classify(fp->ctx, set, batch, 0, &cb.matches, &cb.n_matches)) {
		scanopy__v1__observation_batch__free_unpacked(batch, NULL);
		fp_set_unref(own);
		return;
	}
	sc_metric_add(fp->matches, (int64_t)cb.n_matches);
	uint64_t hits = fp_ctx_limit_hits(fp->ctx);
	sc_metric_add(fp->limit_hits, (int64_t)(hits - fp->limit_seen));
	fp->limit_seen = hits;
	cb.classified_at_ms = sc_now_ms();
	cb.has_classified_at_ms = 1;
	cb.definitions_version = (char *)fp_set_version(set);

	size_t size = scanopy__v1__classified_batch__get_packed_size(&cb);
	uint8_t *buf = malloc(size ? size : 1);
	char subject[192], id[96];
	if (buf) {
		scanopy__v1__classified_batch__pack(&cb, buf);
		sc_subject(subject, sizeof subject, SC_SUBJECT_CLASSIFIED,
		           batch->header->org_id, batch->header->network_id);
		sc_batch_id(batch->header, id, sizeof id);
		/* The batch id as msg id: a redelivered raw batch republished
		 * within the duplicate window is dropped by JetStream. */
		if (sc_nats_publish(&fp->svc.nats, subject, buf, size, id, NULL, 0) == 0)
			out->verdict = SC_ACK;
	}
	free(buf);
	scanopy__v1__observation_batch__free_unpacked(batch, NULL);
	fp_set_unref(own);
}

static void on_messages(void *ctx, natsMsg **msgs, int n, struct sc_outcome *out)
{
	struct fingerprint *fp = ctx;
	/* One set for the whole fetch; a reload meanwhile applies to the next. */
	struct fp_set *set = fp_holder_get(&fp->defs);
	for (int i = 0; i < n; i++)
		classify_one(fp, set, msgs[i], &out[i]);
	fp_set_unref(set);
}

/* --check-definitions: load, run every fixture, print the matrix figure. */
static int check_definitions(const struct fp_set *set)
{
	struct fp_ctx *c = fp_ctx_new();
	struct fp_selftest st;
	if (!c)
		return 1;
	int rc = fp_selftest(set, c, stdout, &st);
	fp_ctx_free(c);
	printf("%zu definitions (%zu without a fixture); %zu of %zu fixtures named "
	       "correctly; cross-match matrix %zu x %zu: %zu self, %zu allowed overlaps, "
	       "%zu false matches; version %s\n",
	       st.defs, st.missing, st.named, st.fixtures, st.defs, st.fixtures,
	       st.self_matches, st.overlaps, st.false_matches, fp_set_version(set));
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct fingerprint fp = {.svc.name = "scanopy-fingerprint"};
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&fp.svc, "60074"),
	    {"fetch_batch", SC_OPT_INT, "256", "messages fetched per pull",
	     &fp.fetch_batch, 1, 4096},
	    {"definitions_dir", SC_OPT_STR, FP_DEFAULT_DEFINITIONS_DIR,
	     "built-in fingerprint definitions (*.yaml)", &fp.definitions_dir, 0, 0},
	    {"user_definitions_dir", SC_OPT_STR, "",
	     "your own definitions; an id here replaces the built-in one",
	     &fp.user_definitions_dir, 0, 0},
	    {"oui_dir", SC_OPT_STR, "/usr/share/ieee-data",
	     "IEEE MAC registries (Debian package ieee-data)", &fp.oui_dir, 0, 0},
	    {"print_probe_plan", SC_OPT_BOOL, "false",
	     "print the probe plan derived from the definitions as JSON and exit",
	     &fp.print_probe_plan, 0, 0},
	    {"check_definitions", SC_OPT_BOOL, "false",
	     "load the definitions, test each against its fixture and exit",
	     &fp.check_definitions, 0, 0},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&fp.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}

	const char *dirs[] = {fp.definitions_dir, fp.user_definitions_dir};
	struct fp_oui *oui = fp_oui_load(fp.oui_dir);
	struct fp_load_opts lo = {dirs, 2, oui};
	struct fp_set *set = NULL;
	if (fp_set_load(&lo, &set, NULL)) {
		/* At start there is no last good set to keep: refuse to run. */
		sc_error("no usable definitions; fix the files named above");
		fp_oui_free(oui);
		sc_config_free(opts, nopts);
		return 2;
	}
	if (fp.print_probe_plan || fp.check_definitions) {
		rc = 0;
		if (fp.print_probe_plan) {
			char *plan = fp_plan_json(set);
			rc = plan ? 0 : 1;
			if (plan)
				printf("%s\n", plan);
			free(plan);
		}
		if (fp.check_definitions && rc == 0)
			rc = check_definitions(set);
		fp_set_unref(set);
		fp_oui_free(oui);
		sc_config_free(opts, nopts);
		return rc;
	}

	fp_holder_init(&fp.defs, set);
	fp.ctx = fp_ctx_new();
	fp.matches =
	    sc_metric_register(SC_METRIC_COUNTER, "scanopy_fingerprint_matches_total",
	                       "services identified");
	fp.limit_hits = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_fingerprint_pattern_limit_total",
	    "pattern matches stopped by their limits (hostile or pathological evidence)");
	natsSubscription *sub = NULL;
	struct fp_reloader *reloader = NULL;
	rc = fp.ctx ? sc_service_start(&fp.svc, NULL, NULL, 0, false) : -1;
	if (rc == 0) {
		fp.defs.on_swap = on_swap;
		fp.defs.on_swap_ctx = &fp;
		/* The reloader registers the definitions gauge: start it first, so
		 * the metrics are complete as soon as /healthz answers. */
		reloader = fp_reloader_start(&fp.defs, &lo, fp.svc.nats.nc);
		publish_plan(&fp, set);
	}
	if (rc == 0) {
		/* Organisations' own definitions before the first batch, so none
		 * is classified without them (a slow start is waited for a while,
		 * then logged). */
		fp.orgs = fp_orgsets_start(&fp.svc.nats, (int)fp.svc.nats_replicas, &lo);
		if (fp.orgs && !fp_orgsets_wait_ready(fp.orgs, 60000))
			sc_warn("organisations' definitions still loading; consuming "
			        "meanwhile");
	}
	if (rc == 0)
		rc = sc_service_consumer(&fp.svc, SC_STREAM_RAW, SC_SUBJECT_RAW ".>",
		                         "fingerprint", &sub);
	if (rc == 0) {
		sc_info("consuming %s.> with %zu definitions, version %s (prefilter: %s)",
		        SC_SUBJECT_RAW, fp_set_size(set), fp_set_version(set),
		        fp_prefilter_accelerated() ? "hyperscan" : "none");
		rc = sc_consume_run(&fp.svc.nats, sub, (int)fp.fetch_batch, "fingerprint",
		                    on_messages, &fp);
	}
	fp_reloader_stop(reloader);
	fp_orgsets_stop(fp.orgs);
	natsSubscription_Destroy(sub);
	sc_service_stop(&fp.svc);
	fp_ctx_free(fp.ctx);
	fp_holder_destroy(&fp.defs);
	fp_oui_free(oui);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
