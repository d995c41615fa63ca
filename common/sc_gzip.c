#include "sc_gzip.h"

#include <stdlib.h>
#include <zlib.h>

int sc_gzip(const void *data, size_t len, int level, unsigned char **out, size_t *outlen)
{
	z_stream z = {0};
	if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -1;
	size_t cap = deflateBound(&z, (uLong)len);
	unsigned char *buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

int sc_gunzip(const void *data, size_t len, char **out, size_t *outlen)
{
	z_stream z = {0};
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -1;
	/* The gzip trailer ends with the length modulo 2^32. */
	size_t cap = len >= 4 ? (size_t)((const unsigned char *)data)[len - 4] |
	                            (size_t)((const unsigned char *)data)[len - 3] << 8 |
	                            (size_t)((const unsigned char *)data)[len - 2] << 16 |
	                            (size_t)((const unsigned char *)data)[len - 1] << 24
	                      : 0;
	cap = cap + 1 < 4096 ? 4096 : cap + 1;
	char *buf = malloc(cap);
	int rc = Z_OK;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	while (buf && rc == Z_OK) {
		if (z.total_out + 1 >= cap) {
			char *g = realloc(buf, cap * 2);
			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
		z.next_out = (Bytef *)buf + z.total_out;
		z.avail_out = (uInt)(cap - 1 - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_BUF_ERROR && z.avail_out > 0)
			break; /* input cut short */
		if (rc == Z_BUF_ERROR)
			rc = Z_OK;
	}
	*outlen = z.total_out;
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	buf[*outlen] = '\0';
	*out = buf;
	return 0;
}
