/* libFuzzer target: what the raw ICMP socket receives (any ICMP to the host,
 * IP header included) through the echo/error parser. */
#include "icmp_packet.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_info in;
	icmp_parse(data, size, &in);
	inet_checksum(data, size);
	return 0;
}
