#include "etag.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int etag_of(const void *data, size_t len, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (outlen < 40 || !EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < 16)
		return -1;
	int at = snprintf(out, outlen, "W/\"");
	for (int i = 0; i < 16; i++)
		at += snprintf(out + at, outlen - (size_t)at, "%02x", md[i]);
	snprintf(out + at, outlen - (size_t)at, "\"");
	return 0;
}

bool etag_matches(const char *if_none_match, const char *etag)
{
	/* Weak comparison (RFC 9110 8.8.3.2): the opaque tags, W/ aside. */
	const char *tag = strncmp(etag, "W/", 2) ? etag : etag + 2;
	size_t tl = strlen(tag);
	for (const char *p = if_none_match; p && *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		size_t n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tl && !strncmp(p, tag, n))
			return true;
		p = strchr(p, ',');
	}
	return false;
}
