/* libFuzzer target: SSDP (UPnP) answers, HTTP over UDP. */
#include "ssdp_message.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssdp_info si;
	ssdp_parse(data, size, &si);
	return 0;
}
