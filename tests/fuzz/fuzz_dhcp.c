/* libFuzzer target: DHCP replies to our INFORM. */
#include "dhcp_message.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_info di;
	dhcp_parse(data, size, &di);
	return 0;
}
