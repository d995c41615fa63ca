/* The deferred writes of one batch: new hosts, identity bindings, address
 * rows, open ports, LLDP/CDP neighbours and change records are collected as
 * array columns and written with one statement per table (unnest), instead of
 * one round trip per row. Any other statement of the batch goes through
 * batch_exec/batch_query, which write what is pending first, so every
 * statement still sees the rows the batch wrote before it. */
#ifndef TOPOLOGY_WBUF_H
#define TOPOLOGY_WBUF_H

#include "batch_ctx.h"

#include <libpq-fe.h>

/* A PostgreSQL array literal being built: {"a","b",NULL}. */
struct pgarr {
	char *s;
	size_t n, cap, count;
	int failed;
};

/* Appends one element (NULL: SQL NULL), quoted and escaped. */
void pgarr_add(struct pgarr *a, const char *v);
/* The literal so far, closed ("{}" when empty); NULL when out of memory. */
const char *pgarr_text(struct pgarr *a);
void pgarr_reset(struct pgarr *a);
void pgarr_free(struct pgarr *a);

struct wbuf *wbuf_new(void);
void wbuf_free(struct wbuf *w);

/* A new host with this (client-made) id, first seen now. */
int wb_host(struct batch_ctx *b, const char *id);
/* A key bound to a host (ON CONFLICT DO NOTHING). */
int wb_identity(struct batch_ctx *b, const char *kind, const char *value,
                const char *host, const char *reason);
/* An address row (the newest host and MAC win, as one upsert per row would). */
int wb_address(struct batch_ctx *b, const char *ip, const char *mac, const char *host,
               const char *source);
/* A sighting of an address (sightings.h): its sweep time (epoch seconds) and
 * VLAN tags, each NULL when it has none. */
int wb_sighting(struct batch_ctx *b, const char *ip, const char *swept, const char *vlan,
                const char *inner_vlan);
/* The TTL an address answered with. */
int wb_address_ttl(struct batch_ctx *b, const char *ip, unsigned ttl);
/* An open port; a port new to the host gets its port_opened change. */
int wb_port(struct batch_ctx *b, const char *host, const char *proto, const char *port,
            const char *status, const char *ip);
/* A neighbour entry; mgmt is a comma-separated address list. */
int wb_neighbor(struct batch_ctx *b, const char *host, const char *local,
                const char *protocol, const char *chassis, const char *port_id,
                const char *descr, const char *sys_name, const char *mgmt,
                const char *caps, const char *rport);
/* A change record. */
int wb_change(struct batch_ctx *b, const char *kind, const char *host,
              const char *detail_json);

/* Writes the pending new hosts, each last seen at the newest of its creation
 * time and its time in ids/seen (array literals of uuids and epoch seconds;
 * "{}" for none). */
int wbuf_flush_hosts(struct batch_ctx *b, const char *ids, const char *seen);
/* Writes everything pending, in dependency order. */
int wbuf_flush(struct batch_ctx *b);

/* sc_pg_exec / sc_pg_query after wbuf_flush. */
int batch_exec(struct batch_ctx *b, const char *sql, int n, const char *const *params);
PGresult *batch_query(struct batch_ctx *b, const char *sql, int n,
                      const char *const *params);

/* A time-ordered (version 7, RFC 9562) uuid in its text form: 48 bits of
 * Unix time in ms, a 12-bit counter within the ms, 62 random bits. Hosts made
 * one after another get increasing ids, so the indexes keyed by host id (the
 * hosts', and their identities', addresses', ports', changes') grow at their
 * right edge instead of splitting pages everywhere: a set of new hosts
 * writes fewer index pages and less WAL (bench_topology). */
int wb_uuid(char out[37]);

#endif
