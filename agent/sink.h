/* Where discovery puts what it sees. Each observation is packed as soon as it
 * is emitted; the sink groups packed observations into ObservationBatches
 * (by count and size), gives each batch the next sequence number, and hands it
 * to the outbox, which keeps it on disk until the server has it.
 *
 * Discovery code builds an Observation on its stack, calls sink_emit, and is
 * done with it: the sink keeps only bytes. Thread-safe. */
#ifndef AGENT_SINK_H
#define AGENT_SINK_H

#include "observation.pb-c.h"

#include <stddef.h>
#include <stdint.h>

struct sink;
struct outbox;
struct agent_state;

struct sink_ids {
	const char *org_id, *network_id, *daemon_id; /* may be empty in daemon_poll mode:
	                                                the gateway stamps them */
	const char *session_id;                      /* NULL for unsolicited reports */
};

struct sink *sink_open(struct outbox *out, struct agent_state *st,
                       const struct sink_ids *ids);
/* Packs and buffers one observation; may flush a full batch. 0 or -1. */
int sink_emit(struct sink *s, const Scanopy__V1__Observation *o);
/* Sends what is buffered as a batch (nothing when empty). */
int sink_flush(struct sink *s);
/* Flushes and frees. */
int sink_close(struct sink *s);
/* Observations emitted so far. */
uint64_t sink_count(const struct sink *s);

/* A function that sees every observation as it is emitted (under the
 * sink's lock: keep it short, never emit from it), e.g. to learn which hosts
 * answered SNMP during a network scan. NULL removes it. */
typedef void (*sink_tap_fn)(void *arg, const Scanopy__V1__Observation *o);
void sink_set_tap(struct sink *s, sink_tap_fn fn, void *arg);
/* Calls fn with each progress observation as it is emitted (set before the
 * scan starts), so the daemon can report the session's progress. */
typedef void (*sink_progress_fn)(void *arg, const Scanopy__V1__ScanProgress *p);
void sink_on_progress(struct sink *s, sink_progress_fn fn, void *arg);

/* Helpers for discovery code: stamp the time and emit one kind. */
int sink_host(struct sink *s, const Scanopy__V1__HostSeen *h);
int sink_port(struct sink *s, const Scanopy__V1__PortState *p);
int sink_banner(struct sink *s, const Scanopy__V1__Banner *b);
int sink_http(struct sink *s, const Scanopy__V1__HttpResponse *h);
int sink_tls(struct sink *s, const Scanopy__V1__TlsInfo *t);
int sink_udp_reply(struct sink *s, const Scanopy__V1__UdpReply *u);
int sink_name(struct sink *s, const Scanopy__V1__NameRecord *n);
int sink_progress(struct sink *s, const Scanopy__V1__ScanProgress *p);
int sink_coverage(struct sink *s, const Scanopy__V1__ScanCoverage *c);
int sink_snmp_system(struct sink *s, const Scanopy__V1__SnmpSystem *v);
int sink_if_entry(struct sink *s, const Scanopy__V1__InterfaceEntry *v);
int sink_neighbor(struct sink *s, const Scanopy__V1__NeighborEntry *v);
int sink_fdb(struct sink *s, const Scanopy__V1__FdbEntry *v);
int sink_arp(struct sink *s, const Scanopy__V1__ArpEntry *v);
int sink_container(struct sink *s, const Scanopy__V1__DockerContainer *v);
int sink_docker_network(struct sink *s, const Scanopy__V1__DockerNetwork *v);

#endif
