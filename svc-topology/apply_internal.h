/* The appliers of each observation kind, one file per concern. Each returns
 * 0 (applied, or skipped as unusable) or -1 (a statement failed). */
#ifndef TOPOLOGY_APPLY_INTERNAL_H
#define TOPOLOGY_APPLY_INTERNAL_H

#include "batch_ctx.h"
#include "classified.pb-c.h"
#include "identity.h"

/* apply_hosts.c */
int apply_host_seen(struct batch_ctx *b, const Scanopy__V1__HostSeen *h);
int apply_self_report(struct batch_ctx *b, const Scanopy__V1__SelfReport *sr);
int apply_name(struct batch_ctx *b, const Scanopy__V1__NameRecord *n);
int apply_snmp_system(struct batch_ctx *b, const Scanopy__V1__SnmpSystem *s);
int apply_tls(struct batch_ctx *b, const Scanopy__V1__TlsInfo *t);
/* Names a host from `source` with `rank` when it beats the current name. */
int host_set_name(struct batch_ctx *b, const char *host, const char *name,
                  const char *source, int rank);

/* apply_ports.c */
int apply_port(struct batch_ctx *b, const Scanopy__V1__PortState *ps);
int apply_match(struct batch_ctx *b, const Scanopy__V1__ServiceMatch *m);

/* apply_l2.c */
int apply_if_entry(struct batch_ctx *b, const Scanopy__V1__InterfaceEntry *e);
int apply_neighbor(struct batch_ctx *b, const Scanopy__V1__NeighborEntry *n);
int apply_fdb(struct batch_ctx *b, const Scanopy__V1__FdbEntry *f);
int apply_arp(struct batch_ctx *b, const Scanopy__V1__ArpEntry *a);
/* The far end's keys of a neighbour entry (prefetch.c asks for them too);
 * chassis gets its normalised chassis id. */
void neighbor_far_keys(const Scanopy__V1__NeighborEntry *n, struct ident_set *s,
                       char chassis[136]);

/* apply_workloads.c */
int apply_container(struct batch_ctx *b, const Scanopy__V1__DockerContainer *c);
int apply_docker_network(struct batch_ctx *b, const Scanopy__V1__DockerNetwork *n);

/* apply_vms.c: the VMs a hypervisor's self-report names, under its host. */
int apply_vm_nics(struct batch_ctx *b, const char *hypervisor,
                  const Scanopy__V1__SelfReport *sr);

/* Name ranks: a better source replaces a worse one, never the reverse. */
enum {
	RANK_SSDP = 20,
	RANK_NETBIOS = 35,
	RANK_MDNS = 40,
	RANK_DHCP = 45,
	RANK_DNS = 50,
	RANK_DOCKER = 55,
	RANK_SELF = 60,
	RANK_LLDP = 70,
	RANK_SNMP = 80,
};

#endif
