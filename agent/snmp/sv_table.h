/* Walked SNMP varbinds, kept apart from net-snmp's types so that decoding
 * them (snmp_decode.c) is pure, unit-tested and fuzzed without an agent.
 *
 * A table is the union of several walks, sorted by OID once complete
 * (sv_table_sort), so that a column's cell for an index is a binary search. */
#ifndef SNMP_SV_TABLE_H
#define SNMP_SV_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_MAX_OID 128

/* BER tags, the same values as net-snmp's ASN_* */
enum {
	SV_INTEGER = 0x02,
	SV_OCTETS = 0x04,
	SV_OID = 0x06,
	SV_IPADDR = 0x40,
	SV_COUNTER32 = 0x41,
	SV_GAUGE32 = 0x42,
	SV_TIMETICKS = 0x43,
	SV_COUNTER64 = 0x46,
};

struct sv_vb {
	uint32_t oid[SV_MAX_OID];
	size_t oid_len;
	uint8_t type;
	uint8_t
	    *val; /* octets of strings and IP addresses; OID arcs as text for SV_OID */
	size_t vlen;
	uint64_t num; /* integers, counters, gauges, timeticks */
};

struct sv_table {
	struct sv_vb *v;
	size_t n, cap;
};

void sv_table_init(struct sv_table *t);
void sv_table_free(struct sv_table *t);
/* Copies val. 0, or -1 when memory runs out or the OID is too long. */
int sv_table_add(struct sv_table *t, const uint32_t *oid, size_t oid_len, uint8_t type,
                 const uint8_t *val, size_t vlen, uint64_t num);
void sv_table_sort(struct sv_table *t);

int sv_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen);
/* Parses "1.3.6.1..." (a leading dot allowed). Returns the length or -1. */
int sv_oid_parse(const char *s, uint32_t *out, size_t max);

/* The cell prefix.col.index, or NULL (table sorted). */
const struct sv_vb *sv_get(const struct sv_table *t, const uint32_t *prefix, size_t plen,
                           uint32_t col, const uint32_t *idx, size_t ilen);
/* The scalar prefix.0 (or prefix itself when the table holds it), or NULL. */
const struct sv_vb *sv_scalar(const struct sv_table *t, const uint32_t *prefix,
                              size_t plen);

/* Iterates the rows of column prefix.col: first call with *pos = 0; returns
 * the next cell or NULL, with its index in *idx / *ilen (pointing into the
 * cell's OID). */
const struct sv_vb *sv_next_in(const struct sv_table *t, const uint32_t *prefix,
                               size_t plen, uint32_t col, size_t *pos,
                               const uint32_t **idx, size_t *ilen);

/* "aa:bb:cc:dd:ee:ff" (lower case) from 6 octets; -1 (out empty) otherwise. */
int sv_mac(const uint8_t *b, size_t n, char out[18]);
/* Printable text as is (trailing NULs, CR and LF dropped), anything else as
 * colon-separated hex; always NUL-terminated, truncated to fit. */
void sv_display(const uint8_t *b, size_t n, char *out, size_t outlen);
/* An SNMP integer cell's value (0 when absent). */
uint64_t sv_num(const struct sv_vb *v);
/* A cell as display text ("" when absent). */
void sv_text(const struct sv_vb *v, char *out, size_t outlen);

#endif
