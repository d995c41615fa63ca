#include "vmnic.h"

#include "vmholder.h"
#include "vmname.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_bridge.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VMNIC_IFF_TAP 0x0002     /* IFF_TAP of <linux/if_tun.h> */
#define VMNIC_FDB_MAX (4u << 20) /* 256k entries: more is not a bridge */
#define VMNIC_MACS_MAX 64        /* per port */

/* "<prefix><VMID>i<N>" -> VMID and N. */
static int guest_nic(const char *ifname, const char *prefix, uint32_t *vmid,
                     unsigned *net)
{
	size_t k = strlen(prefix);
	if (strncmp(ifname, prefix, k))
		return -1;
	const char *p = ifname + k, *d = p;
	unsigned long id = 0;
	while (*p >= '0' && *p <= '9' && p - d < 10)
		id = id * 10 + (unsigned long)(*p++ - '0');
	if (p == d || *p != 'i' || id > UINT32_MAX)
		return -1;
	const char *n = ++p;
	unsigned long i = 0;
	while (*p >= '0' && *p <= '9' && p - n < 6)
		i = i * 10 + (unsigned long)(*p++ - '0');
	if (p == n || *p)
		return -1;
	*vmid = (uint32_t)id;
	*net = (unsigned)i;
	return 0;
}

int vmnic_vmid(const char *ifname, uint32_t *vmid)
{
	unsigned net;
	return guest_nic(ifname, "tap", vmid, &net);
}

int vmnic_ctid(const char *ifname, uint32_t *vmid, unsigned *net)
{
	return guest_nic(ifname, "veth", vmid, net);
}

size_t vmnic_fdb_macs(const unsigned char *buf, size_t len, unsigned port,
                      char (*macs)[18], size_t max)
{
	size_t n = 0;
	for (size_t off = 0; off + sizeof(struct __fdb_entry) <= len && n < max;
	     off += sizeof(struct __fdb_entry)) {
		struct __fdb_entry e;
		memcpy(&e, buf + off, sizeof e);
		unsigned p = (unsigned)e.port_no | (unsigned)e.port_hi << 8;
		if (e.is_local || p != port || (e.mac_addr[0] & 1))
			continue; /* the bridge's own, another port's, multicast */
		char m[18];
		snprintf(m, sizeof m, "%02x:%02x:%02x:%02x:%02x:%02x", e.mac_addr[0],
		         e.mac_addr[1], e.mac_addr[2], e.mac_addr[3], e.mac_addr[4],
		         e.mac_addr[5]);
		size_t i = 0;
		while (i < n && strcmp(macs[i], m))
			i++;
		if (i == n)
			memcpy(macs[n++], m, sizeof m);
	}
	return n;
}

/* A small sysfs text file's first line, without the newline. */
static int read_text(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *ok = fgets(out, (int)len, f);
	fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\n")] = 0;
	return 0;
}

static int read_number(const char *path, unsigned long *v)
{
	char t[32], *end;
	if (read_text(path, t, sizeof t))
		return -1;
	*v = strtoul(t, &end, 0); /* "0x1002", "0x1" */
	return end == t ? -1 : 0;
}

/* The whole of a binary sysfs file (brforward is served a page at a time). */
static unsigned char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	unsigned char *b = malloc(cap);
	while (b) {
		if (n == cap) {
			unsigned char *g =
			    cap < VMNIC_FDB_MAX ? realloc(b, cap * 2) : NULL;
			if (!g)
				break;
			b = g;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return b;
}

static int add_nic(Scanopy__V1__SelfReport *sr, const char *ifname, const char *bridge,
                   unsigned port, char (*macs)[18], size_t n, bool lxc)
{
	Scanopy__V1__VmNic **grown =
	    realloc(sr->vm_nics, (sr->n_vm_nics + 1) * sizeof *grown);
	if (!grown)
		return -1;
	sr->vm_nics = grown;
	Scanopy__V1__VmNic *v = calloc(1, sizeof *v);
	if (!v)
		return -1;
	scanopy__v1__vm_nic__init(v);
	sr->vm_nics[sr->n_vm_nics++] = v;
	v->ifname = strdup(ifname);
	v->bridge = strdup(bridge);
	v->port_no = port;
	v->has_port_no = 1;
	unsigned net;
	if (lxc ? vmnic_ctid(ifname, &v->vmid, &net) == 0
	        : vmnic_vmid(ifname, &v->vmid) == 0)
		v->has_vmid = 1;
	if (lxc && !(v->guest = strdup("lxc")))
		return -1;
	if (n && !(v->macs = calloc(n, sizeof *v->macs)))
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((v->macs[v->n_macs] = strdup(macs[i])))
			v->n_macs++;
	return v->ifname && v->bridge ? 0 : -1;
}

/* net/dev/leaf into out (PATH_MAX bytes); -1 when it does not fit. */
static int at(char *out, const char *net, const char *dev, const char *leaf)
{
	int w = snprintf(out, PATH_MAX, "%s/%s/%s", net, dev, leaf);
	return w < 0 || w >= PATH_MAX ? -1 : 0;
}

/* The network a guest's NIC is on: its bridge, or when that is Proxmox's
 * firewall bridge fwbr<VMID>i<N> (a guest NIC with firewall=1), the bridge
 * of the veth end that links it to the real one, fwpr<VMID>p<N>. The MACs
 * are still read on the firewall bridge, where the NIC is a port. */
static const char *network_of(const char *net, const char *bridge, char *out)
{
	uint32_t id;
	unsigned n;
	char path[PATH_MAX], pr[32];
	if (guest_nic(bridge, "fwbr", &id, &n))
		return bridge;
	snprintf(pr, sizeof pr, "fwpr%up%u", id, n);
	ssize_t l = at(path, net, pr, "master") ? -1 : readlink(path, out, PATH_MAX - 1);
	if (l <= 0)
		return bridge;
	out[l] = 0;
	const char *b = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
	return *b ? b : bridge;
}

/* One interface: a tap that is a bridge port, or with a Proxmox tree
 * (pve), a veth named as Proxmox names a container's (veth<VMID>i<N>: not
 * Docker's veth<hex>, which has no 'i' between digits; its config decides,
 * in name_vms); else nothing (0). */
static int one(const char *net, const char *ifname, bool pve, Scanopy__V1__SelfReport *sr)
{
	char path[PATH_MAX], link[PATH_MAX];
	unsigned long flags, port;
	uint32_t ct;
	unsigned ctn;
	bool lxc = false;
	if (at(path, net, ifname, "tun_flags") || read_number(path, &flags)) {
		if (!pve || vmnic_ctid(ifname, &ct, &ctn))
			return 0; /* physical, another veth: no guest's NIC */
		lxc = true;
	} else if (!(flags & VMNIC_IFF_TAP))
		return 0; /* a tun: no VM's NIC */
	ssize_t l =
	    at(path, net, ifname, "master") ? -1 : readlink(path, link, sizeof link - 1);
	if (l <= 0)
		return 0; /* a tap of no bridge (a VPN's) */
	link[l] = 0;
	const char *bridge = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (!*bridge || at(path, net, ifname, "brport/port_no") ||
	    read_number(path, &port) || port > 0xffff ||
	    at(path, net, bridge, "brforward"))
		return 0;
	size_t len = 0;
	unsigned char *fdb = read_all(path, &len);
	char(*macs)[18] = calloc(VMNIC_MACS_MAX, sizeof *macs);
	size_t n = fdb && macs
	               ? vmnic_fdb_macs(fdb, len, (unsigned)port, macs, VMNIC_MACS_MAX)
	               : 0;
	char real[PATH_MAX];
	int rc = macs ? add_nic(sr, ifname, network_of(net, bridge, real), (unsigned)port,
	                        macs, n, lxc)
	              : -1;
	free(fdb);
	free(macs);
	return rc ? -1 : 1;
}

static void free_nic(Scanopy__V1__VmNic *v)
{
	for (size_t j = 0; j < v->n_macs; j++)
		free(v->macs[j]);
	free(v->macs);
	free(v->ifname);
	free(v->bridge);
	free(v->name);
	free(v->holder);
	free(v->guest);
	free(v);
}

static bool is_lxc(const Scanopy__V1__VmNic *v)
{
	return v->guest && !strcmp(v->guest, "lxc");
}

/* Keeps the NICs from `from` on whose tap a hypervisor holds, or whose holder
 * could not be read; a VPN's tap (its holder no hypervisor) is dropped. */
static int keep_vms(const char *proc, Scanopy__V1__SelfReport *sr, size_t from)
{
	struct vmholder h;
	if (vmholder_scan(proc, &h))
		h.complete = false; /* no /proc: every holder unknown */
	size_t k = from;
	int rc = 0;
	for (size_t i = from; i < sr->n_vm_nics; i++) {
		Scanopy__V1__VmNic *v = sr->vm_nics[i];
		const char *comm;
		if (is_lxc(v)) { /* a veth has no holder: its config decides */
			sr->vm_nics[k++] = v;
			continue;
		}
		enum vmholder_verdict r = vmholder_of(&h, v->ifname, &comm);
		if (r == VMHOLDER_OTHER) {
			free_nic(v);
			continue;
		}
		if (r == VMHOLDER_VM && !(v->holder = strdup(comm)))
			rc = -1;
		sr->vm_nics[k++] = v;
	}
	sr->n_vm_nics = k;
	vmholder_free(&h);
	return rc;
}

/* Adds mac to v's MACs unless it is there (a container's configured MAC,
 * for one the bridge has not heard yet). */
static int add_mac(Scanopy__V1__VmNic *v, const char *mac)
{
	for (size_t i = 0; i < v->n_macs; i++)
		if (!strcmp(v->macs[i], mac))
			return 0;
	char **g = realloc(v->macs, (v->n_macs + 1) * sizeof *g);
	if (!g)
		return -1;
	v->macs = g;
	if (!(v->macs[v->n_macs] = strdup(mac)))
		return -1;
	v->n_macs++;
	return 0;
}

/* A container's veth: its lxc/<VMID>.conf's hostname and netN's MAC; 1 when
 * there is no such config (the veth is no Proxmox container's: dropped). */
static int name_ct(struct vmname_dir *d, Scanopy__V1__VmNic *v)
{
	uint32_t vmid;
	unsigned net;
	const char *n;
	char mac[18];
	if (vmnic_ctid(v->ifname, &vmid, &net) || vmname_lxc(d, vmid, net, &n, mac))
		return 1;
	if (n && !(v->name = strdup(n)))
		return -1;
	return *mac ? add_mac(v, mac) : 0;
}

static int name_vms(const struct vmnic_roots *r, Scanopy__V1__SelfReport *sr, size_t from)
{
	if (!r->pve && !r->libvirt)
		return 0;
	struct vmname_dir *d = vmname_open(r->pve, r->libvirt);
	if (!d)
		return -1;
	int rc = 0;
	bool proxmox = false;
	size_t k = from;
	for (size_t i = from; i < sr->n_vm_nics; i++) {
		Scanopy__V1__VmNic *v = sr->vm_nics[i];
		if (is_lxc(v)) {
			int c = name_ct(d, v);
			if (c > 0) {
				free_nic(v);
				continue;
			}
			rc |= c;
		} else {
			const char *n = vmname_find(d, v->has_vmid, v->vmid, v->ifname,
			                            v->macs, v->n_macs);
			if (n && !(v->name = strdup(n)))
				rc = -1;
		}
		proxmox |= v->has_vmid;
		sr->vm_nics[k++] = v;
	}
	sr->n_vm_nics = k;
	const char *c = vmname_cluster(d);
	if (proxmox && c && !sr->vm_cluster && !(sr->vm_cluster = strdup(c)))
		rc = -1;
	vmname_close(d);
	return rc;
}

int vmnic_collect(const struct vmnic_roots *roots, Scanopy__V1__SelfReport *sr)
{
	char net[PATH_MAX];
	size_t from = sr->n_vm_nics;
	snprintf(net, sizeof net, "%s/class/net", roots->sys);
	DIR *d = opendir(net);
	if (!d)
		return 0;
	int added = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int r = one(net, e->d_name, roots->pve && *roots->pve, sr);
		if (r < 0) {
			added = -1;
			break;
		}
		added += r;
	}
	closedir(d);
	if (sr->n_vm_nics > from) {
		if (keep_vms(roots->proc, sr, from) || name_vms(roots, sr, from))
			added = -1;
		else if (added >= 0)
			added = (int)(sr->n_vm_nics - from);
	}
	return added;
}

void vmnic_free(Scanopy__V1__SelfReport *sr)
{
	for (size_t i = 0; i < sr->n_vm_nics; i++)
		free_nic(sr->vm_nics[i]);
	free(sr->vm_nics);
	free(sr->vm_cluster);
	sr->vm_cluster = NULL;
	sr->vm_nics = NULL;
	sr->n_vm_nics = 0;
}
