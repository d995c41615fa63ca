/* libFuzzer target: lldpcli's JSON neighbour table (agent/lldp/lldp_json.c). */
#include "fuzz_sink_stub.h"
#include "lldp_local.h"

#include <stdio.h>

static void addr(const char *ifname, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.15s", ifname);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	lldp_json_emit((const char *)d, n, addr, NULL);
	return 0;
}
