/* The consumer loop shared by the bus's stages: fetch a batch of messages from
 * a durable pull consumer, let the stage decide each message's fate, then act
 * on it. Only the stage knows when its effect is durable; this loop guarantees
 * the ack comes after that, a retry comes back later, and a message that can
 * never succeed is parked on the dead-letter stream instead of looping. */
#ifndef SC_CONSUME_H
#define SC_CONSUME_H

#include "sc_nats.h"

enum sc_verdict {
	SC_ACK,   /* its effect is durable: acknowledge */
	SC_RETRY, /* a transient failure (a peer is down): redeliver later */
	SC_PARK,  /* it can never succeed: move to the dead-letter stream */
};

struct sc_outcome {
	enum sc_verdict verdict;
	char why[192]; /* for SC_PARK: logged and kept in the parked message */
};

/* Decides the fate of msgs[0..n); every outcome starts as SC_RETRY. */
typedef void (*sc_consume_fn)(void *ctx, natsMsg **msgs, int n, struct sc_outcome *out);

/* Runs until shutdown is requested. `stage` names the metrics and the
 * dead-letter subject (scanopy.obs.dead.<stage>). */
int sc_consume_run(struct sc_nats *n, natsSubscription *sub, int batch, const char *stage,
                   sc_consume_fn fn, void *ctx);

#endif
