/* The in-memory form of a definition set, shared by the loader that builds
 * it, the matcher that runs it and the probe plan derived from it. A set is
 * immutable once loaded; reloading builds a new one and swaps it in. */
#ifndef FP_MODEL_H
#define FP_MODEL_H

#include "arena.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_MAX_CONDS 8  /* pattern conditions in one evidence rule */
#define FP_MAX_DEPTH 16 /* nesting of all/any/not/at */
#define FP_PROTO_TCP 1  /* the values of scanopy.v1.Protocol */
#define FP_PROTO_UDP 2
#define FP_PORT_ANY 0xffff /* proto 0, port FP_PORT_ANY: any open port */

/* Where a definition sits when several match one port: a specific product
 * beats a generic fallback, an application beats the server beneath it. */
enum fp_tier {
	FP_TIER_CATCHALL,    /* "unclaimed open port": loses to everything */
	FP_TIER_GENERIC,     /* vendor-neutral: "SSH server", "HTTP server" */
	FP_TIER_PRODUCT,     /* a named product: OpenSSH, nginx, Redis */
	FP_TIER_APPLICATION, /* an application served by a product: Nextcloud */
};

struct fp_port {
	uint8_t proto; /* FP_PROTO_TCP or FP_PROTO_UDP */
	uint16_t port;
};

/* What a pattern is matched against. HTTP headers get one field per header
 * name used by some definition (fp_field.header). */
enum fp_field_kind {
	FK_BANNER,
	FK_UDP,
	FK_HTTP_BODY,
	FK_HTTP_TITLE,
	FK_TLS_SUBJECT,
	FK_TLS_ISSUER,
	FK_TLS_SAN,
	FK_TLS_ALPN,
	FK_MAC_VENDOR,
	FK_SNMP_DESCR,
	FK_SNMP_OID,
	FK_MDNS,
	FK_SSDP,
	FK_NAME,
	FK_DOCKER_IMAGE,
	FK_DOCKER_LABEL,
	FK_HTTP_HEADER, /* first header field; fields >= this are headers */
};

struct fp_pattern;   /* pattern.h */
struct fp_prefilter; /* prefilter.h */

struct fp_field {
	enum fp_field_kind kind;
	const char *header; /* lower-case header name for FK_HTTP_HEADER */
	int *patterns;      /* ids of the patterns over this field */
	size_t npatterns;
	struct fp_prefilter *pf; /* multi-pattern prefilter, NULL when empty */
};

/* The kinds of rule nodes. Leaves from N_PORT on test one kind of evidence. */
enum fp_node_kind {
	N_ALL,
	N_ANY,
	N_NOT,
	N_AT, /* the child, evaluated at another port of the same host */
	N_PORT,
	N_HOST_PORT,
	N_BANNER,
	N_UDP,
	N_HTTP,
	N_TLS,
	N_MAC,
	N_SNMP,
	N_MDNS,
	N_SSDP,
	N_NAME,
	N_DOCKER,
	N_GATEWAY,
	N__COUNT
};

struct fp_cond {
	int field;   /* index into fp_set.fields */
	int pattern; /* index into fp_set.patterns */
};

struct fp_node {
	enum fp_node_kind kind;
	int line;       /* in its file, for messages */
	int confidence; /* 1..100, 0 = the kind's default (combinators: computed) */
	struct fp_node **kids;
	int nkids;
	/* N_PORT/N_HOST_PORT/N_AT: the ports; evidence leaves: the ports the
	 * evidence must be on (none = any) */
	struct fp_port *ports;
	int nports;
	struct fp_cond conds[FP_MAX_CONDS]; /* all must hold on one evidence item */
	int nconds;
	const char *probe;  /* N_BANNER/N_UDP: the probe the evidence answered */
	const char *path;   /* N_HTTP: request path, NULL = any */
	const char *scheme; /* N_HTTP: "http"/"https", NULL = any */
	uint16_t status_lo, status_hi; /* N_HTTP: 0,0 = any status */
	int8_t self_signed;            /* N_TLS: -1 any, 0, 1 */
	bool gateway;                  /* N_GATEWAY: the value wanted */
};

/* Evidence a definition's author says must match it (its positive fixture),
 * kept as the loader read it; fixture.c turns it into an ObservationBatch. */
struct fp_fixture {
	char *yaml_path; /* "file:line" of the fixture, for messages */
	struct fp_fx_item *items;
	size_t nitems;
	const char *ip, *mac;
	bool gateway;
	struct fp_port expect_port; /* port 0: no expectation */
	bool expect_host;           /* expects a host-wide match (port 0) */
	const char *expect_product, *expect_version;
	const char **also; /* ids that may also match this fixture */
	size_t nalso;
};

/* One fixture observation, in a flat form (fixture.c builds protobufs). */
enum fp_fx_kind {
	FX_OPEN,
	FX_BANNER,
	FX_UDP,
	FX_HTTP,
	FX_TLS,
	FX_SNMP,
	FX_NAME,
	FX_DOCKER
};

struct fp_fx_kv {
	const char *key, *value;
};

struct fp_fx_item {
	enum fp_fx_kind kind;
	struct fp_port port;
	const char *probe, *path, *scheme, *title, *subject, *issuer, *alpn, *descr, *oid,
	    *source, *name, *detail, *image, *cip;
	const uint8_t *data; /* banner/udp data, http body */
	size_t len;
	unsigned status;
	int self_signed;
	struct fp_fx_kv *kv; /* http headers, docker labels */
	size_t nkv;
	const char **list; /* tls SANs, name service types */
	size_t nlist;
	struct fp_port *dports; /* docker: container ports (private) */
	size_t ndports;
};

struct fp_def {
	const char *id, *name, *category, *description, *vendor, *product;
	enum fp_tier tier;
	bool host_scope;       /* matches a host (port 0), claims no port */
	struct fp_port *ports; /* well-known ports */
	int nports;
	struct fp_node *rule;
	bool fallback_any;          /* host scope: only if nothing specific matched */
	const char **fallback_cats; /* host scope: only if nothing specific of these */
	int nfallback_cats;
	const char *file;
	int line;
	int index; /* position in fp_set.defs, also the tie-breaker */
	struct fp_fixture *fixture;
};

struct fp_probe {
	const char *id, *description, *file;
	int line;
	uint8_t proto;
	const uint8_t *payload;
	size_t len;
	struct fp_port *ports; /* extra ports it is always sent to */
	int nports;
	unsigned read_ms;
};

/* An index entry: definition `def` may match when key evidence is present. */
struct fp_anchor {
	int def;
	bool host; /* a host-scope candidate rather than a port one */
};

struct fp_port_anchor {
	uint32_t key; /* proto << 16 | port */
	struct fp_anchor a;
};

struct fp_set {
	atomic_int refs;
	uint64_t gen; /* unique per set in this process: scratch is sized per set */
	struct fp_arena arena;
	char version[40]; /* "sha256:" + 16 hex digits of the loaded files */
	struct fp_def *defs;
	size_t ndefs;
	struct fp_probe *probes;
	size_t nprobes;
	struct fp_pattern **patterns;
	size_t npatterns;
	struct fp_field *fields;
	size_t nfields;
	const char **categories;
	size_t ncategories;
	const struct fp_oui *oui; /* not owned */
	/* the matcher's index (index.c) */
	struct fp_anchor **pattern_anchors; /* per pattern: defs it may anchor */
	size_t *pattern_nanchors;
	struct fp_port_anchor *port_anchors; /* sorted by key */
	size_t nport_anchors;
	int *any_open; /* defs anchored by `port: any` */
	size_t nany_open;
	int *always_host; /* host-scope defs with no indexable necessary leaf */
	size_t nalways_host;
	size_t nfiles;
};

const char *fp_tier_name(enum fp_tier t);
const char *fp_node_kind_name(enum fp_node_kind k);
/* "6379/tcp" */
const char *fp_port_str(struct fp_port p, char *buf, size_t len);

#endif
