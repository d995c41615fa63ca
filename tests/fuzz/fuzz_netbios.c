/* libFuzzer target: NetBIOS node-status (NBSTAT) replies. */
#include "netbios_message.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netbios_info ni;
	netbios_parse_nbstat(data, size, &ni);
	return 0;
}
