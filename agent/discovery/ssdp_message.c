#include "ssdp_message.h"

#include "http_response.h"
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int ssdp_build_msearch(char *buf, size_t cap, const char *host_ip)
{
	int n = snprintf(buf, cap,
	                 "M-SEARCH * HTTP/1.1\r\n"
	                 "HOST: %s:1900\r\n"
	                 "MAN: \"ssdp:discover\"\r\n"
	                 "MX: 1\r\n"
	                 "ST: ssdp:all\r\n"
	                 "USER-AGENT: scanopy/1 UPnP/1.1\r\n\r\n",
	                 host_ip);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static void copy_header(const struct http_resp *r, const char *name, char *out,
                        size_t cap)
{
	const struct http_hdr *h = http_header(r, name);
	out[0] = '\0';
	if (h)
		text_clean((const uint8_t *)h->value, h->vlen, out, cap, 1);
}

int ssdp_parse(const uint8_t *buf, size_t len, struct ssdp_info *o)
{
	struct http_resp r;
	memset(o, 0, sizeof *o);
	/* A datagram is the whole message: append the blank line if a sender
	 * left it out. */
	uint8_t tmp[2048];
	size_t n = 0;
	/* A NOTIFY's request line becomes a status line, so that one parser
	 * reads both kinds of head. */
	static const char notify[] = "NOTIFY * HTTP/1.1", as[] = "HTTP/1.1 200 NOTIFY";
	if (len >= sizeof notify - 1 &&
	    !strncasecmp((const char *)buf, notify, sizeof notify - 1)) {
		o->notify = 1;
		memcpy(tmp, as, sizeof as - 1);
		n = sizeof as - 1;
		buf += sizeof notify - 1;
		len -= sizeof notify - 1;
	}
	size_t take = len < sizeof tmp - 4 - n ? len : sizeof tmp - 4 - n;
	memcpy(tmp + n, buf, take);
	n += take;
	if (n < 4 || memcmp(tmp + n - 4, "\r\n\r\n", 4)) {
		memcpy(tmp + n, "\r\n\r\n", 4);
		n += 4;
	}
	if (http_parse_head(tmp, n, "HTTP", &r) != 1)
		return -1;
	o->status = r.status;
	copy_header(&r, "st", o->st, sizeof o->st);
	copy_header(&r, "usn", o->usn, sizeof o->usn);
	copy_header(&r, "location", o->location, sizeof o->location);
	copy_header(&r, "server", o->server, sizeof o->server);
	if (o->notify) {
		char nts[64];
		copy_header(&r, "nt", o->st, sizeof o->st);
		copy_header(&r, "nts", nts, sizeof nts);
		o->byebye = strstr(nts, "byebye") != NULL;
	}
	if (r.status != 200 || (!o->st[0] && !o->usn[0] && !o->location[0]))
		return -1;
	return 0;
}
