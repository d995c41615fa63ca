#include "sc_consume.h"

#include "sc_log.h"
#include "sc_metrics.h"
#include "sc_shutdown.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define RETRY_DELAY_MS 1000

struct consume_metrics {
	struct sc_metric *received, *acked, *retried, *parked;
};

static struct sc_metric *stage_metric(const char *stage, const char *what,
                                      const char *help)
{
	char name[96];
	snprintf(name, sizeof name, "scanopy_%s_%s_total", stage, what);
	return sc_metric_register(SC_METRIC_COUNTER, name, help);
}

/* Parks a message: republish it with the reason, then ack the original. The
 * dead-letter msg id is the original's stream sequence, so parking twice (after
 * a lost ack) keeps one copy. Returns -1 when the dead-letter stream did not
 * take it, in which case the original must stay unacked. */
static int park(struct sc_nats *n, natsMsg *m, const char *stage, const char *why)
{
	jsMsgMetaData *meta = NULL;
	char id[96] = "", subject[128];
	if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
		snprintf(id, sizeof id, "%s:%s:%" PRIu64, stage, meta->Stream,
		         meta->Sequence.Stream);
		jsMsgMetaData_Destroy(meta);
	}
	snprintf(subject, sizeof subject, "%s.%s", SC_SUBJECT_DEAD, stage);
	const char *headers[] = {"Scanopy-Reason", why, "Scanopy-Subject",
	                         natsMsg_GetSubject(m)};
	sc_warn("parking message from %s: %s", natsMsg_GetSubject(m), why);
	return sc_nats_publish(n, subject, natsMsg_GetData(m),
	                       (size_t)natsMsg_GetDataLength(m), id[0] ? id : NULL,
	                       headers, 2);
}

static void settle(struct sc_nats *n, natsMsg *m, const struct sc_outcome *o,
                   const char *stage, struct consume_metrics *cm)
{
	switch (o->verdict) {
	case SC_ACK:
		natsMsg_Ack(m, NULL);
		sc_metric_add(cm->acked, 1);
		return;
	case SC_PARK:
		if (park(n, m, stage, o->why) == 0) {
			natsMsg_Ack(m, NULL);
			sc_metric_add(cm->parked, 1);
			return;
		}
		/* the dead-letter stream is down: try again later */
		__attribute__((fallthrough));
	case SC_RETRY:
		natsMsg_NakWithDelay(m, RETRY_DELAY_MS, NULL);
		sc_metric_add(cm->retried, 1);
		return;
	}
}

int sc_consume_run(struct sc_nats *n, natsSubscription *sub, int batch, const char *stage,
                   sc_consume_fn fn, void *ctx)
{
	struct consume_metrics cm = {
	    stage_metric(stage, "received", "messages fetched from the stream"),
	    stage_metric(stage, "acked", "messages whose effect is durable"),
	    stage_metric(stage, "retried", "messages handed back for redelivery"),
	    stage_metric(stage, "parked", "messages moved to the dead-letter stream"),
	};
	struct sc_outcome *out = calloc((size_t)batch, sizeof *out);
	if (!out)
		return -1;

	while (!sc_shutdown_requested()) {
		natsMsgList list = {0};
		jsErrCode jerr = 0;
		natsStatus s = natsSubscription_Fetch(&list, sub, batch, 500, &jerr);
		if (s == NATS_TIMEOUT || (s == NATS_OK && list.Count == 0))
			continue;
		if (s != NATS_OK) {
			/* Disconnected or consumer gone: the client reconnects by itself.
			 */
			sc_debug("fetch on %s: %s", stage, natsStatus_GetText(s));
			sc_shutdown_sleep(250);
			continue;
		}
		sc_metric_add(cm.received, list.Count);
		/* A fetch can hand over more than it asked for (messages of an
		 * earlier pull that arrived around a reconnect): at most batch
		 * at a time, as fn and out expect. */
		for (int off = 0; off < list.Count; off += batch) {
			int k = list.Count - off < batch ? list.Count - off : batch;
			for (int i = 0; i < k; i++) {
				out[i].verdict = SC_RETRY;
				out[i].why[0] = '\0';
			}
			fn(ctx, list.Msgs + off, k, out);
			for (int i = 0; i < k; i++)
				settle(n, list.Msgs[off + i], &out[i], stage, &cm);
		}
		natsMsgList_Destroy(&list);
	}
	free(out);
	return 0;
}
