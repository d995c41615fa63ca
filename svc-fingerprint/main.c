/* scanopy-fingerprint: consumes raw observation batches (stream OBS_RAW,
 * durable consumer "fingerprint" shared by every replica), classifies them and
 * publishes ClassifiedBatch on scanopy.obs.classified.<org>.<network>. A raw
 * message is acked only once the classified batch is in its stream. */
#include "sc_batch.h"
#include "sc_consume.h"
#include "sc_log.h"
#include "sc_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Digest of the loaded definition set; "none" until definitions exist. */
#define DEFINITIONS_VERSION "none"

struct fingerprint {
	struct sc_service svc;
	long fetch_batch;
};

/* The raw subject's org and network must be the ones in the header: the
 * gateway stamps the subject, so a mismatch is a forged or corrupt batch. */
static int subject_matches(const char *subject, const Scanopy__V1__BatchHeader *h)
{
	char want[192];
	if (sc_subject(want, sizeof want, SC_SUBJECT_RAW, h->org_id, h->network_id))
		return 0;
	return strcmp(subject, want) == 0;
}

static void classify_one(struct fingerprint *fp, natsMsg *m, struct sc_outcome *out)
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

	Scanopy__V1__ClassifiedBatch cb = SCANOPY__V1__CLASSIFIED_BATCH__INIT;
	cb.batch = batch;
	/* No definitions are loaded yet: the definition engine (issue 6) fills
	 * cb.matches here. Until then every batch passes with no matches. */
	cb.classified_at_ms = sc_now_ms();
	cb.has_classified_at_ms = 1;
	cb.definitions_version = (char *)DEFINITIONS_VERSION;

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
}

static void on_messages(void *ctx, natsMsg **msgs, int n, struct sc_outcome *out)
{
	for (int i = 0; i < n; i++)
		classify_one(ctx, msgs[i], &out[i]);
}

int main(int argc, char **argv)
{
	static struct fingerprint fp = {.svc.name = "scanopy-fingerprint"};
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&fp.svc, "60074"),
	    {"fetch_batch", SC_OPT_INT, "256", "messages fetched per pull",
	     &fp.fetch_batch, 1, 4096},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&fp.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}

	natsSubscription *sub = NULL;
	rc = sc_service_start(&fp.svc, NULL, NULL, 0, false);
	if (rc == 0)
		rc = sc_nats_pull_consumer(&fp.svc.nats, SC_STREAM_RAW,
		                           SC_SUBJECT_RAW ".>", "fingerprint", &sub);
	if (rc == 0) {
		sc_info("consuming %s.> (definitions: %s)", SC_SUBJECT_RAW,
		        DEFINITIONS_VERSION);
		rc = sc_consume_run(&fp.svc.nats, sub, (int)fp.fetch_batch, "fingerprint",
		                    on_messages, &fp);
	}
	natsSubscription_Destroy(sub);
	sc_service_stop(&fp.svc);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
