/* libFuzzer target: DNS and mDNS answers (resolver PTR replies, version.bind,
 * unicast mDNS) through the message parser. */
#include "dns_message.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg *m = malloc(sizeof *m);
	if (!m)
		return 0;
	if (dns_parse(data, size, m) == 0) {
		dns_find(m, DNS_T_PTR, 1);
		dns_find(m, DNS_T_TXT, 0);
	}
	/* Names read from every offset: pointers into anywhere. */
	for (size_t off = 0; off < size && off < 64; off++) {
		char name[DNS_NAME_MAX];
		size_t o = off;
		dns_read_name(data, size, &o, name, sizeof name);
	}
	free(m);
	return 0;
}
