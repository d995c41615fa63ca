/* scanopy-topology: consumes classified batches (stream OBS_CLASSIFIED,
 * durable consumer "topology" shared by every replica) and folds them into the
 * inventory in PostgreSQL. A fetched set of messages is applied in one
 * transaction, each batch under its own savepoint, and acked only after COMMIT. */
#include "apply.h"
#include "sc_batch.h"
#include "sc_consume.h"
#include "sc_log.h"
#include "sc_service.h"

#include <stdio.h>
#include <stdlib.h>

extern const struct sc_migration inv_migrations[];
extern const size_t inv_migrations_len;

struct topology {
	struct sc_service svc;
	long fetch_batch;
};

/* Applies one message under a savepoint. A statement error rolls back that
 * batch alone and parks it, unless the connection itself broke, in which case
 * the whole transaction is lost and -1 tells the caller to retry everything. */
static int apply_one(struct topology *t, natsMsg *m, struct sc_outcome *out)
{
	PGconn *pg = t->svc.pg;
	Scanopy__V1__ClassifiedBatch *cb = sc_classified_decode(
	    (const uint8_t *)natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m),
	    out->why, sizeof out->why);
	if (!cb) {
		out->verdict = SC_PARK;
		return 0;
	}
	int rc = 0;
	if (sc_pg_exec(pg, "SAVEPOINT batch", 0, NULL)) {
		rc = -1;
	} else {
		enum apply_result r = apply_batch(pg, cb, out->why, sizeof out->why);
		if (r == APPLY_FAILED) {
			if (PQstatus(pg) != CONNECTION_OK ||
			    sc_pg_exec(pg, "ROLLBACK TO SAVEPOINT batch", 0, NULL))
				rc = -1;
			else
				out->verdict = SC_PARK;
		} else {
			out->verdict = SC_ACK; /* provisional: only if COMMIT succeeds */
			if (sc_pg_exec(pg, "RELEASE SAVEPOINT batch", 0, NULL))
				rc = -1;
		}
	}
	scanopy__v1__classified_batch__free_unpacked(cb, NULL);
	return rc;
}

static void on_messages(void *ctx, natsMsg **msgs, int n, struct sc_outcome *out)
{
	struct topology *t = ctx;
	if (!sc_pg_healthy(t->svc.pg)) {
		atomic_store(&t->svc.pg_ok, false);
		return; /* every outcome stays SC_RETRY */
	}
	atomic_store(&t->svc.pg_ok, true);
	int failed = sc_pg_exec(t->svc.pg, "BEGIN", 0, NULL);
	for (int i = 0; i < n && !failed; i++)
		failed = apply_one(t, msgs[i], &out[i]);
	if (!failed)
		failed = sc_pg_exec(t->svc.pg, "COMMIT", 0, NULL);
	if (failed) {
		PQclear(PQexec(t->svc.pg, "ROLLBACK"));
		for (int i = 0; i < n; i++)
			out[i].verdict = SC_RETRY; /* nothing of this set is durable */
	}
}

int main(int argc, char **argv)
{
	static struct topology t = {.svc.name = "scanopy-topology"};
	struct sc_option opts[] = {
	    SC_SERVICE_OPTIONS(&t.svc, "60075"),
	    {"fetch_batch", SC_OPT_INT, "128",
	     "messages fetched and committed per transaction", &t.fetch_batch, 1, 4096},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	int rc = sc_service_configure(&t.svc, opts, nopts, argc, argv);
	if (rc) {
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}

	natsSubscription *sub = NULL;
	rc = sc_service_start(&t.svc, "inv", inv_migrations, inv_migrations_len, false);
	if (rc == 0)
		rc = sc_service_consumer(&t.svc, SC_STREAM_CLASSIFIED,
		                         SC_SUBJECT_CLASSIFIED ".>", "topology", &sub);
	if (rc == 0) {
		sc_info("consuming %s.>", SC_SUBJECT_CLASSIFIED);
		rc = sc_consume_run(&t.svc.nats, sub, (int)t.fetch_batch, "topology",
		                    on_messages, &t);
	}
	natsSubscription_Destroy(sub);
	sc_service_stop(&t.svc);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
