/* obs-publish: publishes synthetic observation batches on the raw subject, as
 * a daemon would, for the integration tests and benchmarks. Batch k carries
 * sequence start+k and one HostSeen plus one open PortState for an address
 * derived from the sequence, so every batch leaves a distinct, checkable row.
 *
 *   obs-publish --nats-url URL --org-id ID --network-id ID --daemon-id ID
 *               [--count N] [--start 1] [--garbage] [--write FILE]
 * --garbage publishes one message that is not a protobuf instead; --write
 * writes batch --start to FILE instead of publishing (for HTTP ingest tests;
 * with --count N, N length-prefixed batches, see write_batches).
 * --json FILE publishes the batches in FILE instead: a JSON array of
 * {"sequence"?: N, "observations": [Observation as JSON, see sc_pbjson.h]}
 * (sequence defaults to --start + index); --shuffle SEED publishes them in a
 * seeded random order. */
#include "observation.pb-c.h"
#include "sc_batch.h"
#include "sc_config.h"
#include "sc_log.h"
#include "sc_nats.h"
#include "sc_pbjson.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct args {
	char *nats_url, *org_id, *network_id, *daemon_id;
	long count, start;
	bool garbage;
	char *write, *json;
	long shuffle;
};

/* Packs batch `seq` into buf (512 bytes); returns its length. */
static size_t pack_one(const struct args *a, uint64_t seq, uint8_t *buf)
{
	char ip[32];
	snprintf(ip, sizeof ip, "10.%u.%u.%u", (unsigned)(seq >> 16) & 0xff,
	         (unsigned)(seq >> 8) & 0xff, (unsigned)seq & 0xff);
	Scanopy__V1__HostSeen host = SCANOPY__V1__HOST_SEEN__INIT;
	host.ip = ip;
	host.evidence = SCANOPY__V1__EVIDENCE__EVIDENCE_ARP;
	host.has_evidence = 1;
	Scanopy__V1__PortState port = SCANOPY__V1__PORT_STATE__INIT;
	port.ip = ip;
	port.protocol = SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
	port.has_protocol = 1;
	port.port = 22;
	port.has_port = 1;
	port.status = SCANOPY__V1__PORT_STATUS__PORT_OPEN;
	port.has_status = 1;
	Scanopy__V1__Observation o1 = SCANOPY__V1__OBSERVATION__INIT,
	                         o2 = SCANOPY__V1__OBSERVATION__INIT;
	o1.kind_case = SCANOPY__V1__OBSERVATION__KIND_HOST;
	o1.host = &host;
	o2.kind_case = SCANOPY__V1__OBSERVATION__KIND_PORT;
	o2.port = &port;
	Scanopy__V1__Observation *obs[] = {&o1, &o2};

	Scanopy__V1__BatchHeader h = SCANOPY__V1__BATCH_HEADER__INIT;
	h.org_id = a->org_id;
	h.network_id = a->network_id;
	h.daemon_id = a->daemon_id;
	h.sequence = seq;
	h.has_sequence = 1;
	h.sent_at_ms = sc_now_ms();
	h.has_sent_at_ms = 1;
	Scanopy__V1__ObservationBatch b = SCANOPY__V1__OBSERVATION_BATCH__INIT;
	b.header = &h;
	b.observations = obs;
	b.n_observations = 2;

	return scanopy__v1__observation_batch__pack(&b, buf);
}

static int publish_one(struct sc_nats *n, const struct args *a, const char *subject,
                       uint64_t seq)
{
	uint8_t buf[512];
	char id[96];
	size_t len = pack_one(a, seq, buf);
	snprintf(id, sizeof id, "%s:%llu", a->daemon_id, (unsigned long long)seq);
	return sc_nats_publish(n, subject, buf, len, id, NULL, 0);
}

/* Writes batch --start to --write; with --count N > 1, batches start..start+N-1
 * as records of a 4-byte big-endian length and the batch (for wrk's ingest
 * script, which sends them in turn). */
static int write_batches(const struct args *a)
{
	FILE *f = fopen(a->write, "wb");
	int rc = f ? 0 : -1;
	for (long k = 0; rc == 0 && k < a->count; k++) {
		uint8_t buf[512], len4[4];
		size_t len = pack_one(a, (uint64_t)(a->start + k), buf);
		len4[0] = (uint8_t)(len >> 24), len4[1] = (uint8_t)(len >> 16);
		len4[2] = (uint8_t)(len >> 8), len4[3] = (uint8_t)len;
		if ((a->count > 1 && fwrite(len4, 1, 4, f) != 4) ||
		    fwrite(buf, 1, len, f) != len)
			rc = -1;
	}
	if (f && fclose(f))
		rc = -1;
	if (rc)
		fprintf(stderr, "obs-publish: cannot write %s\n", a->write);
	return rc;
}

/* Publishes every batch of a JSON file, in file order or shuffled. */
static int publish_json(struct sc_nats *n, const struct args *a, const char *subject)
{
	json_error_t je;
	json_t *all = json_load_file(a->json, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_array(all)) {
		fprintf(stderr, "obs-publish: %s: %s\n", a->json,
		        all ? "not an array" : je.text);
		json_decref(all);
		return -1;
	}
	size_t nb = json_array_size(all), *order = calloc(nb ? nb : 1, sizeof *order);
	for (size_t i = 0; i < nb; i++)
		order[i] = i;
	if (a->shuffle) {
		srand((unsigned)a->shuffle);
		for (size_t i = nb; i > 1; i--) {
			size_t j = (size_t)rand() % i, t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
	}
	int rc = 0;
	for (size_t k = 0; k < nb && rc == 0; k++) {
		json_t *item = json_array_get(all, order[k]);
		json_t *seqj = json_object_get(item, "sequence");
		uint64_t seq = json_is_integer(seqj) ? (uint64_t)json_integer_value(seqj)
		                                     : (uint64_t)a->start + order[k];
		char err[256];
		json_t *body = json_pack("{s:O?}", "observations",
		                         json_object_get(item, "observations"));
		Scanopy__V1__ObservationBatch *b =
		    (Scanopy__V1__ObservationBatch *)sc_pbjson_parse(
		        &scanopy__v1__observation_batch__descriptor, body, err,
		        sizeof err);
		json_decref(body);
		if (!b) {
			fprintf(stderr, "obs-publish: batch %zu: %s\n", order[k], err);
			rc = -1;
			break;
		}
		Scanopy__V1__BatchHeader h = SCANOPY__V1__BATCH_HEADER__INIT;
		h.org_id = a->org_id;
		h.network_id = a->network_id;
		h.daemon_id = a->daemon_id;
		h.sequence = seq;
		h.has_sequence = 1;
		h.sent_at_ms =
		    1700000000000 + (int64_t)seq; /* fixed: replays are identical */
		h.has_sent_at_ms = 1;
		b->header = &h;
		size_t len = scanopy__v1__observation_batch__get_packed_size(b);
		uint8_t *buf = malloc(len ? len : 1);
		scanopy__v1__observation_batch__pack(b, buf);
		b->header = NULL;
		scanopy__v1__observation_batch__free_unpacked(b, NULL);
		char id[96];
		snprintf(id, sizeof id, "%s:%llu", a->daemon_id, (unsigned long long)seq);
		rc = sc_nats_publish(n, subject, buf, len, id, NULL, 0);
		free(buf);
	}
	free(order);
	json_decref(all);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct sc_option opts[] = {
	    {"nats_url", SC_OPT_STR, "nats://127.0.0.1:4222", "NATS URL", &a.nats_url, 0,
	     0},
	    {"org_id", SC_OPT_STR, NULL, "organisation id", &a.org_id, 0, 0},
	    {"network_id", SC_OPT_STR, NULL, "network id", &a.network_id, 0, 0},
	    {"daemon_id", SC_OPT_STR, NULL, "daemon id", &a.daemon_id, 0, 0},
	    {"count", SC_OPT_INT, "1", "batches to publish", &a.count, 0, 100000000},
	    {"start", SC_OPT_INT, "1", "first sequence number", &a.start, 1, 1L << 40},
	    {"garbage", SC_OPT_BOOL, "false", "publish one malformed message", &a.garbage,
	     0, 0},
	    {"write", SC_OPT_STR, NULL, "write the batches to this file instead",
	     &a.write, 0, 0},
	    {"json", SC_OPT_STR, NULL, "publish the batches of this JSON file", &a.json,
	     0, 0},
	    {"shuffle", SC_OPT_INT, "0",
	     "with --json: publish in an order seeded by this", &a.shuffle, 0, 1L << 30},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	char err[256], subject[192];
	int npos, rc = 1;
	sc_log_init("obs-publish");
	int cr = sc_config_load(opts, nopts, NULL, argc, argv, &npos, err, sizeof err);
	if (cr) {
		if (cr < 0)
			fprintf(stderr, "obs-publish: %s\n", err);
		sc_config_free(opts, nopts);
		return cr < 0 ? 2 : 0;
	}
	struct sc_nats n = {0};
	if (a.write && a.org_id && a.network_id && a.daemon_id) {
		rc = write_batches(&a) ? 1 : 0;
	} else if (sc_subject(subject, sizeof subject, SC_SUBJECT_RAW, a.org_id,
	                      a.network_id) ||
	           !sc_subject_token_ok(a.daemon_id)) {
		fprintf(
		    stderr,
		    "obs-publish: --org-id, --network-id and --daemon-id are required\n");
	} else if (sc_nats_connect(&n, a.nats_url, "obs-publish", NULL) == 0 &&
	           sc_nats_ensure_streams(&n, 1) == 0) {
		rc = 0;
		if (a.garbage) {
			static const char junk[] = "\xff\xff\xff\xff not a protobuf";
			rc = sc_nats_publish(&n, subject, junk, sizeof junk - 1, NULL,
			                     NULL, 0);
		}
		if (a.json)
			rc = publish_json(&n, &a, subject);
		for (long i = 0; !a.json && !a.garbage && rc == 0 && i < a.count; i++)
			rc = publish_one(&n, &a, subject, (uint64_t)(a.start + i));
	}
	sc_nats_close(&n);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
