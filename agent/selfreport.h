/* The SelfReport discovery: the daemon's own interfaces, addresses, subnets,
 * default gateways and capabilities, read from the kernel. */
#ifndef AGENT_SELFREPORT_H
#define AGENT_SELFREPORT_H

#include "observation.pb-c.h"

#include <stdbool.h>

/* Fills `sr` (whose strings and arrays are then owned by it); free with
 * selfreport_free. Returns -1 when the interfaces cannot be read. */
int selfreport_collect(Scanopy__V1__SelfReport *sr, const char *daemon_name,
                       const char *mode, bool docker_access);
void selfreport_free(Scanopy__V1__SelfReport *sr);

/* Where the VM NICs' names are read (vmnic.h): the Proxmox VE cluster file
 * system and libvirt's running domains, by default /etc/pve and
 * /run/libvirt/qemu; NULL or "" for none. Set once, before collecting. */
void selfreport_vm_roots(const char *pve_root, const char *libvirt_root);

/* Classifies an interface from its name and kernel flags (exposed for tests). */
Scanopy__V1__InterfaceType selfreport_iftype(const char *name, bool loopback);

/* The network of ip/prefix in CIDR text ("10.1.2.0/24"); -1 if not IPv4/IPv6. */
int selfreport_subnet(const char *ip, unsigned prefix, char *out, size_t len);

#endif
