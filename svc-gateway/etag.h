/* Weak entity tags of response bodies, and If-None-Match against them. */
#ifndef GATEWAY_ETAG_H
#define GATEWAY_ETAG_H

#include <stdbool.h>
#include <stddef.h>

/* W/"<first 128 bits of the body's SHA-256, hex>" into out (>= 40 bytes);
 * 0, or -1 when out is too small or hashing failed. */
int etag_of(const void *data, size_t len, char *out, size_t outlen);
/* True when an If-None-Match value (a list of tags, or "*") names etag,
 * compared weakly (RFC 9110 8.8.3.2: W/ aside). */
bool etag_matches(const char *if_none_match, const char *etag);

#endif
