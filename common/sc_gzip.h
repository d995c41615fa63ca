/* gzip (RFC 1952) in memory, for documents kept compressed and served as
 * they are to clients that accept gzip. */
#ifndef SC_GZIP_H
#define SC_GZIP_H

#include <stddef.h>

/* Compresses len bytes; *out (malloc'd) and *outlen, or -1. */
int sc_gzip(const void *data, size_t len, int level, unsigned char **out, size_t *outlen);
/* Decompresses one gzip member; *out (malloc'd, NUL-terminated, not counted)
 * and *outlen, or -1 when the data is not gzip or is cut short. */
int sc_gunzip(const void *data, size_t len, char **out, size_t *outlen);

#endif
