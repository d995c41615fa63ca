#include "http_response.h"

#include "text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* End of the line starting at p (index of '\n'), or -1. */
static ssize_t line_end(const uint8_t *buf, size_t len, size_t p)
{
	const uint8_t *nl = memchr(buf + p, '\n', len - p);
	return nl ? nl - buf : -1;
}

int http_parse_head(const uint8_t *buf, size_t len, const char *proto,
                    struct http_resp *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	size_t pl = strlen(proto);
	/* Decide early whether this is HTTP at all, so a binary reply is -1 fast. */
	size_t cmp = len < pl + 1 ? len : pl + 1;
	char want[16];
	if (pl + 1 > sizeof want)
		return -1;
	memcpy(want, proto, pl);
	want[pl] = '/';
	if (strncasecmp((const char *)buf, want, cmp) != 0 ||
	    memchr(buf, '\0', cmp)) /* strncasecmp stops at NUL */
		return -1;
	size_t limit = len < HTTP_MAX_HEAD_BYTES ? len : HTTP_MAX_HEAD_BYTES;
	ssize_t e = line_end(buf, limit, 0);
	if (e < 0)
		return len >= HTTP_MAX_HEAD_BYTES ? -1 : 0;
	/* "PROTO/1.x NNN reason" */
	const char *s = (const char *)buf;
	size_t p = pl + 1;
	if ((size_t)e < p + 3 || s[p] != '1' || s[p + 1] != '.' ||
	    !isdigit((unsigned char)s[p + 2]))
		return -1;
	r->minor = s[p + 2] - '0';
	p += 3;
	while (p < (size_t)e && s[p] == ' ')
		p++;
	if (p + 3 > (size_t)e || !isdigit((unsigned char)s[p]) ||
	    !isdigit((unsigned char)s[p + 1]) || !isdigit((unsigned char)s[p + 2]))
		return -1;
	r->status =
	    (unsigned)((s[p] - '0') * 100 + (s[p + 1] - '0') * 10 + (s[p + 2] - '0'));
	p += 3;
	while (p < (size_t)e && s[p] == ' ')
		p++;
	r->reason = s + p;
	r->rlen = (size_t)e - p;
	if (r->rlen && r->reason[r->rlen - 1] == '\r')
		r->rlen--;
	/* Header lines until the blank one. */
	p = (size_t)e + 1;
	for (;;) {
		e = line_end(buf, limit, p);
		if (e < 0)
			return len >= HTTP_MAX_HEAD_BYTES ? -1 : 0;
		size_t end = (size_t)e;
		if (end > p && s[end - 1] == '\r')
			end--;
		if (end == p) { /* blank line */
			r->head_len = (size_t)e + 1;
			break;
		}
		const char *colon = memchr(s + p, ':', end - p);
		/* Lines without a colon and folded continuations are skipped. */
		if (colon && s[p] != ' ' && s[p] != '\t' && r->nh < HTTP_MAX_HEADERS) {
			struct http_hdr *h = &r->h[r->nh++];
			h->name = s + p;
			h->nlen = (size_t)(colon - (s + p));
			while (h->nlen && (h->name[h->nlen - 1] == ' ' ||
			                   h->name[h->nlen - 1] == '\t'))
				h->nlen--;
			size_t v = (size_t)(colon - s) + 1;
			while (v < end && (s[v] == ' ' || s[v] == '\t'))
				v++;
			size_t ve = end;
			while (ve > v && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
				ve--;
			h->value = s + v;
			h->vlen = ve - v;
		}
		p = (size_t)e + 1;
	}
	const struct http_hdr *te = http_header(r, "transfer-encoding");
	if (te && mem_casefind((const uint8_t *)te->value, te->vlen, "chunked"))
		r->chunked = true;
	const struct http_hdr *cl = http_header(r, "content-length");
	if (cl && !r->chunked && cl->vlen > 0 && cl->vlen < 19) {
		int64_t v = 0;
		size_t i;
		for (i = 0; i < cl->vlen && isdigit((unsigned char)cl->value[i]); i++)
			v = v * 10 + (cl->value[i] - '0');
		if (i == cl->vlen)
			r->content_length = v;
	}
	return 1;
}

const struct http_hdr *http_header(const struct http_resp *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nh; i++)
		if (r->h[i].nlen == n && strncasecmp(r->h[i].name, name, n) == 0)
			return &r->h[i];
	return NULL;
}

/* Walks chunks; returns 1 when the terminating chunk is in [0,len), 0 when more
 * is needed, -1 when malformed. Copies data to out when out != NULL. */
static int walk_chunks(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                       size_t *written)
{
	size_t p = 0, w = 0;
	for (;;) {
		size_t q = p;
		uint64_t sz = 0;
		int digits = 0;
		while (q < len && isxdigit(in[q])) {
			if (++digits > 15)
				return -1;
			int c = in[q++];
			sz = sz * 16 +
			     (uint64_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
		}
		if (q >= len)
			break;
		if (digits == 0)
			return -1;
		const uint8_t *nl = memchr(in + q, '\n', len - q); /* chunk extensions */
		if (!nl)
			break;
		q = (size_t)(nl - in) + 1;
		if (sz == 0) {
			if (written)
				*written = w;
			return 1;
		}
		size_t take = len - q < sz ? len - q : (size_t)sz;
		if (out) {
			size_t room = cap - w < take ? cap - w : take;
			memcpy(out + w, in + q, room);
			w += room;
		}
		if (len - q < sz + 1)
			break;
		q += (size_t)sz;
		if (in[q] == '\r')
			q++;
		if (q < len && in[q] == '\n')
			q++;
		p = q;
	}
	if (written)
		*written = w;
	return 0;
}

bool http_body_complete(const struct http_resp *r, const uint8_t *body, size_t len,
                        bool eof)
{
	if (eof)
		return true;
	if ((r->status >= 100 && r->status < 200) || r->status == 204 || r->status == 304)
		return true;
	if (r->chunked)
		return walk_chunks(body, len, NULL, 0, NULL) != 0;
	if (r->content_length >= 0)
		return (int64_t)len >= r->content_length;
	return false;
}

size_t http_dechunk(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	size_t w = 0;
	walk_chunks(in, len, out, cap, &w);
	return w;
}

/* Replaces the few entities that matter in titles, in place. */
static size_t decode_entities(char *s, size_t n)
{
	static const struct {
		const char *e;
		char c;
	} ents[] = {{"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},  {"&quot;", '"'},
	            {"&#39;", '\''}, {"&apos;", '\''}, {"&nbsp;", ' '}};
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		size_t k;
		for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
			size_t el = strlen(ents[k].e);
			if (i + el <= n && strncasecmp(s + i, ents[k].e, el) == 0) {
				s[w++] = ents[k].c;
				i += el;
				break;
			}
		}
		if (k == sizeof ents / sizeof ents[0])
			s[w++] = s[i++];
	}
	return w;
}

int http_title(const uint8_t *body, size_t len, char *out, size_t cap)
{
	if (cap == 0)
		return -1;
	out[0] = '\0';
	const uint8_t *t = mem_casefind(body, len, "<title");
	if (!t)
		return -1;
	size_t p = (size_t)(t - body) + 6;
	if (p < len && body[p] != '>' && !isspace(body[p]))
		return -1; /* <titlex> */
	const uint8_t *gt = memchr(body + p, '>', len - p);
	if (!gt)
		return -1;
	p = (size_t)(gt - body) + 1;
	const uint8_t *end = mem_casefind(body + p, len - p, "</title");
	size_t n = end ? (size_t)(end - (body + p)) : len - p;
	if (n > 2048)
		n = 2048;
	char raw[2049];
	memcpy(raw, body + p, n);
	n = decode_entities(raw, n);
	text_clean((const uint8_t *)raw, n, out, cap, 1);
	return 0;
}
