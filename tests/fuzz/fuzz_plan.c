/* libFuzzer target: the probe plan a daemon fetches from the gateway. */
#include "scan_plan.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_plan plan;
	char why[256];
	if (scan_plan_parse((const char *)data, size, &plan, why, sizeof why) == 0)
		scan_plan_free(&plan);
	return 0;
}
