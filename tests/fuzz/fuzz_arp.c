/* libFuzzer target: captured Ethernet frames through the ARP parser (the
 * sweep reads every ARP frame on the link, from anyone). */
#include "arp_frame.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arp_packet p;
	if (arp_parse(data, size, &p) == 0) {
		char mac[18];
		mac_text(p.sha, mac);
	}
	return 0;
}
