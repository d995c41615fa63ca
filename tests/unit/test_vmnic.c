/* The hypervisor's VM NICs, read from a fake sysfs tree laid out as the
 * kernel lays out /sys/class/net (devices under devices/virtual/net, class
 * entries as symlinks to them, master as a symlink to the bridge). */
#include "vmnic.h"

#include <linux/if_bridge.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char root[64];

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void text(const char *rel, const char *t)
{
	put(rel, t, strlen(t));
}

static void dir(const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void sym(const char *target, const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* A device under devices/virtual/net with its class/net symlink. */
static void device(const char *name)
{
	char rel[256], target[256];
	snprintf(rel, sizeof rel, "devices/virtual/net/%s", name);
	dir(rel);
	snprintf(target, sizeof target, "../../devices/virtual/net/%s", name);
	snprintf(rel, sizeof rel, "class/net/%s", name);
	sym(target, rel);
}

static void port(const char *name, const char *bridge, const char *no)
{
	char rel[256], target[64];
	snprintf(rel, sizeof rel, "devices/virtual/net/%s/brport", name);
	dir(rel);
	snprintf(rel, sizeof rel, "devices/virtual/net/%s/brport/port_no", name);
	text(rel, no);
	snprintf(rel, sizeof rel, "devices/virtual/net/%s/master", name);
	snprintf(target, sizeof target, "../%s", bridge);
	sym(target, rel);
}

static struct __fdb_entry fdb(unsigned a, unsigned b, unsigned c, unsigned d, unsigned e,
                              unsigned f, unsigned port, int local)
{
	struct __fdb_entry x;
	memset(&x, 0, sizeof x);
	unsigned char m[6] = {a, b, c, d, e, f};
	memcpy(x.mac_addr, m, 6);
	x.port_no = port & 0xff;
	x.port_hi = port >> 8;
	x.is_local = local;
	x.ageing_timer_value = 1234;
	return x;
}

/* vmbr0 with: tap100i0 (port 1, a Proxmox VM with two MACs behind it),
 * vnet3 (port 2, libvirt), veth1 (port 3, a container), tap7 (a VPN tap,
 * port 4), eth0 (port 5); tun0 is a tap of no bridge; tap300i1 is a port
 * whose bridge learned nothing. */
static int tree(void **state)
{
	(void)state;
	strcpy(root, "/tmp/test_vmnic.XXXXXX");
	assert_non_null(mkdtemp(root));
	dir("class");
	dir("class/net");
	dir("devices");
	dir("devices/virtual");
	dir("devices/virtual/net");
	const char *devs[] = {"vmbr0", "vmbr1", "tap100i0", "vnet3",
	                      "veth1", "tun0",  "eth0",     "tap300i1"};
	for (size_t i = 0; i < sizeof devs / sizeof *devs; i++)
		device(devs[i]);
	text("devices/virtual/net/tap100i0/tun_flags", "0x1002\n");
	text("devices/virtual/net/vnet3/tun_flags", "0x5002\n");
	text("devices/virtual/net/tun0/tun_flags", "0x1001\n");
	text("devices/virtual/net/tap300i1/tun_flags", "0x1002\n");
	port("tap100i0", "vmbr0", "0x1\n");
	port("vnet3", "vmbr0", "0x102\n");
	port("veth1", "vmbr0", "0x3\n");
	port("eth0", "vmbr0", "0x5\n");
	port("tap300i1", "vmbr1", "0x1\n");
	struct __fdb_entry e[] = {
	    fdb(0xbc, 0x24, 0x11, 0xaa, 0xbb, 0x01, 1, 0),     /* VM 100 */
	    fdb(0x52, 0x54, 0x00, 0x00, 0x00, 0x02, 1, 0),     /* VM 100, 2nd MAC */
	    fdb(0xfe, 0x11, 0x22, 0x33, 0x44, 0x55, 1, 1),     /* the tap's own */
	    fdb(0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x102, 0), /* vnet3 */
	    fdb(0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 3, 0),     /* container */
	    fdb(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 5, 0),     /* LAN */
	    fdb(0xbc, 0x24, 0x11, 0xaa, 0xbb, 0x01, 1, 0),     /* again */
	    fdb(0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 1, 0),     /* multicast */
	};
	put("devices/virtual/net/vmbr0/brforward", e, sizeof e);
	put("devices/virtual/net/vmbr1/brforward", e, 0);
	return 0;
}

static int untree(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const Scanopy__V1__VmNic *nic(const Scanopy__V1__SelfReport *sr, const char *name)
{
	for (size_t i = 0; i < sr->n_vm_nics; i++)
		if (!strcmp(sr->vm_nics[i]->ifname, name))
			return sr->vm_nics[i];
	return NULL;
}

static void taps_on_bridges_are_vm_nics(void **state)
{
	(void)state;
	Scanopy__V1__SelfReport sr;
	scanopy__v1__self_report__init(&sr);
	assert_int_equal(vmnic_collect(root, &sr), 3);
	const Scanopy__V1__VmNic *v = nic(&sr, "tap100i0");
	assert_non_null(v);
	assert_string_equal(v->bridge, "vmbr0");
	assert_true(v->has_vmid);
	assert_int_equal(v->vmid, 100);
	assert_int_equal(v->port_no, 1);
	assert_int_equal(v->n_macs, 2);
	assert_string_equal(v->macs[0], "bc:24:11:aa:bb:01");
	assert_string_equal(v->macs[1], "52:54:00:00:00:02");

	v = nic(&sr, "vnet3"); /* port number past 255: port_hi counts */
	assert_non_null(v);
	assert_false(v->has_vmid);
	assert_int_equal(v->port_no, 0x102);
	assert_int_equal(v->n_macs, 1);
	assert_string_equal(v->macs[0], "52:54:00:12:34:56");

	v = nic(&sr, "tap300i1"); /* a silent VM: reported, with no MAC */
	assert_non_null(v);
	assert_int_equal(v->vmid, 300);
	assert_int_equal(v->n_macs, 0);

	assert_null(nic(&sr, "veth1")); /* a container's port */
	assert_null(nic(&sr, "eth0"));
	assert_null(nic(&sr, "tun0"));
	vmnic_free(&sr);
	assert_int_equal(sr.n_vm_nics, 0);
}

static void no_tree_no_nics(void **state)
{
	(void)state;
	Scanopy__V1__SelfReport sr;
	scanopy__v1__self_report__init(&sr);
	assert_int_equal(vmnic_collect("/nonexistent/sys", &sr), 0);
	assert_int_equal(sr.n_vm_nics, 0);
}

static void vmids_from_proxmox_names(void **state)
{
	(void)state;
	uint32_t id = 0;
	assert_int_equal(vmnic_vmid("tap100i0", &id), 0);
	assert_int_equal(id, 100);
	assert_int_equal(vmnic_vmid("tap4294967295i12", &id), 0);
	assert_int_equal(id, 4294967295u);
	assert_int_equal(vmnic_vmid("tap4294967296i0", &id), -1);
	assert_int_equal(vmnic_vmid("tap100i", &id), -1);
	assert_int_equal(vmnic_vmid("tap100", &id), -1);
	assert_int_equal(vmnic_vmid("tapi0", &id), -1);
	assert_int_equal(vmnic_vmid("tap100i0x", &id), -1);
	assert_int_equal(vmnic_vmid("vnet0", &id), -1);
	assert_int_equal(vmnic_vmid("tap", &id), -1);
}

static void partial_and_foreign_entries(void **state)
{
	(void)state;
	struct __fdb_entry e[2] = {fdb(0x52, 0x54, 0, 1, 2, 3, 7, 0),
	                           fdb(0x52, 0x54, 0, 1, 2, 4, 7, 0)};
	char macs[4][18];
	/* a trailing partial entry is not read */
	assert_int_equal(vmnic_fdb_macs((void *)e, sizeof e - 1, 7, macs, 4), 1);
	assert_string_equal(macs[0], "52:54:00:01:02:03");
	assert_int_equal(vmnic_fdb_macs((void *)e, sizeof e, 7, macs, 1), 1);
	assert_int_equal(vmnic_fdb_macs((void *)e, sizeof e, 8, macs, 4), 0);
	assert_int_equal(vmnic_fdb_macs((void *)e, 0, 7, macs, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(taps_on_bridges_are_vm_nics, tree, untree),
	    cmocka_unit_test(no_tree_no_nics),
	    cmocka_unit_test(vmids_from_proxmox_names),
	    cmocka_unit_test(partial_and_foreign_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
