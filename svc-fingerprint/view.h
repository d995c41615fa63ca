/* One batch seen as the matcher needs it: observations grouped by host and by
 * port, each piece of text evidence an item already run through its field's
 * prefilter. Built in the classification context's arena, once per batch. */
#ifndef FP_VIEW_H
#define FP_VIEW_H

#include "model.h"
#include "observation.pb-c.h"
#include "pattern.h"

enum fp_rec_kind {
	R_PORT,
	R_BANNER,
	R_UDP,
	R_HTTP,
	R_TLS,
	R_MAC,
	R_SNMP,
	R_MDNS,
	R_SSDP,
	R_NAME,
	R_DOCKER,
};

/* A pattern the prefilter named for an item, and what PCRE2 said of it. */
struct fp_hit {
	int pattern;
	uint8_t state; /* 0 not yet run, 1 matches, 2 does not */
	struct fp_captures cap;
};

struct fp_item {
	int field;
	const uint8_t *data;
	uint32_t len;
	uint32_t hit0, nhits; /* range in fp_view.hits, sorted by pattern */
};

/* The evidence of one observation. */
struct fp_rdata {
	uint8_t kind; /* fp_rec_kind */
	int obs;      /* index in the batch */
	const char *probe, *path, *scheme;
	uint16_t status;
	int8_t self_signed;
	uint32_t item0, nitems;
};

/* Evidence placed at a host, at one of its ports or host-wide (port 0). One
 * observation can sit in several places: SNMP answers host-wide and at
 * 161/udp, a container's image at each of its ports. */
struct fp_rec {
	uint32_t host;
	uint8_t proto;
	uint16_t port;
	uint32_t data; /* index in fp_view.rdata */
};

struct fp_endpoint {
	uint8_t proto;
	uint16_t port;
	uint32_t rec0, nrecs;
};

struct fp_host {
	const char *ip, *mac, *vendor;
	bool gateway;
	uint32_t rec0, nrecs; /* host-wide records */
	uint32_t ep0, nep;    /* its open ports */
};

struct fp_view {
	struct fp_host *hosts;
	size_t nhosts;
	struct fp_endpoint *eps;
	size_t neps;
	struct fp_rec *recs;
	size_t nrecs;
	struct fp_rdata *rdata;
	size_t nrdata;
	struct fp_item *items;
	size_t nitems;
	struct fp_hit *hits;
	size_t nhits;
};

struct fp_pf_scratch;

/* Builds the view; with `prefilter` false no item is scanned (the naive
 * matcher runs every pattern itself). 0, or -1 when memory ran out. */
int fp_view_build(struct fp_view *v, struct fp_arena *a, const struct fp_set *s,
                  const Scanopy__V1__ObservationBatch *b, struct fp_pf_scratch *pfs,
                  bool prefilter);

/* The endpoint (proto, port) of a host, or NULL when it is not open. */
const struct fp_endpoint *fp_view_endpoint(const struct fp_view *v,
                                           const struct fp_host *h, uint8_t proto,
                                           uint16_t port);

#endif
