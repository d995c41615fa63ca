/* libFuzzer target: what TCP services say (greetings, replies to our protocol
 * probes): classification, completeness, SSH and MySQL parsers, telnet
 * option refusal. The first byte picks the port hint and protocol. */
#include "banner.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const uint16_t ports[] = {21, 22, 25, 110, 143, 587, 3306, 4242};
	uint16_t port = ports[data[0] % 8];
	enum proto want = (enum proto)(data[0] % PROTO_COUNT);
	data++, size--;
	enum proto p = banner_classify_greeting(data, size, port);
	banner_greeting_complete(p, data, size);
	banner_reply_matches(want, data, size);
	banner_reply_complete(want, data, size);
	struct ssh_ident id;
	ssh_parse_ident(data, size, &id);
	struct mysql_greeting mg;
	mysql_parse_greeting(data, size, &mg);
	uint8_t out[256];
	telnet_refuse_options(data, size, out, sizeof out);
	return 0;
}
