/* libFuzzer target: NTP replies. */
#include "ntp_message.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntp_info ni;
	ntp_parse(data, size, &ni);
	return 0;
}
