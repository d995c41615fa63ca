/* libFuzzer target: what the hypervisor self-report reads from the host it
 * runs on (agent/vmnic.c, vmname.c, vmholder.c): a bridge's brforward dump
 * (struct __fdb_entry array, as sysfs serves it), tap names, and the text
 * files a hypervisor keeps, which the daemon trusts no more than a packet:
 * Proxmox qemu-server and lxc configs and corosync.conf, libvirt domain XML, a
 * /proc fdinfo. The first byte picks the port asked about; the same bytes
 * go to every reader. */
#include "sc_utf8.h"
#include "vmholder.h"
#include "vmname.h"
#include "vmnic.h"

#include <stdlib.h>
#include <string.h>

/* A name a reader returned must be a label: bounded, valid UTF-8. */
static void check_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n > max || !sc_utf8_label(s, n))
		abort();
}

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
	unsigned net;
	(void)vmnic_vmid(name, &vmid);
	if (vmnic_ctid(name, &vmid, &net) == 0 && net > 999999)
		abort();
	free(name);

	/* the text readers get exactly the bytes, unterminated */
	const char *t = (const char *)d + 1;
	size_t tn = n - 1;
	char out[VMNAME_MAX + 1], cl[65], tap[16];
	if (vmname_pve_conf(t, tn, out) == 0)
		check_name(out, VMNAME_MAX);
	if (vmname_pve_cluster(t, tn, cl) == 0)
		check_name(cl, 64);
	if (vmholder_iff(t, tn, tap) == 0)
		check_name(tap, 15);
	struct vmname_lxc_net nets[4];
	int c = vmname_lxc_conf(t, tn, out, nets, d[0] % 5);
	if (c < 0 || c > d[0] % 5)
		abort();
	if (*out)
		check_name(out, VMNAME_MAX);
	for (int i = 0; i < c; i++)
		if ((nets[i].mac[0] && strlen(nets[i].mac) != 17) ||
		    strlen(nets[i].bridge) > 15 || nets[i].index >= 1000)
			abort();
	struct vmname_iface ifs[4];
	int m = vmname_libvirt_xml(t, tn, out, ifs, d[0] % 5);
	if (m > d[0] % 5)
		abort();
	if (m >= 0) {
		check_name(out, VMNAME_MAX);
		for (int i = 0; i < m; i++)
			if ((ifs[i].mac[0] && strlen(ifs[i].mac) != 17) ||
			    strlen(ifs[i].dev) > 15)
				abort();
	}
	return 0;
}
