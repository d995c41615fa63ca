/* HTTP/1.x responses as a server sends them to our GET (and SSDP's
 * HTTP-over-UDP answers): status line, headers, body framing (length,
 * chunked, until close), title. Everything points into the caller's buffer. */
#ifndef DISC_HTTP_RESPONSE_H
#define DISC_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_HEAD_BYTES (32 * 1024)

struct http_hdr {
	const char *name, *value;
	size_t nlen, vlen;
};

struct http_resp {
	unsigned status;
	int minor; /* HTTP/1.<minor> */
	const char *reason;
	size_t rlen;
	struct http_hdr h[HTTP_MAX_HEADERS];
	size_t nh;
	size_t head_len;        /* bytes up to and including the blank line */
	int64_t content_length; /* -1 when absent or malformed */
	bool chunked;
};

/* 1 when buf holds a complete status line and headers (r filled), 0 when more
 * bytes could complete them, -1 when it is not an HTTP/1.x response (or the
 * head is over HTTP_MAX_HEAD_BYTES). `proto` is "HTTP" (or "RTSP", "SIP"
 * for protocols that borrow the syntax). */
int http_parse_head(const uint8_t *buf, size_t len, const char *proto,
                    struct http_resp *r);

/* The first header named `name` (case-insensitive), NULL if absent. */
const struct http_hdr *http_header(const struct http_resp *r, const char *name);

/* Whether the body after the head is complete given the bytes so far
 * (Content-Length reached, last chunk seen); bodies framed by close are
 * complete only at eof. HEAD-like statuses (1xx, 204, 304) have none. */
bool http_body_complete(const struct http_resp *r, const uint8_t *body, size_t len,
                        bool eof);

/* Decodes a chunked body into out (up to cap bytes); stops quietly at
 * truncation or a malformed chunk. Returns bytes written. */
size_t http_dechunk(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* The text of the first <title> element, entity-light and whitespace-folded,
 * valid UTF-8; 0 when found, -1 when none. */
int http_title(const uint8_t *body, size_t len, char *out, size_t cap);

#endif
