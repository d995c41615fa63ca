#include "sc_nats.h"

#include "sc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS 1000000LL

int sc_nats_connect(struct sc_nats *n, const char *url, const char *name)
{
	natsOptions *opts = NULL;
	natsStatus s = natsOptions_Create(&opts);
	if (s == NATS_OK)
		s = natsOptions_SetURL(opts, url);
	if (s == NATS_OK)
		s = natsOptions_SetName(opts, name);
	if (s == NATS_OK) /* never give up: a service outlives NATS restarts */
		s = natsOptions_SetMaxReconnect(opts, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(opts, 250);
	if (s == NATS_OK)
		s = natsOptions_SetRetryOnFailedConnect(opts, true, NULL, NULL);
	if (s == NATS_OK)
		s = natsConnection_Connect(&n->nc, opts);
	natsOptions_Destroy(opts);
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
		sc_error("nats: cannot connect to %s: %s", url, natsStatus_GetText(s));
		return -1;
	}
	jsOptions jo;
	jsOptions_Init(&jo);
	jo.Wait = 10000; /* ms for API calls and publish acks */
	s = natsConnection_JetStream(&n->js, n->nc, &jo);
	if (s != NATS_OK) {
		sc_error("nats: no JetStream context: %s", natsStatus_GetText(s));
		natsConnection_Destroy(n->nc);
		n->nc = NULL;
		return -1;
	}
	/* With retry-on-failed-connect the first connect is asynchronous:
	 * give it a moment so start-up errors surface here, not later. */
	for (int i = 0; i < 100 && !sc_nats_connected(n); i++)
		nats_Sleep(50);
	if (!sc_nats_connected(n))
		sc_warn("nats: %s not reachable yet, retrying in the background", url);
	return 0;
}

void sc_nats_close(struct sc_nats *n)
{
	if (n->js)
		jsCtx_Destroy(n->js);
	if (n->nc) {
		natsConnection_Close(n->nc);
		natsConnection_Destroy(n->nc);
	}
	n->js = NULL;
	n->nc = NULL;
}

bool sc_nats_connected(const struct sc_nats *n)
{
	return n->nc && natsConnection_Status(n->nc) == NATS_CONN_STATUS_CONNECTED;
}

static int ensure_stream(struct sc_nats *n, const char *name, const char *subject,
                         int64_t max_age_ms, int replicas)
{
	jsStreamConfig cfg;
	jsStreamConfig_Init(&cfg);
	cfg.Name = name;
	cfg.Subjects = &subject;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Retention = js_LimitsPolicy;
	cfg.MaxAge = max_age_ms * NS_PER_MS;
	cfg.Duplicates =
	    10 * 60 * 1000 * NS_PER_MS; /* covers a resend after a long outage */
	cfg.Replicas = replicas;

	jsErrCode jerr = 0;
	jsStreamInfo *si = NULL;
	natsStatus s = js_AddStream(&si, n->js, &cfg, NULL, &jerr);
	if (s != NATS_OK && jerr == JSStreamNameExistErr)
		s = js_UpdateStream(&si, n->js, &cfg, NULL, &jerr);
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK) {
		sc_error("nats: stream %s: %s (%d)", name, natsStatus_GetText(s), jerr);
		return -1;
	}
	return 0;
}

int sc_nats_ensure_streams(struct sc_nats *n, int replicas)
{
	const int64_t week = 7LL * 24 * 3600 * 1000;
	if (ensure_stream(n, SC_STREAM_RAW, SC_SUBJECT_RAW ".>", week, replicas) ||
	    ensure_stream(n, SC_STREAM_CLASSIFIED, SC_SUBJECT_CLASSIFIED ".>", week,
	                  replicas) ||
	    ensure_stream(n, SC_STREAM_DEAD, SC_SUBJECT_DEAD ".>", 4 * week, replicas))
		return -1;
	return 0;
}

int sc_nats_pull_consumer(struct sc_nats *n, const char *stream, const char *filter,
                          const char *durable, natsSubscription **sub)
{
	jsConsumerConfig cc;
	jsConsumerConfig_Init(&cc);
	cc.Durable = durable;
	cc.FilterSubject = filter;
	cc.AckPolicy = js_AckExplicit;
	cc.DeliverPolicy = js_DeliverAll;
	cc.AckWait = 10000 * NS_PER_MS; /* how soon a crashed replica's messages return */
	cc.MaxAckPending = 20000;
	cc.MaxDeliver = -1; /* poison input is parked by the consumer, not dropped here */

	/* Create the consumer, or bring an existing one (from an older release)
	 * to this configuration, then bind to it without re-checking it. */
	jsErrCode jerr = 0;
	natsStatus s = js_AddConsumer(NULL, n->js, stream, &cc, NULL, &jerr);
	if (s != NATS_OK && jerr == JSConsumerNameExistErr)
		s = js_UpdateConsumer(NULL, n->js, stream, &cc, NULL, &jerr);
	if (s == NATS_OK) {
		jsSubOptions so;
		jsSubOptions_Init(&so);
		so.Stream = stream;
		so.Consumer = durable;
		s = js_PullSubscribe(sub, n->js, filter, durable, NULL, &so, &jerr);
	}
	if (s != NATS_OK) {
		sc_error("nats: consumer %s on %s: %s (%d)", durable, stream,
		         natsStatus_GetText(s), jerr);
		return -1;
	}
	return 0;
}

int sc_nats_publish(struct sc_nats *n, const char *subject, const void *data, size_t len,
                    const char *msg_id, const char *const *headers, size_t nheaders)
{
	natsMsg *msg = NULL;
	natsStatus s = natsMsg_Create(&msg, subject, NULL, data, (int)len);
	for (size_t i = 0; s == NATS_OK && i < nheaders; i++)
		s = natsMsgHeader_Set(msg, headers[2 * i], headers[2 * i + 1]);
	jsPubOptions po;
	jsPubOptions_Init(&po);
	po.MsgId = msg_id;
	jsErrCode jerr = 0;
	jsPubAck *ack = NULL;
	if (s == NATS_OK)
		s = js_PublishMsg(&ack, n->js, msg, &po, &jerr);
	jsPubAck_Destroy(ack);
	natsMsg_Destroy(msg);
	if (s != NATS_OK) {
		sc_warn("nats: publish on %s not acknowledged: %s (%d)", subject,
		        natsStatus_GetText(s), jerr);
		return -1;
	}
	return 0;
}

int sc_nats_kv_open(struct sc_nats *n, const char *bucket, int replicas, kvStore **kv)
{
	kvConfig cfg;
	kvConfig_Init(&cfg);
	cfg.Bucket = bucket;
	cfg.History = 1;
	cfg.StorageType = js_FileStorage;
	cfg.Replicas = replicas;
	*kv = NULL;
	/* Creating an existing bucket with the same configuration is a no-op. */
	natsStatus s = js_CreateKeyValue(kv, n->js, &cfg);
	if (s != NATS_OK)
		s = js_KeyValue(kv, n->js, bucket);
	if (s != NATS_OK) {
		sc_error("nats: cannot open bucket %s: %s", bucket,
		         natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

int sc_nats_kv_put(struct sc_nats *n, const char *bucket, const char *key,
                   const char *value, int replicas)
{
	kvStore *kv = NULL;
	if (sc_nats_kv_open(n, bucket, replicas, &kv))
		return -1;
	natsStatus s = kvStore_PutString(NULL, kv, key, value);
	kvStore_Destroy(kv);
	if (s != NATS_OK) {
		sc_error("nats: cannot store %s/%s: %s", bucket, key,
		         natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

int sc_nats_kv_delete(struct sc_nats *n, const char *bucket, const char *key,
                      int replicas)
{
	kvStore *kv = NULL;
	if (sc_nats_kv_open(n, bucket, replicas, &kv))
		return -1;
	natsStatus s = kvStore_Delete(kv, key);
	kvStore_Destroy(kv);
	if (s != NATS_OK && s != NATS_NOT_FOUND) {
		sc_error("nats: cannot delete %s/%s: %s", bucket, key,
		         natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

int sc_nats_kv_get(struct sc_nats *n, const char *bucket, const char *key, char **value)
{
	*value = NULL;
	kvStore *kv = NULL;
	kvEntry *e = NULL;
	natsStatus s = js_KeyValue(&kv, n->js, bucket);
	if (s == NATS_OK)
		s = kvStore_Get(&e, kv, key);
	if (s == NATS_OK) {
		const void *v = kvEntry_Value(e);
		int len = kvEntry_ValueLen(e);
		if ((*value = malloc((size_t)len + 1))) {
			memcpy(*value, v, (size_t)len);
			(*value)[len] = '\0';
		}
	}
	kvEntry_Destroy(e);
	kvStore_Destroy(kv);
	if (s == NATS_NOT_FOUND)
		return 1;
	if (s != NATS_OK) {
		sc_error("nats: cannot read %s/%s: %s", bucket, key,
		         natsStatus_GetText(s));
		return -1;
	}
	return *value ? 0 : -1;
}

bool sc_subject_token_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '.' || *p == '*' || *p == '>' || *p >= 0x7f)
			return false;
	return true;
}

int sc_subject(char *buf, size_t len, const char *prefix, const char *org,
               const char *network)
{
	if (!sc_subject_token_ok(org) || !sc_subject_token_ok(network))
		return -1;
	int w = snprintf(buf, len, "%s.%s.%s", prefix, org, network);
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}
