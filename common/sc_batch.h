/* Decoding and validating observation batches: the one place where bytes from
 * the bus become trusted structures, shared by every consumer. */
#ifndef SC_BATCH_H
#define SC_BATCH_H

#include "classified.pb-c.h"
#include "observation.pb-c.h"

#include <stddef.h>
#include <stdint.h>

/* Unpacks and checks a raw batch: a header with safe org, network and daemon
 * ids and a sequence number. NULL with the reason in `why` otherwise.
 * Free with scanopy__v1__observation_batch__free_unpacked(b, NULL). */
Scanopy__V1__ObservationBatch *sc_batch_decode(const uint8_t *data, size_t len, char *why,
                                               size_t whylen);

/* Same checks for a classified batch (the header of its inner batch). */
Scanopy__V1__ClassifiedBatch *sc_classified_decode(const uint8_t *data, size_t len,
                                                   char *why, size_t whylen);

/* Checks a header; 0 when valid, else -1 with the reason. */
int sc_batch_header_check(const Scanopy__V1__BatchHeader *h, char *why, size_t whylen);

/* "<daemon>:<sequence>": the batch's identity, used as the JetStream msg id. */
int sc_batch_id(const Scanopy__V1__BatchHeader *h, char *buf, size_t len);

/* A batch as a daemon sent it, re-packed with the ids of who delivered it
 * (organisation, network and daemon from the server's own records, never
 * from the body), ready for SC_SUBJECT_RAW: *out (caller frees) and the
 * batch id for the msg id. -1 with the reason when it is not a batch with a
 * sequence number. */
int sc_batch_stamp(const uint8_t *in, size_t len, const char *org, const char *network,
                   const char *daemon, uint8_t **out, size_t *outlen, char *id,
                   size_t idlen, char *why, size_t whylen);

int64_t sc_now_ms(void);

#endif
