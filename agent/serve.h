/* The ServerPoll daemon's HTTP API (libmicrohttpd), for the server that calls
 * it; every route needs "Authorization: Bearer <call key>", checked in
 * constant time against the key's SHA-256, the only form the daemon keeps:
 *
 *   GET  /v1/status                 who this is, its spool, the current job
 *   POST /v1/jobs                   a Job (application/x-protobuf, or the JSON
 *                                   the gateway's heartbeat hands out): 202,
 *                                   or 409 while another session runs
 *   GET  /v1/jobs/{session}         the job's state and progress
 *   POST /v1/jobs/{session}/cancel  stop it (202)
 *   GET  /v1/results?max=N          the oldest spooled ObservationBatches,
 *                                   {batches: [{sequence, data (base64)}]}
 *   POST /v1/results/ack {up_to}    the server has them durably: drop them
 *
 * A pull that is lost loses nothing: batches leave the spool only on ack.
 * With listen_tls_cert and listen_tls_key it is HTTPS; the certificate's
 * public key pin, logged at start, is what the server checks it against. */
#ifndef AGENT_SERVE_H
#define AGENT_SERVE_H

#include "job_slot.h"
#include "link.h"
#include "outbox.h"
#include "sc_tls_pem.h"

#include <stdint.h>

struct serve_cfg {
	const char *bind, *daemon_id, *name;
	long port;
	uint8_t key_sha256[32];
	struct job_slot *slot;
	struct outbox *outbox;
	struct link *link; /* each authorized call is a contact (may be NULL) */
	const struct sc_tls_pem *tls; /* HTTPS when on (sc_tls_pem_on) */
};

struct serve;

/* Listens; NULL when it cannot (logged). cfg must outlive the server. */
struct serve *serve_start(const struct serve_cfg *cfg);
void serve_stop(struct serve *s);

/* The SHA-256 of a call key given as itself or as 64 hex digits
 * (call_key_sha256). 0, or -1 when neither is usable. */
int serve_key_hash(const char *key, const char *key_sha256_hex, uint8_t out[32]);

#endif
