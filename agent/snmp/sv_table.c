#include "sv_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sv_table_init(struct sv_table *t)
{
	memset(t, 0, sizeof *t);
}

void sv_table_free(struct sv_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].val);
	free(t->v);
	memset(t, 0, sizeof *t);
}

int sv_table_add(struct sv_table *t, const uint32_t *oid, size_t oid_len, uint8_t type,
                 const uint8_t *val, size_t vlen, uint64_t num)
{
	if (oid_len == 0 || oid_len > SV_MAX_OID)
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct sv_vb *g = realloc(t->v, cap * sizeof *g);
		if (!g)
			return -1;
		t->v = g;
		t->cap = cap;
	}
	struct sv_vb *v = &t->v[t->n];
	memcpy(v->oid, oid, oid_len * sizeof *oid);
	v->oid_len = oid_len;
	v->type = type;
	v->num = num;
	v->vlen = vlen;
	v->val = malloc(vlen + 1);
	if (!v->val)
		return -1;
	if (vlen)
		memcpy(v->val, val, vlen);
	v->val[vlen] = 0;
	t->n++;
	return 0;
}

int sv_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int vb_cmp(const void *x, const void *y)
{
	const struct sv_vb *a = x, *b = y;
	return sv_oid_cmp(a->oid, a->oid_len, b->oid, b->oid_len);
}

void sv_table_sort(struct sv_table *t)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof *t->v, vb_cmp);
}

int sv_oid_parse(const char *s, uint32_t *out, size_t max)
{
	size_t n = 0;
	if (*s == '.')
		s++;
	while (*s) {
		if (*s < '0' || *s > '9' || n == max)
			return -1;
		uint64_t v = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > UINT32_MAX)
				return -1;
		}
		out[n++] = (uint32_t)v;
		if (*s == '.')
			s++;
		else if (*s)
			return -1;
	}
	return n ? (int)n : -1;
}

/* First position whose OID is >= key. */
static size_t lower_bound(const struct sv_table *t, const uint32_t *key, size_t klen)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sv_oid_cmp(t->v[mid].oid, t->v[mid].oid_len, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct sv_vb *sv_get(const struct sv_table *t, const uint32_t *prefix, size_t plen,
                           uint32_t col, const uint32_t *idx, size_t ilen)
{
	uint32_t key[SV_MAX_OID];
	if (plen + 1 + ilen > SV_MAX_OID)
		return NULL;
	memcpy(key, prefix, plen * sizeof *key);
	key[plen] = col;
	if (ilen)
		memcpy(key + plen + 1, idx, ilen * sizeof *key);
	size_t klen = plen + 1 + ilen, p = lower_bound(t, key, klen);
	if (p < t->n && !sv_oid_cmp(t->v[p].oid, t->v[p].oid_len, key, klen))
		return &t->v[p];
	return NULL;
}

const struct sv_vb *sv_scalar(const struct sv_table *t, const uint32_t *prefix,
                              size_t plen)
{
	uint32_t zero = 0;
	if (plen < 1)
		return NULL;
	const struct sv_vb *v = sv_get(t, prefix, plen - 1, prefix[plen - 1], &zero, 1);
	return v ? v : sv_get(t, prefix, plen - 1, prefix[plen - 1], NULL, 0);
}

const struct sv_vb *sv_next_in(const struct sv_table *t, const uint32_t *prefix,
                               size_t plen, uint32_t col, size_t *pos,
                               const uint32_t **idx, size_t *ilen)
{
	uint32_t key[SV_MAX_OID];
	if (plen + 1 > SV_MAX_OID)
		return NULL;
	memcpy(key, prefix, plen * sizeof *key);
	key[plen] = col;
	size_t klen = plen + 1;
	size_t p = *pos ? *pos : lower_bound(t, key, klen);
	for (; p < t->n; p++) {
		const struct sv_vb *v = &t->v[p];
		if (v->oid_len < klen || memcmp(v->oid, key, klen * sizeof *key))
			break;
		if (v->oid_len == klen)
			continue; /* no index */
		*pos = p + 1;
		*idx = v->oid + klen;
		*ilen = v->oid_len - klen;
		return v;
	}
	*pos = t->n + 1; /* stays past the end */
	return NULL;
}

int sv_mac(const uint8_t *b, size_t n, char out[18])
{
	out[0] = 0;
	if (!b || n != 6)
		return -1;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
	         b[5]);
	return 0;
}

void sv_display(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	if (!outlen)
		return;
	out[0] = 0;
	while (n && (b[n - 1] == 0 || b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	bool printable = true;
	for (size_t i = 0; i < n; i++)
		if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') ||
		    b[i] >= 0x7f)
			printable = false;
	if (printable) {
		size_t c = n < outlen - 1 ? n : outlen - 1;
		if (c) /* b may be NULL when n is 0 */
			memcpy(out, b, c);
		out[c] = 0;
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 <= outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, i ? ":%02x" : "%02x", b[i]);
}

uint64_t sv_num(const struct sv_vb *v)
{
	return v ? v->num : 0;
}

void sv_text(const struct sv_vb *v, char *out, size_t outlen)
{
	if (!v) {
		if (outlen)
			out[0] = 0;
		return;
	}
	sv_display(v->val, v->vlen, out, outlen);
}
