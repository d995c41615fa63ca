/* Server-sent events. Each stream has a NATS subscription on its tenant's
 * event subject; a message is turned into "event: <kind>\ndata: <json>\n\n"
 * and queued on the stream. An idle stream is suspended in MHD (it holds no
 * thread); a message, or the keep-alive thread every 15 s, resumes it. A
 * stream is freed when both MHD (the response) and NATS (the subscription's
 * completion) are done with it. */
#include "events.h"

#include "http.h"
#include "reply.h"
#include "request.h"
#include "routes.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "sc_metrics.h"
#include "sc_pbjson.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEPALIVE_MS 15000
#define STREAM_BACKLOG (1 << 20) /* bytes queued for a slow reader */

struct stream {
	pthread_mutex_t mu;
	int refs; /* the MHD response and the NATS subscription */
	struct MHD_Connection *conn;
	bool suspended, closed;
	char *buf;
	size_t len, off;
	natsSubscription *sub;
	char *networks; /* a restricted member's networks, comma-separated; NULL: all */
	int64_t last_ms;
	struct stream *next, *prev;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct stream *head;
	pthread_t thread;
	bool running, stop;
} hub = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, false, false};

static struct sc_metric *m_streams, *m_dropped;

void events_publish(struct gateway *gw, const Scanopy__V1__Event *ev)
{
	char subject[160];
	if (sc_subject(subject, sizeof subject, EVENTS_SUBJECT, ev->org_id,
	               ev->network_id))
		return;
	size_t len = scanopy__v1__event__get_packed_size(ev);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return;
	scanopy__v1__event__pack(ev, buf);
	natsStatus s = natsConnection_Publish(gw->svc.nats.nc, subject, buf, (int)len);
	if (s != NATS_OK)
		sc_warn("events: not published on %s: %s", subject,
		        natsStatus_GetText(s));
	free(buf);
}

static void daemon_status(struct gateway *gw, const char *org, const char *network,
                          const char *daemon_id, bool online, const char *version,
                          int64_t last_seen_ms)
{
	Scanopy__V1__DaemonStatus ds = SCANOPY__V1__DAEMON_STATUS__INIT;
	ds.daemon_id = (char *)daemon_id;
	ds.has_online = 1;
	ds.online = online;
	ds.version = (char *)version;
	ds.has_last_seen_ms = 1;
	ds.last_seen_ms = last_seen_ms;
	Scanopy__V1__Event ev = SCANOPY__V1__EVENT__INIT;
	ev.has_at_ms = 1;
	ev.at_ms = sc_now_ms();
	ev.org_id = (char *)org;
	ev.network_id = (char *)network;
	ev.kind_case = SCANOPY__V1__EVENT__KIND_DAEMON;
	ev.daemon = &ds;
	events_publish(gw, &ev);
}

void events_daemon_online(struct gateway *gw, const char *org, const char *network,
                          const char *daemon_id, const char *version)
{
	daemon_status(gw, org, network, daemon_id, true, version, sc_now_ms());
}

void events_daemon_offline(struct gateway *gw, const char *org, const char *network,
                           const char *daemon_id, int64_t last_seen_ms)
{
	daemon_status(gw, org, network, daemon_id, false, NULL, last_seen_ms);
}

static void stream_unref(struct stream *st)
{
	pthread_mutex_lock(&st->mu);
	int left = --st->refs;
	pthread_mutex_unlock(&st->mu);
	if (left)
		return;
	natsSubscription_Destroy(st->sub);
	pthread_mutex_destroy(&st->mu);
	free(st->buf);
	free(st->networks);
	free(st);
	sc_metric_add(m_streams, -1);
}

/* Appends text; under st->mu. */
static void stream_append(struct stream *st, const char *text)
{
	size_t n = strlen(text);
	if (st->len - st->off + n > STREAM_BACKLOG) {
		sc_metric_add(m_dropped, 1); /* a reader this far behind loses it */
		return;
	}
	if (st->off) { /* compact what was sent */
		memmove(st->buf, st->buf + st->off, st->len - st->off);
		st->len -= st->off;
		st->off = 0;
	}
	char *grown = realloc(st->buf, st->len + n);
	if (!grown)
		return;
	memcpy(grown + st->len, text, n);
	st->buf = grown;
	st->len += n;
}

/* Under st->mu: a suspended stream goes back to MHD to be written. */
static void stream_wake(struct stream *st)
{
	if (st->suspended) {
		st->suspended = false;
		MHD_resume_connection(st->conn);
	}
}

static const char *kind_name(const Scanopy__V1__Event *ev)
{
	switch (ev->kind_case) {
	case SCANOPY__V1__EVENT__KIND_SESSION:
		return "session";
	case SCANOPY__V1__EVENT__KIND_TOPOLOGY:
		return "topology";
	case SCANOPY__V1__EVENT__KIND_DAEMON:
		return "daemon";
	default:
		return "event";
	}
}

static void on_event(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *ctx)
{
	(void)nc;
	(void)sub;
	struct stream *st = ctx;
	Scanopy__V1__Event *ev =
	    scanopy__v1__event__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
	                               (const uint8_t *)natsMsg_GetData(msg));
	natsMsg_Destroy(msg);
	if (!ev)
		return;
	if (st->networks && (!ev->network_id || !is_uuid(ev->network_id) ||
	                     !strstr(st->networks, ev->network_id))) {
		scanopy__v1__event__free_unpacked(ev, NULL);
		return; /* a network this member was not granted */
	}
	json_t *j = sc_pbjson_from(&ev->base);
	char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	size_t n = data ? strlen(data) + 64 : 0;
	char *text = data ? malloc(n) : NULL;
	if (text) {
		snprintf(text, n, "event: %s\ndata: %s\n\n", kind_name(ev), data);
		pthread_mutex_lock(&st->mu);
		if (!st->closed) {
			stream_append(st, text);
			stream_wake(st);
		}
		pthread_mutex_unlock(&st->mu);
	}
	free(text);
	free(data);
	scanopy__v1__event__free_unpacked(ev, NULL);
}

static void on_subscription_done(void *ctx)
{
	stream_unref(ctx);
}

static ssize_t read_stream(void *ctx, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream *st = ctx;
	ssize_t n = 0;
	pthread_mutex_lock(&st->mu);
	int64_t now = sc_now_ms();
	if (st->closed) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else if (st->len > st->off) {
		size_t k = st->len - st->off < max ? st->len - st->off : max;
		memcpy(out, st->buf + st->off, k);
		st->off += k;
		st->last_ms = now;
		n = (ssize_t)k;
	} else if (now - st->last_ms >= KEEPALIVE_MS && max > 16) {
		/* A comment line: keeps proxies from closing an idle stream, and
		 * finds out whether the client is still there. */
		memcpy(out, ":\n\n", 3);
		st->last_ms = now;
		n = 3;
	} else {
		st->suspended = true;
		MHD_suspend_connection(st->conn);
	}
	pthread_mutex_unlock(&st->mu);
	return n;
}

static void hub_remove(struct stream *st)
{
	pthread_mutex_lock(&hub.mu);
	if (st->prev)
		st->prev->next = st->next;
	else if (hub.head == st)
		hub.head = st->next;
	if (st->next)
		st->next->prev = st->prev;
	st->next = st->prev = NULL;
	pthread_mutex_unlock(&hub.mu);
}

/* MHD is done with the response: the client left or the gateway stops. */
static void stream_done(void *ctx)
{
	struct stream *st = ctx;
	hub_remove(st);
	pthread_mutex_lock(&st->mu);
	st->closed = true;
	pthread_mutex_unlock(&st->mu);
	if (natsSubscription_Unsubscribe(st->sub) != NATS_OK)
		stream_unref(st); /* no completion will come */
	stream_unref(st);
}

/* Resumes the streams due a keep-alive (and, on stop, all of them). */
static void *keepalive(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hub.mu);
	while (!hub.stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		pthread_cond_timedwait(&hub.cv, &hub.mu, &until);
		int64_t now = sc_now_ms();
		for (struct stream *st = hub.head; st; st = st->next) {
			pthread_mutex_lock(&st->mu);
			if (hub.stop)
				st->closed = true;
			if (hub.stop || now - st->last_ms >= KEEPALIVE_MS)
				stream_wake(st);
			pthread_mutex_unlock(&st->mu);
		}
	}
	pthread_mutex_unlock(&hub.mu);
	return NULL;
}

int events_start(struct gateway *gw)
{
	(void)gw;
	m_streams = sc_metric_register(SC_METRIC_GAUGE, "scanopy_gateway_event_streams",
	                               "server-sent event streams open");
	m_dropped = sc_metric_register(
	    SC_METRIC_COUNTER, "scanopy_gateway_events_dropped_total",
	    "events not queued because a stream's reader was too slow");
	hub.stop = false;
	if (pthread_create(&hub.thread, NULL, keepalive, NULL))
		return -1;
	hub.running = true;
	return 0;
}

void events_stop(void)
{
	if (!hub.running)
		return;
	pthread_mutex_lock(&hub.mu);
	hub.stop = true;
	pthread_cond_signal(&hub.cv);
	pthread_mutex_unlock(&hub.mu);
	pthread_join(hub.thread, NULL);
	hub.running = false;
}

/* The networks the caller may see (row-level security decides), as one
 * comma-separated string, read when a restricted member's stream opens. */
static int visible_networks(struct request *r, char **out)
{
	PGresult *q = db_tenant_query(
	    r->gw->db, &r->who,
	    "SELECT coalesce(string_agg(id::text, ','), '') FROM core.networks", 0, NULL);
	if (!q)
		return -1;
	*out = strdup(PQgetvalue(q, 0, 0));
	PQclear(q);
	return *out ? 0 : -1;
}

/* GET /api/v1/events[?network_id=]: the organisation's live events (or one
 * network's) as text/event-stream. */
enum MHD_Result api_events(struct request *r)
{
	const char *net = request_query(r, "network_id");
	if (net && !is_uuid(net))
		return reply_error(r, 422, "invalid_field", "network_id: not a UUID",
		                   "network_id");
	if (net) {
		const char *p[] = {net};
		PGresult *res =
		    db_tenant_query(r->gw->db, &r->who,
		                    "SELECT 1 FROM core.networks WHERE id = $1", 1, p);
		if (!res)
			return reply_db_error(r);
		int found = PQntuples(res);
		PQclear(res);
		if (!found)
			return reply_not_found(r, "no such network");
	}
	/* The whole organisation: a wildcard, which sc_subject() (rightly, for
	 * publishing) refuses as a token. */
	char subject[160];
	if (net ? sc_subject(subject, sizeof subject, EVENTS_SUBJECT, r->who.org_id, net)
	        : !sc_subject_token_ok(r->who.org_id) ||
	              snprintf(subject, sizeof subject, "%s.%s.*", EVENTS_SUBJECT,
	                       r->who.org_id) >= (int)sizeof subject)
		return reply_error(r, 500, "internal", "internal error", NULL);
	char *networks = NULL;
	if (!net && r->who.restricted && visible_networks(r, &networks))
		return reply_db_error(r);
	struct stream *st = calloc(1, sizeof *st);
	if (!st) {
		free(networks);
		return MHD_NO;
	}
	st->networks = networks;
	pthread_mutex_init(&st->mu, NULL);
	st->refs = 2;
	st->conn = r->conn;
	st->last_ms = sc_now_ms();
	pthread_mutex_lock(&st->mu);
	stream_append(st, "retry: 3000\n: connected\n\n");
	pthread_mutex_unlock(&st->mu);
	natsStatus s =
	    natsConnection_Subscribe(&st->sub, r->gw->svc.nats.nc, subject, on_event, st);
	if (s == NATS_OK)
		s = natsSubscription_SetOnCompleteCB(st->sub, on_subscription_done, st);
	struct MHD_Response *resp =
	    s == NATS_OK ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
	                                                     read_stream, st, stream_done)
	                 : NULL;
	if (!resp) {
		natsSubscription_Destroy(st->sub);
		pthread_mutex_destroy(&st->mu);
		free(st->buf);
		free(st->networks);
		free(st);
		return reply_error(r, 503, "unavailable", "live events are not available",
		                   NULL);
	}
	sc_metric_add(m_streams, 1);
	pthread_mutex_lock(&hub.mu);
	st->next = hub.head;
	if (hub.head)
		hub.head->prev = st;
	hub.head = st;
	pthread_mutex_unlock(&hub.mu);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->status = 200;
	return ret;
}
