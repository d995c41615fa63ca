/* The hypervisor's VM NICs, read from a fake sysfs tree laid out as the
 * kernel lays out /sys/class/net (devices under devices/virtual/net, class
 * entries as symlinks to them, master as a symlink to the bridge). */
#include "sc_utf8.h"
#include "vmholder.h"
#include "vmname.h"
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

/* A process of the fake /proc: its comm, its network namespace and one fd
 * (fd 5) on /dev/net/tun attached to tap (NULL: an fd on something else). */
static void process(const char *pid, const char *comm, const char *netns, const char *tap)
{
	char rel[256], t[64];
	snprintf(rel, sizeof rel, "proc/%s", pid);
	dir(rel);
	snprintf(rel, sizeof rel, "proc/%s/comm", pid);
	snprintf(t, sizeof t, "%s\n", comm);
	text(rel, t);
	snprintf(rel, sizeof rel, "proc/%s/ns", pid);
	dir(rel);
	snprintf(rel, sizeof rel, "proc/%s/ns/net", pid);
	sym(netns, rel);
	snprintf(rel, sizeof rel, "proc/%s/fd", pid);
	dir(rel);
	snprintf(rel, sizeof rel, "proc/%s/fdinfo", pid);
	dir(rel);
	snprintf(rel, sizeof rel, "proc/%s/fd/0", pid);
	sym("/dev/null", rel);
	snprintf(rel, sizeof rel, "proc/%s/fd/5", pid);
	sym(tap ? "/dev/net/tun" : "socket:[77]", rel);
	snprintf(rel, sizeof rel, "proc/%s/fdinfo/5", pid);
	snprintf(t, sizeof t,
	         "pos:\t0\nflags:\t0100002\nmnt_id:\t25\nino:\t1047\niff:\t%s\n",
	         tap ? tap : "");
	text(rel, t);
}

/* vmbr0 with: tap100i0 (port 1, a Proxmox VM with two MACs behind it),
 * vnet3 (port 2, libvirt), veth1 (port 3, a container), tap7 (port 4, an
 * OpenVPN tap), eth0 (port 5); tun0 is a tap of no bridge; tap300i1 is a
 * port whose bridge learned nothing. Under proc/: kvm holds tap100i0,
 * qemu-system-x86 vnet3, openvpn tap7; a kvm of another namespace holds a
 * tap7 of its own; process 104 cannot be read, so tap300i1's holder is
 * unknown. veth200i0 (port 6) and veth201i1 (vmbr1) are Proxmox containers'
 * (pve/lxc/200.conf, another node's 201.conf; 201's behind a Proxmox
 * firewall bridge, fwbr201i1, linked to vmbr1), veth202i0 is named as one
 * but has no config. Under pve/ and libvirt/: the names. */
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
	const char *devs[] = {"vmbr0",     "vmbr1",     "tap100i0",  "vnet3",
	                      "veth1",     "tun0",      "eth0",      "tap300i1",
	                      "tap7",      "veth200i0", "veth201i1", "veth202i0",
	                      "fwbr201i1", "fwpr201p1"};
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
	text("devices/virtual/net/tap7/tun_flags", "0x1002\n");
	port("tap7", "vmbr0", "0x4\n");
	port("veth200i0", "vmbr0", "0x6\n");
	/* container 201's net1 has firewall=1: its veth is on fwbr201i1, linked
	 * to vmbr1 by fwpr201p1 */
	port("veth201i1", "fwbr201i1", "0x2\n");
	port("fwpr201p1", "vmbr1", "0x3\n");
	port("veth202i0", "vmbr0", "0x8\n");
	struct __fdb_entry e[] = {
	    fdb(0xbc, 0x24, 0x11, 0xaa, 0xbb, 0x01, 1, 0),     /* VM 100 */
	    fdb(0x52, 0x54, 0x00, 0x00, 0x00, 0x02, 1, 0),     /* VM 100, 2nd MAC */
	    fdb(0xfe, 0x11, 0x22, 0x33, 0x44, 0x55, 1, 1),     /* the tap's own */
	    fdb(0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x102, 0), /* vnet3 */
	    fdb(0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 3, 0),     /* container */
	    fdb(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 5, 0),     /* LAN */
	    fdb(0xbc, 0x24, 0x11, 0xaa, 0xbb, 0x01, 1, 0),     /* again */
	    fdb(0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 1, 0),     /* multicast */
	    fdb(0x02, 0x00, 0x5e, 0x10, 0x00, 0x07, 4, 0),     /* behind the VPN */
	    fdb(0xbc, 0x24, 0x11, 0xcc, 0x00, 0x01, 6, 0),     /* container 200 */
	    fdb(0xbc, 0x24, 0x11, 0xcc, 0x00, 0x09, 8, 0),     /* veth202i0's */
	};
	put("devices/virtual/net/vmbr0/brforward", e, sizeof e);
	put("devices/virtual/net/vmbr1/brforward", e, 0);
	put("devices/virtual/net/fwbr201i1/brforward", e, 0);

	dir("proc");
	dir("proc/self");
	dir("proc/self/ns");
	sym("net:[4026531840]", "proc/self/ns/net");
	process("100", "kvm", "net:[4026531840]", "tap100i0");
	process("101", "qemu-system-x86", "net:[4026531840]", "vnet3");
	process("102", "openvpn", "net:[4026531840]", "tap7");
	process("103", "kvm", "net:[4026532999]", "tap7"); /* another namespace's tap7 */
	process("105", "bash", "net:[4026531840]", NULL);
	dir("proc/104");
	text("proc/104/ns", ""); /* not directories: unreadable */
	text("proc/104/fd", "");

	dir("pve");
	dir("pve/qemu-server");
	dir("pve/nodes");
	dir("pve/nodes/pve2");
	dir("pve/nodes/pve2/qemu-server");
	text("pve/corosync.conf", "logging {\n  debug: off\n}\ntotem {\n  cluster_name: "
	                          "lab-1\n  config_version: 3\n}\n");
	text(
	    "pve/qemu-server/100.conf",
	    "#web server\nboot: order=scsi0\nname: web-1\nnet0: virtio=BC:24:11:AA:BB:01,"
	    "bridge=vmbr0\n\n[before-upgrade]\nname: old-name\n");
	text("pve/nodes/pve2/qemu-server/300.conf", "cores: 1\nname: db-2\n");
	dir("pve/lxc");
	dir("pve/nodes/pve2/lxc");
	text("pve/lxc/200.conf",
	     "arch: amd64\nhostname: ct-web\nnet0: name=eth0,bridge=vmbr0,firewall=1,"
	     "hwaddr=BC:24:11:CC:00:01,ip=dhcp,type=veth\nostype: debian\n\n[snap1]\n"
	     "hostname: ct-old\nnet0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:CC:00:0F\n");
	/* another node's, no hostname; its veth's bridge learned nothing */
	text("pve/nodes/pve2/lxc/201.conf",
	     "net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:CC:00:03\n"
	     "net1: name=eth1,bridge=vmbr1,hwaddr=BC:24:11:CC:00:02,ip=10.0.0.2/24\n");
	/* veth202i0: no config, no container of Proxmox's */
	dir("libvirt");
	text(
	    "libvirt/mail.xml",
	    "<?xml version='1.0'?>\n<!-- do not edit <name>x</name> -->\n<domstatus "
	    "state='running' pid='101'>\n  <monitor path='/x' type='unix'/>\n  <domain "
	    "type='kvm' id='3'>\n    <name>mail &amp; co</name>\n    <metadata><name>no"
	    "</name></metadata>\n    <devices>\n      <interface type='bridge'>\n        "
	    "<mac address='52:54:00:12:34:56'/>\n        <source bridge='vmbr0'/>\n     "
	    "   <target dev='vnet3'/>\n      </interface>\n    </devices>\n  "
	    "</domain>\n</domstatus>\n");
	return 0;
}

static struct vmnic_roots roots(void)
{
	static char proc[96], pve[96], libvirt[96];
	snprintf(proc, sizeof proc, "%s/proc", root);
	snprintf(pve, sizeof pve, "%s/pve", root);
	snprintf(libvirt, sizeof libvirt, "%s/libvirt", root);
	return (struct vmnic_roots){
	    .sys = root, .proc = proc, .pve = pve, .libvirt = libvirt};
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
	struct vmnic_roots r = roots();
	assert_int_equal(vmnic_collect(&r, &sr), 5);
	assert_string_equal(sr.vm_cluster, "lab-1");
	const Scanopy__V1__VmNic *v = nic(&sr, "tap100i0");
	assert_non_null(v);
	assert_string_equal(v->name, "web-1"); /* not the snapshot's */
	assert_string_equal(v->holder, "kvm");
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
	assert_string_equal(v->name, "mail & co"); /* libvirt's, by its target dev */
	assert_string_equal(v->holder, "qemu-system-x86");
	assert_int_equal(v->n_macs, 1);
	assert_string_equal(v->macs[0], "52:54:00:12:34:56");

	v = nic(&sr, "tap300i1"); /* a silent VM: reported, with no MAC */
	assert_non_null(v);
	assert_int_equal(v->vmid, 300);
	assert_int_equal(v->n_macs, 0);
	assert_string_equal(v->name, "db-2"); /* another node's config */
	assert_null(v->holder);               /* process 104 could not be read */

	assert_null(nic(&sr, "tap7")); /* held by openvpn: no VM */

	v = nic(&sr, "veth200i0"); /* a Proxmox container: its config's */
	assert_non_null(v);
	assert_string_equal(v->guest, "lxc");
	assert_true(v->has_vmid);
	assert_int_equal(v->vmid, 200);
	assert_string_equal(v->name, "ct-web"); /* not the snapshot's */
	assert_null(v->holder);
	assert_int_equal(v->port_no, 6);
	assert_int_equal(v->n_macs, 1); /* learned, and configured: once */
	assert_string_equal(v->macs[0], "bc:24:11:cc:00:01");

	v = nic(&sr, "veth201i1"); /* silent: its net1's configured MAC */
	assert_non_null(v);
	assert_string_equal(v->guest, "lxc");
	assert_int_equal(v->vmid, 201);
	assert_null(v->name);
	assert_string_equal(v->bridge, "vmbr1"); /* behind its firewall bridge */
	assert_int_equal(v->port_no, 2);
	assert_int_equal(v->n_macs, 1);
	assert_string_equal(v->macs[0], "bc:24:11:cc:00:02");

	assert_null(nic(&sr, "veth202i0")); /* named so, but no config */
	assert_null(nic(&sr, "fwpr201p1")); /* the firewall's link */
	assert_null(nic(&sr, "veth1"));     /* a (Docker) container's port */
	assert_null(nic(&sr, "eth0"));
	assert_null(nic(&sr, "tun0"));
	vmnic_free(&sr);
	assert_int_equal(sr.n_vm_nics, 0);
}

/* Every process read: a tap nobody holds is no VM's; with no /proc at all,
 * every bridged tap is kept (holder unknown), with no roots no name. */
static void complete_scan_and_no_proc(void **state)
{
	(void)state;
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s/proc/104", root);
	assert_int_equal(system(cmd), 0);
	Scanopy__V1__SelfReport sr;
	scanopy__v1__self_report__init(&sr);
	struct vmnic_roots r = roots();
	assert_int_equal(vmnic_collect(&r, &sr), 4); /* two VMs, two containers */
	assert_null(nic(&sr, "tap300i1"));
	vmnic_free(&sr);

	r.proc = "/nonexistent/proc";
	r.pve = r.libvirt = NULL;
	assert_int_equal(vmnic_collect(&r, &sr), 4); /* no containers: no tree */
	assert_null(nic(&sr, "veth200i0"));
	assert_non_null(nic(&sr, "tap7"));
	assert_null(nic(&sr, "tap7")->holder);
	assert_null(nic(&sr, "tap100i0")->name);
	assert_null(sr.vm_cluster);
	vmnic_free(&sr);
}

static void no_tree_no_nics(void **state)
{
	(void)state;
	Scanopy__V1__SelfReport sr;
	scanopy__v1__self_report__init(&sr);
	struct vmnic_roots r = {.sys = "/nonexistent/sys", .proc = "/proc"};
	assert_int_equal(vmnic_collect(&r, &sr), 0);
	assert_int_equal(sr.n_vm_nics, 0);
}

static void pve_files(void **state)
{
	(void)state;
	char out[VMNAME_MAX + 1];
	const char *c = "name: a\n";
	assert_int_equal(vmname_pve_conf(c, strlen(c), out), 0);
	assert_string_equal(out, "a");
	c = "cores: 2\r\nname:  spaced name \r\n";
	assert_int_equal(vmname_pve_conf(c, strlen(c), out), 0);
	assert_string_equal(out, "spaced name");
	c = "[snap]\nname: only-in-a-snapshot\n";
	assert_int_equal(vmname_pve_conf(c, strlen(c), out), -1);
	c = "name: bell\a\n"; /* a control character */
	assert_int_equal(vmname_pve_conf(c, strlen(c), out), -1);
	c = "name: caf\xc3\n"; /* cut UTF-8 */
	assert_int_equal(vmname_pve_conf(c, strlen(c), out), -1);
	c = "name: caf\xc3\xa9"; /* no newline at the end */
	assert_int_equal(vmname_pve_conf(c, strlen(c), out), 0);
	assert_string_equal(out, "caf\xc3\xa9");
	char longer[300] = "name: ";
	memset(longer + 6, 'x', VMNAME_MAX + 1);
	assert_int_equal(vmname_pve_conf(longer, strlen(longer), out), -1);
	c = "name:\n";
	assert_int_equal(vmname_pve_conf(c, strlen(c), out), -1);

	char cl[65];
	c = "totem {\n\tcluster_name: prod\n}\n";
	assert_int_equal(vmname_pve_cluster(c, strlen(c), cl), 0);
	assert_string_equal(cl, "prod");
	c = "totem {\n cluster_name: a b\n}\n";
	assert_int_equal(vmname_pve_cluster(c, strlen(c), cl), -1);
	/* a NUL is no name's (found by fuzz_brforward) */
	assert_int_equal(vmname_pve_cluster("cluster_name: a\0b\n", 18, cl), -1);
	c = "totem {\n version: 2\n}\n";
	assert_int_equal(vmname_pve_cluster(c, strlen(c), cl), -1);
}

static void lxc_files(void **state)
{
	(void)state;
	char out[VMNAME_MAX + 1];
	struct vmname_lxc_net n[2];
	const char *c =
	    "arch: amd64\r\nhostname:  ct 1 \r\nnet0: name=eth0, bridge=vmbr0 ,"
	    "hwaddr=bc:24:11:00:00:0A,type=veth\r\nnet12: bridge=vmbr1\n"
	    "net2: hwaddr=bad,bridge=a/b\nnetx: hwaddr=BC:24:11:00:00:0B\n"
	    "lxc.net.0.hwaddr: 02:00:00:00:00:01\n";
	assert_int_equal(vmname_lxc_conf(c, strlen(c), out, n, 2), 2);
	assert_string_equal(out, "ct 1");
	assert_int_equal(n[0].index, 0);
	assert_string_equal(n[0].mac, "bc:24:11:00:00:0a");
	assert_string_equal(n[0].bridge, "vmbr0");
	assert_int_equal(n[1].index, 12);
	assert_string_equal(n[1].mac, "");
	assert_string_equal(n[1].bridge, "vmbr1");
	c = "net2: hwaddr=bad,bridge=a/b\n"; /* neither valid */
	assert_int_equal(vmname_lxc_conf(c, strlen(c), out, n, 2), 1);
	assert_string_equal(n[0].mac, "");
	assert_string_equal(n[0].bridge, "");
	c = "[pve:pending]\nhostname: later\nnet0: hwaddr=BC:24:11:00:00:0C\n";
	assert_int_equal(vmname_lxc_conf(c, strlen(c), out, n, 2), 0);
	assert_string_equal(out, "");
	c = "hostname: bell\a\n"; /* a control character: no name */
	assert_int_equal(vmname_lxc_conf(c, strlen(c), out, n, 2), 0);
	assert_string_equal(out, "");
	char longer[300] = "hostname: ";
	memset(longer + 10, 'x', VMNAME_MAX + 1);
	assert_int_equal(vmname_lxc_conf(longer, strlen(longer), out, n, 2), 0);
	assert_string_equal(out, "");
	c = "net99999999999: hwaddr=BC:24:11:00:00:0C\nnet1:"; /* too big, empty */
	assert_int_equal(vmname_lxc_conf(c, strlen(c), out, n, 2), 1);
	assert_int_equal(n[0].index, 1);
	assert_int_equal(vmname_lxc_conf("", 0, out, n, 2), 0);
}

static void libvirt_xml(void **state)
{
	(void)state;
	char out[VMNAME_MAX + 1];
	struct vmname_iface ifs[2];
	const char *x =
	    "<domain><name>a&#233;&#x263A;&lt;</name><devices><interface><target "
	    "dev=\"vnet9\"/><mac address=\"52:54:00:AB:CD:EF\"/></interface>"
	    "<interface><mac address='bad'/></interface><interface><target "
	    "dev='vnet10'/></interface></devices></domain>";
	assert_int_equal(vmname_libvirt_xml(x, strlen(x), out, ifs, 2), 2);
	assert_string_equal(out, "a\xc3\xa9\xe2\x98\xba<");
	assert_string_equal(ifs[0].dev, "vnet9");
	assert_string_equal(ifs[0].mac, "52:54:00:ab:cd:ef");
	/* the one whose MAC is none is not kept */
	assert_string_equal(ifs[1].dev, "vnet10");
	/* a MAC wrong in its 9th byte is none (found by fuzz_brforward) */
	x = "<domain><name>b</name><devices><interface><target dev='vnet1'/><mac "
	    "address='52:54:00;12:34:56'/></interface></devices></domain>";
	assert_int_equal(vmname_libvirt_xml(x, strlen(x), out, ifs, 2), 1);
	assert_string_equal(ifs[0].mac, "");
	x = "<domain><name>b</name><devices><interface><target dev='vn\0et'/>"
	    "</interface></devices></domain>";
	assert_int_equal(vmname_libvirt_xml(x, 94, out, ifs, 2), 0);
	/* no name, a name that is an entity of nothing, a cut document */
	const char *bad[] = {"<domain><uuid>x</uuid></domain>",
	                     "<domain><name>&bogus;</name></domain>",
	                     "<domain><name>a&#0;</name></domain>",
	                     "<domain><name>abc",
	                     "<domain><name/></domain>",
	                     "<domain><name>a</name",
	                     "<domain attr=noquote><name>a</name></domain>",
	                     "<other><name>a</name></other>",
	                     ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(vmname_libvirt_xml(bad[i], strlen(bad[i]), out, ifs, 2),
		                 -1);
	/* 64 levels deep and more: given up */
	char deep[2048] = "";
	for (int i = 0; i < 70; i++)
		strcat(deep, "<a>");
	strcat(deep, "<domain><name>x</name></domain>");
	assert_int_equal(vmname_libvirt_xml(deep, strlen(deep), out, ifs, 2), -1);
}

static void holders(void **state)
{
	(void)state;
	assert_true(vmholder_hypervisor("qemu-system-x86"));
	assert_true(vmholder_hypervisor("qemu-system-aar"));
	assert_true(vmholder_hypervisor("kvm"));
	assert_true(vmholder_hypervisor("VBoxHeadless"));
	assert_true(vmholder_hypervisor("cloud-hyperviso"));
	assert_false(vmholder_hypervisor("openvpn"));
	assert_false(vmholder_hypervisor("tincd"));
	assert_false(vmholder_hypervisor("zerotier-one"));
	assert_false(vmholder_hypervisor("kvm-pit/1234"));
	assert_false(vmholder_hypervisor(""));
	char t[16];
	const char *f = "pos:\t0\nflags:\t02\niff:\ttap0\n";
	assert_int_equal(vmholder_iff(f, strlen(f), t), 0);
	assert_string_equal(t, "tap0");
	f = "pos:\t0\nflags:\t02\n";
	assert_int_equal(vmholder_iff(f, strlen(f), t), -1);
	f = "iff:\t\n";
	assert_int_equal(vmholder_iff(f, strlen(f), t), -1);
	f = "iff:\ta-name-far-too-long\n";
	assert_int_equal(vmholder_iff(f, strlen(f), t), -1);
}

static void utf8_labels(void **state)
{
	(void)state;
	assert_true(sc_utf8_label("web-1", 5));
	assert_true(sc_utf8_label("\xe2\x98\xba", 3));
	assert_true(sc_utf8_label("\xf0\x9f\x98\x80", 4));
	assert_false(sc_utf8_label("\xc0\xaf", 2));         /* overlong */
	assert_false(sc_utf8_label("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(sc_utf8_label("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(sc_utf8_label("\xc2\x85", 2));         /* C1 control */
	assert_false(sc_utf8_label("a\tb", 3));
	assert_false(sc_utf8_label("a\0b", 3));
	assert_false(sc_utf8_label("\xe2\x98", 2));
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
	unsigned net = 9;
	assert_int_equal(vmnic_ctid("veth200i3", &id, &net), 0);
	assert_int_equal(id, 200);
	assert_int_equal(net, 3);
	assert_int_equal(vmnic_vmid("veth200i3", &id), -1);
	assert_int_equal(vmnic_ctid("tap200i3", &id, &net), -1);
	assert_int_equal(vmnic_ctid("veth1a2b3c4", &id, &net), -1); /* Docker's */
	assert_int_equal(vmnic_ctid("veth1234567", &id, &net), -1);
	assert_int_equal(vmnic_ctid("veth200i1234567", &id, &net), -1);
	assert_int_equal(vmnic_ctid("vethi0", &id, &net), -1);
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
	    cmocka_unit_test_setup_teardown(complete_scan_and_no_proc, tree, untree),
	    cmocka_unit_test(no_tree_no_nics),
	    cmocka_unit_test(pve_files),
	    cmocka_unit_test(lxc_files),
	    cmocka_unit_test(libvirt_xml),
	    cmocka_unit_test(holders),
	    cmocka_unit_test(utf8_labels),
	    cmocka_unit_test(vmids_from_proxmox_names),
	    cmocka_unit_test(partial_and_foreign_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
