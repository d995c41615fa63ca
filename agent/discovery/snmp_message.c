#include "snmp_message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const snmp_system_oids[6] = {
    "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0",
    "1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0",
};

/* ---- writing: build back to front is overkill for messages this small;
 * instead each TLV is written with a fixed 2-byte (or 3-byte) length form
 * computed after its content. ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void put(struct wbuf *w, const void *d, size_t n)
{
	if (w->err || w->len + n > w->cap) {
		w->err = 1;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

/* Opens a constructed TLV: tag + 3 length bytes (0x82 hi lo), patched by close. */
static size_t open_tlv(struct wbuf *w, uint8_t tag)
{
	uint8_t h[4] = {tag, 0x82, 0, 0};
	put(w, h, 4);
	return w->len;
}

static void close_tlv(struct wbuf *w, size_t start)
{
	if (w->err)
		return;
	size_t n = w->len - start;
	if (n > 0xffff) {
		w->err = 1;
		return;
	}
	w->p[start - 2] = (uint8_t)(n >> 8);
	w->p[start - 1] = (uint8_t)n;
}

static void put_len(struct wbuf *w, size_t n)
{
	uint8_t b[3];
	if (n < 128) {
		b[0] = (uint8_t)n;
		put(w, b, 1);
	} else if (n < 256) {
		b[0] = 0x81, b[1] = (uint8_t)n;
		put(w, b, 2);
	} else {
		b[0] = 0x82, b[1] = (uint8_t)(n >> 8), b[2] = (uint8_t)n;
		put(w, b, 3);
	}
}

static void put_int(struct wbuf *w, int64_t v)
{
	uint8_t b[9];
	size_t n = 8;
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--)
		b[1 + 7 - i] = (uint8_t)(u >> (i * 8));
	/* Drop redundant leading bytes, keeping the sign bit right. */
	size_t s = 1;
	while (n > 1 && ((b[s] == 0x00 && !(b[s + 1] & 0x80)) ||
	                 (b[s] == 0xff && (b[s + 1] & 0x80)))) {
		s++;
		n--;
	}
	uint8_t t = BER_INTEGER;
	put(w, &t, 1);
	put_len(w, n);
	put(w, b + s, n);
}

static void put_octets(struct wbuf *w, const void *d, size_t n)
{
	uint8_t t = BER_OCTETS;
	put(w, &t, 1);
	put_len(w, n);
	put(w, d, n);
}

int ber_oid_encode(const char *oid, uint8_t *out, size_t cap)
{
	uint32_t arcs[64];
	size_t n = 0;
	const char *p = oid;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9' || n == 64)
			return -1;
		unsigned long v = strtoul(p, &end, 10);
		if (v > 0xffffffffu)
			return -1;
		arcs[n++] = (uint32_t)v;
		p = end;
		if (*p == '.' && p[1] == '\0')
			return -1; /* "1.3." */
		if (*p == '.')
			p++;
		else if (*p)
			return -1;
	}
	if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
		return -1;
	size_t w = 0;
	for (size_t i = 1; i < n; i++) {
		uint64_t v = i == 1 ? (uint64_t)arcs[0] * 40 + arcs[1] : arcs[i];
		uint8_t tmp[10];
		size_t k = 0;
		do {
			tmp[k++] = (uint8_t)(v & 0x7f);
			v >>= 7;
		} while (v);
		if (w + k > cap)
			return -1;
		while (k) {
			k--;
			out[w++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
		}
	}
	return (int)w;
}

int ber_oid_decode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t w = 0;
	uint64_t v = 0;
	int first = 1, nbytes = 0;
	if (len == 0 || cap == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (++nbytes > 9)
			return -1;
		v = v << 7 | (in[i] & 0x7f);
		if (in[i] & 0x80)
			continue;
		int n;
		if (first) {
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			n = snprintf(out + w, cap - w, "%u.%llu", a,
			             (unsigned long long)(v - a * 40));
			first = 0;
		} else {
			n = snprintf(out + w, cap - w, ".%llu", (unsigned long long)v);
		}
		if (n < 0 || (size_t)n >= cap - w)
			return -1;
		w += (size_t)n;
		v = 0;
		nbytes = 0;
	}
	return nbytes ? -1 : 0; /* a dangling continuation byte */
}

int snmp_build_get(uint8_t *buf, size_t cap, int version, const char *community,
                   int32_t request_id, const char *const *oids, size_t noids)
{
	struct wbuf w = {buf, 0, cap, 0};
	size_t msg = open_tlv(&w, BER_SEQUENCE);
	put_int(&w, version);
	put_octets(&w, community, strlen(community));
	size_t pdu = open_tlv(&w, SNMP_PDU_GET);
	put_int(&w, request_id);
	put_int(&w, 0);
	put_int(&w, 0);
	size_t vbl = open_tlv(&w, BER_SEQUENCE);
	for (size_t i = 0; i < noids; i++) {
		uint8_t enc[128];
		int n = ber_oid_encode(oids[i], enc, sizeof enc);
		if (n < 0)
			return -1;
		size_t vb = open_tlv(&w, BER_SEQUENCE);
		uint8_t t = BER_OID;
		put(&w, &t, 1);
		put_len(&w, (size_t)n);
		put(&w, enc, (size_t)n);
		uint8_t null[2] = {BER_NULL, 0};
		put(&w, null, 2);
		close_tlv(&w, vb);
	}
	close_tlv(&w, vbl);
	close_tlv(&w, pdu);
	close_tlv(&w, msg);
	return w.err ? -1 : (int)w.len;
}

int snmp_build_v3_discovery(uint8_t *buf, size_t cap, int32_t msg_id, int32_t request_id)
{
	struct wbuf w = {buf, 0, cap, 0};
	size_t msg = open_tlv(&w, BER_SEQUENCE);
	put_int(&w, 3);
	size_t global = open_tlv(&w, BER_SEQUENCE);
	put_int(&w, msg_id);
	put_int(&w, 65507);
	uint8_t flags = 0x04; /* reportable, noAuthNoPriv */
	put_octets(&w, &flags, 1);
	put_int(&w, 3); /* USM */
	close_tlv(&w, global);
	/* msgSecurityParameters: an OCTET STRING wrapping the USM sequence. */
	uint8_t usm[32];
	struct wbuf u = {usm, 0, sizeof usm, 0};
	size_t useq = open_tlv(&u, BER_SEQUENCE);
	put_octets(&u, "", 0); /* engine id */
	put_int(&u, 0);        /* boots */
	put_int(&u, 0);        /* time */
	put_octets(&u, "", 0); /* user */
	put_octets(&u, "", 0); /* auth params */
	put_octets(&u, "", 0); /* priv params */
	close_tlv(&u, useq);
	if (u.err)
		return -1;
	put_octets(&w, usm, u.len);
	size_t scoped = open_tlv(&w, BER_SEQUENCE);
	put_octets(&w, "", 0); /* context engine id */
	put_octets(&w, "", 0); /* context name */
	size_t pdu = open_tlv(&w, SNMP_PDU_GET);
	put_int(&w, request_id);
	put_int(&w, 0);
	put_int(&w, 0);
	size_t vbl = open_tlv(&w, BER_SEQUENCE);
	close_tlv(&w, vbl);
	close_tlv(&w, pdu);
	close_tlv(&w, scoped);
	close_tlv(&w, msg);
	return w.err ? -1 : (int)w.len;
}

/* ---- reading ---- */

struct tlv {
	uint8_t tag;
	const uint8_t *v;
	size_t len;
};

/* Reads the TLV at *p (< end), advancing *p past it. Definite lengths only. */
static int get_tlv(const uint8_t **p, const uint8_t *end, struct tlv *t)
{
	const uint8_t *q = *p;
	if (end - q < 2)
		return -1;
	t->tag = *q++;
	if ((t->tag & 0x1f) == 0x1f) /* multi-byte tags: not in SNMP */
		return -1;
	size_t len = *q++;
	if (len & 0x80) {
		size_t nb = len & 0x7f;
		if (nb == 0 || nb > 4 || (size_t)(end - q) < nb)
			return -1;
		len = 0;
		while (nb--)
			len = len << 8 | *q++;
	}
	if ((size_t)(end - q) < len)
		return -1;
	t->v = q;
	t->len = len;
	*p = q + len;
	return 0;
}

static int expect(const uint8_t **p, const uint8_t *end, uint8_t tag, struct tlv *t)
{
	return get_tlv(p, end, t) || t->tag != tag ? -1 : 0;
}

static int tlv_int(const struct tlv *t, int64_t *v)
{
	if (t->tag != BER_INTEGER || t->len == 0 || t->len > 8)
		return -1;
	int64_t x = (t->v[0] & 0x80) ? -1 : 0;
	for (size_t i = 0; i < t->len; i++)
		x = (int64_t)((uint64_t)x << 8 | t->v[i]);
	*v = x;
	return 0;
}

static uint64_t tlv_unsigned(const struct tlv *t)
{
	uint64_t x = 0;
	for (size_t i = 0; i < t->len && i < 9; i++)
		x = x << 8 | t->v[i];
	return x;
}

static int parse_pdu(const uint8_t *p, const uint8_t *end, struct snmp_msg *m)
{
	struct tlv pdu, t;
	int64_t v;
	if (get_tlv(&p, end, &pdu) || (pdu.tag & 0xe0) != 0xa0)
		return -1;
	m->pdu_type = pdu.tag;
	const uint8_t *q = pdu.v, *qe = pdu.v + pdu.len;
	if (get_tlv(&q, qe, &t) || tlv_int(&t, &v))
		return -1;
	m->request_id = (int32_t)v;
	if (get_tlv(&q, qe, &t) || tlv_int(&t, &v))
		return -1;
	m->error_status = (int32_t)v;
	if (get_tlv(&q, qe, &t) || tlv_int(&t, &v)) /* error index */
		return -1;
	struct tlv list;
	if (expect(&q, qe, BER_SEQUENCE, &list))
		return -1;
	const uint8_t *r = list.v, *re = list.v + list.len;
	while (r < re && m->nvb < SNMP_MAX_VB) {
		struct tlv vb, oid, val;
		if (expect(&r, re, BER_SEQUENCE, &vb))
			return -1;
		const uint8_t *s = vb.v, *se = vb.v + vb.len;
		if (expect(&s, se, BER_OID, &oid) || get_tlv(&s, se, &val))
			return -1;
		struct snmp_varbind *b = &m->vb[m->nvb++];
		memset(b, 0, sizeof *b);
		if (ber_oid_decode(oid.v, oid.len, b->oid, sizeof b->oid))
			return -1;
		b->type = val.tag;
		switch (val.tag) {
		case BER_OCTETS:
		case BER_IPADDR:
			b->vlen = val.len < sizeof b->value ? val.len : sizeof b->value;
			memcpy(b->value, val.v, b->vlen);
			break;
		case BER_OID:
			if (ber_oid_decode(val.v, val.len, (char *)b->value,
			                   sizeof b->value) == 0)
				b->vlen = strlen((char *)b->value);
			break;
		case BER_INTEGER:
			if (tlv_int(&val, &v) == 0)
				b->num = (uint64_t)v;
			break;
		case BER_COUNTER32:
		case BER_GAUGE32:
		case BER_TIMETICKS:
		case BER_COUNTER64:
			b->num = tlv_unsigned(&val);
			break;
		default:
			break;
		}
	}
	return 0;
}

int snmp_msg_parse(const uint8_t *buf, size_t len, struct snmp_msg *m)
{
	memset(m, 0, sizeof *m);
	const uint8_t *p = buf, *end = buf + len;
	struct tlv msg, t;
	int64_t v;
	if (expect(&p, end, BER_SEQUENCE, &msg))
		return -1;
	p = msg.v;
	end = msg.v + msg.len;
	if (get_tlv(&p, end, &t) || tlv_int(&t, &v) || (v != 0 && v != 1 && v != 3))
		return -1;
	m->version = (int)v;
	if (m->version != 3) {
		if (expect(&p, end, BER_OCTETS, &t))
			return -1;
		size_t n =
		    t.len < sizeof m->community - 1 ? t.len : sizeof m->community - 1;
		memcpy(m->community, t.v, n);
		m->community[n] = '\0';
		return parse_pdu(p, end, m);
	}
	struct tlv global, secp;
	if (expect(&p, end, BER_SEQUENCE, &global))
		return -1;
	const uint8_t *g = global.v, *ge = global.v + global.len;
	if (get_tlv(&g, ge, &t) || tlv_int(&t, &v))
		return -1;
	m->msg_id = (int32_t)v;
	struct tlv maxsize, flags;
	if (get_tlv(&g, ge, &maxsize) || expect(&g, ge, BER_OCTETS, &flags) ||
	    flags.len < 1)
		return -1;
	uint8_t fl = flags.v[0];
	if (expect(&p, end, BER_OCTETS, &secp))
		return -1;
	/* USM parameters: engine id, boots, time, user, auth, priv. */
	const uint8_t *s = secp.v, *se = secp.v + secp.len;
	struct tlv useq, eid, boots, etime;
	if (expect(&s, se, BER_SEQUENCE, &useq))
		return -1;
	s = useq.v;
	se = useq.v + useq.len;
	if (expect(&s, se, BER_OCTETS, &eid) || get_tlv(&s, se, &boots) ||
	    get_tlv(&s, se, &etime))
		return -1;
	m->engine_id_len = eid.len < sizeof m->engine_id ? eid.len : sizeof m->engine_id;
	memcpy(m->engine_id, eid.v, m->engine_id_len);
	if (tlv_int(&boots, &v) == 0)
		m->engine_boots = (uint32_t)v;
	if (tlv_int(&etime, &v) == 0)
		m->engine_time = (uint32_t)v;
	if (fl & 0x02) /* privacy: the scoped PDU is encrypted */
		return 0;
	struct tlv scoped, ceid, cname;
	if (expect(&p, end, BER_SEQUENCE, &scoped))
		return -1;
	const uint8_t *c = scoped.v, *ce = scoped.v + scoped.len;
	if (expect(&c, ce, BER_OCTETS, &ceid) || expect(&c, ce, BER_OCTETS, &cname))
		return -1;
	return parse_pdu(c, ce, m);
}
