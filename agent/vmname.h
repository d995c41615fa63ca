/* Where a Linux hypervisor keeps its virtual machines' names, read as text
 * that is trusted no more than a packet: every file is bounded in size
 * (regular files only), every name checked (UTF-8, no control character,
 * VMNAME_MAX bytes at most) before it goes into a report.
 *
 *   Proxmox VE  <pve>/qemu-server/<VMID>.conf, else
 *               <pve>/nodes/<node>/qemu-server/<VMID>.conf: the "name:" line
 *               of the current configuration (before any [snapshot]);
 *               <pve>/corosync.conf: the cluster's name (totem cluster_name);
 *               <pve>/lxc/<VMID>.conf, else <pve>/nodes/<node>/lxc/: a
 *               container's "hostname:" and its netN lines (hwaddr, bridge).
 *   libvirt     <libvirt>/<domain>.xml, the running domains' status: the
 *               domain's <name>, each <interface>'s <mac address=> and
 *               <target dev=>. */
#ifndef AGENT_VMNAME_H
#define AGENT_VMNAME_H

#include <stddef.h>
#include <stdint.h>

#define VMNAME_MAX 128             /* bytes of a name, without the NUL */
#define VMNAME_FILE_MAX (1u << 20) /* largest file read: 1 MiB */

/* A libvirt domain's NIC: its tap and its MAC (lower-case). */
struct vmname_iface {
	char dev[16];
	char mac[18];
};

/* The name in a qemu-server config (buf need not be NUL-terminated).
 * Returns 0 and writes out (VMNAME_MAX + 1 bytes) when found and valid. */
int vmname_pve_conf(const char *buf, size_t len, char *out);

/* A Proxmox VE container's network device, from its lxc/<VMID>.conf netN
 * line: index N (its host-side veth is veth<VMID>i<N>), its MAC (hwaddr,
 * lower-case; "" when absent or invalid) and its bridge ("" likewise). */
struct vmname_lxc_net {
	unsigned index;
	char mac[18];
	char bridge[16];
};

/* An lxc/<VMID>.conf (buf need not be NUL-terminated): the "hostname:" of
 * the current configuration (before any [snapshot] or [pve:pending]) into
 * name (VMNAME_MAX + 1 bytes; "" when absent or invalid) and up to max of
 * its netN lines into nets. Returns how many nets. */
int vmname_lxc_conf(const char *buf, size_t len, char *name, struct vmname_lxc_net *nets,
                    int max);

/* corosync.conf's cluster_name: letters, digits, '-', '_' and '.', at most
 * 64. Returns 0 and writes out (65 bytes) when found and valid. */
int vmname_pve_cluster(const char *buf, size_t len, char *out);

/* A libvirt domain XML (status or definition): its name into out and up to
 * max of its interfaces into ifs. Returns how many interfaces, -1 when the
 * document has no valid domain name. */
int vmname_libvirt_xml(const char *buf, size_t len, char *out, struct vmname_iface *ifs,
                       int max);

/* All of a regular file of at most max bytes, NUL-terminated; NULL when it
 * is missing, not a regular file or larger. Free with free(). */
char *vmname_read_file(const char *path, size_t max, size_t *len);

/* The names of a hypervisor's VMs, from the roots above (NULL: none). */
struct vmname_dir;
struct vmname_dir *vmname_open(const char *pve_root, const char *libvirt_root);
/* The cluster name, or NULL when standalone (no corosync.conf). */
const char *vmname_cluster(struct vmname_dir *d);
/* The name of Proxmox VM vmid, or of the libvirt domain with the tap ifname
 * or one of the MACs; NULL when none is known. Valid until vmname_close. */
const char *vmname_find(struct vmname_dir *d, int has_vmid, uint32_t vmid,
                        const char *ifname, char *const *macs, size_t n_macs);
/* Proxmox container vmid's config (<pve>/lxc/<VMID>.conf, else a node's):
 * -1 when there is none (then the veth is not a Proxmox container's).
 * Else 0, *name its hostname (NULL when it has none valid; valid until
 * vmname_close) and mac netN's hwaddr ("" when none). */
int vmname_lxc(struct vmname_dir *d, uint32_t vmid, unsigned net, const char **name,
               char mac[18]);
void vmname_close(struct vmname_dir *d);

#endif
