/* NATS and JetStream helpers: one way to connect, one definition of the
 * project's streams, durable pull consumers, and publishing that waits for the
 * stream's ack (so a caller acks its input only after the output is durable). */
#ifndef SC_NATS_H
#define SC_NATS_H

#include <nats/nats.h>
#include <stdbool.h>
#include <stddef.h>

#define SC_STREAM_RAW "OBS_RAW"
#define SC_STREAM_CLASSIFIED "OBS_CLASSIFIED"
#define SC_STREAM_DEAD "OBS_DEAD"
#define SC_SUBJECT_RAW "scanopy.obs.raw"
#define SC_SUBJECT_CLASSIFIED "scanopy.obs.classified"
#define SC_SUBJECT_DEAD "scanopy.obs.dead"

struct sc_nats {
	natsConnection *nc;
	jsCtx *js;
};

/* Connects (retrying in the background until the server is up, reconnecting
 * forever afterwards) and opens a JetStream context. */
int sc_nats_connect(struct sc_nats *n, const char *url, const char *name);
void sc_nats_close(struct sc_nats *n);
bool sc_nats_connected(const struct sc_nats *n);

/* Creates or updates the observation streams (idempotent, any replica may
 * call it at start). `replicas` is 1 for a single server, 3 in a cluster. */
int sc_nats_ensure_streams(struct sc_nats *n, int replicas);

/* Binds to a durable pull consumer shared by every replica of a service. */
int sc_nats_pull_consumer(struct sc_nats *n, const char *stream, const char *filter,
                          const char *durable, natsSubscription **sub);

/* Publishes and waits for the stream's ack. A non-NULL msg_id lets JetStream
 * drop a duplicate sent again within the stream's duplicate window. Optional
 * header (name, value) pairs, nheaders of them. */
int sc_nats_publish(struct sc_nats *n, const char *subject, const void *data, size_t len,
                    const char *msg_id, const char *const *headers, size_t nheaders);

/* A small shared document in a JetStream key-value bucket (created on first
 * put, with `replicas` copies): one service writes it, others read it. */
#define SC_KV_PLAN "scanopy_plan" /* bucket of the fingerprint probe plan */
/* Organisations' own fingerprint definitions, one key per organisation id
 * (the gateway writes, every fingerprint replica watches). */
#define SC_KV_DEFS "scanopy_defs"
/* The bucket (created if missing); the caller kvStore_Destroy()s it. */
int sc_nats_kv_open(struct sc_nats *n, const char *bucket, int replicas, kvStore **kv);
int sc_nats_kv_delete(struct sc_nats *n, const char *bucket, const char *key,
                      int replicas);
int sc_nats_kv_put(struct sc_nats *n, const char *bucket, const char *key,
                   const char *value, int replicas);
/* *value (caller frees) is the current value; 1 when the bucket or key does
 * not exist yet, -1 on an error (logged). */
int sc_nats_kv_get(struct sc_nats *n, const char *bucket, const char *key, char **value);

/* "<prefix>.<org>.<network>"; -1 when an id is not a safe subject token. */
int sc_subject(char *buf, size_t len, const char *prefix, const char *org,
               const char *network);
/* True for a non-empty token without '.', '*', '>', whitespace or control. */
bool sc_subject_token_ok(const char *s);

#endif
