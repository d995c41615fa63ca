/* Live events (event.proto's Event) on NATS subject
 * scanopy.events.<org>.<network>, and their delivery to browsers and scripts
 * as server-sent events (GET /api/v1/events). Core NATS, not JetStream:
 * events are for whoever listens now; the durable record is in PostgreSQL. */
#ifndef GATEWAY_EVENTS_H
#define GATEWAY_EVENTS_H

#include "event.pb-c.h"

#include <stdint.h>

struct gateway;

#define EVENTS_SUBJECT "scanopy.events"

/* Publishes ev on its org's and network's subject (best effort, logged). */
void events_publish(struct gateway *gw, const Scanopy__V1__Event *ev);

/* A daemon of the caller's network is online: it registered, or reported
 * again after an absence (DaemonStatus; version may be NULL). */
void events_daemon_online(struct gateway *gw, const char *org, const char *network,
                          const char *daemon_id, const char *version);

/* A daemon of that network has not been heard from since last_seen_ms, for
 * longer than the gateway's daemon_offline_after_s (daemon_offline.h). */
void events_daemon_offline(struct gateway *gw, const char *org, const char *network,
                           const char *daemon_id, int64_t last_seen_ms);

/* The keep-alive thread of the event streams; stop before MHD stops, so
 * suspended streams are resumed and end. */
int events_start(struct gateway *gw);
void events_stop(void);

#endif
