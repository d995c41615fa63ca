/* libFuzzer target: a bridge's brforward dump (struct __fdb_entry array, as
 * sysfs serves it) and tap names, as the hypervisor self-report reads them.
 * The first byte picks the port asked about. */
#include "vmnic.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	char macs[8][18];
	size_t k = vmnic_fdb_macs(d + 1, n - 1, d[0], macs, 8);
	for (size_t i = 0; i < k; i++)
		if (strlen(macs[i]) != 17)
			abort();
	char *name = malloc(n);
	if (!name)
		return 0;
	memcpy(name, d + 1, n - 1);
	name[n - 1] = 0;
	uint32_t vmid;
	(void)vmnic_vmid(name, &vmid);
	free(name);
	return 0;
}
