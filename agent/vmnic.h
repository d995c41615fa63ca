/* A Linux hypervisor's virtual machine NICs, read from sysfs: tap devices
 * (tun_flags has IFF_TAP) enslaved to a bridge, and the MACs the bridge has
 * learned on each tap's port (its brforward table). Proxmox VE names taps
 * tap<VMID>i<N>, libvirt vnet<N>; a Proxmox container's veth is veth<VMID>i<N>.
 * A Proxmox guest NIC with its firewall on is a port of fwbr<VMID>i<N>, linked
 * to the real bridge by fwpr<VMID>p<N>: that bridge is the one reported.
 *
 * sysfs rather than netlink (RTM_GETNEIGH, AF_BRIDGE): the flags, the
 * master, the port number and the FDB are all files under one root, so the
 * whole reader runs unchanged against a fake tree in the unit tests; it needs
 * no socket nor privilege, and the daemon only wants MACs per port (brforward
 * carries no VLAN, which netlink would add). */
#ifndef AGENT_VMNIC_H
#define AGENT_VMNIC_H

#include "observation.pb-c.h"

#include <stddef.h>
#include <stdint.h>

/* "tap105i1" -> 105 (returns 0); any other name -> -1. */
int vmnic_vmid(const char *ifname, uint32_t *vmid);
/* "veth200i0" (a Proxmox VE container's host-side veth) -> 200 and net 0
 * (returns 0); any other name, Docker's veth<hex> among them, -> -1. */
int vmnic_ctid(const char *ifname, uint32_t *vmid, unsigned *net);

/* The learned, non-local MACs on bridge port `port` in a brforward dump
 * (an array of struct __fdb_entry; a trailing partial entry is ignored).
 * Writes up to `max` lower-case "aa:bb:cc:dd:ee:ff" texts, without repeats;
 * returns how many. */
size_t vmnic_fdb_macs(const unsigned char *buf, size_t len, unsigned port,
                      char (*macs)[18], size_t max);

/* Where the hypervisor's state is read: "/sys", "/proc", "/etc/pve",
 * "/run/libvirt/qemu" on a real one, test trees of the same layout in the
 * tests. pve or libvirt NULL: not looked in. */
struct vmnic_roots {
	const char *sys, *proc, *pve, *libvirt;
};

/* Appends to sr->vm_nics every tap under roots->sys that is a bridge port
 * and, by who holds it (vmholder.h), a virtual machine's: held by a
 * hypervisor process (holder set), or by a holder that could not be read
 * (holder absent). Each gets the VM's name when the hypervisor keeps one
 * (vmname.h); sr->vm_cluster is the Proxmox cluster's name. With roots->pve,
 * also every bridge port named veth<VMID>i<N> whose container config
 * (lxc/<VMID>.conf) is there: a Proxmox container's (guest "lxc"), named by
 * its hostname, its configured MAC (netN's hwaddr) among its MACs. Returns the
 * number added, -1 on allocation failure (what was added stays, owned by
 * sr). */
int vmnic_collect(const struct vmnic_roots *roots, Scanopy__V1__SelfReport *sr);
void vmnic_free(Scanopy__V1__SelfReport *sr);

#endif
