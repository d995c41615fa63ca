#include "selfreport.h"

#include "sc_log.h"
#include "vmnic.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static struct vmnic_roots vm_roots = {
    .sys = "/sys", .proc = "/proc", .pve = "/etc/pve", .libvirt = "/run/libvirt/qemu"};

void selfreport_vm_roots(const char *pve_root, const char *libvirt_root)
{
	vm_roots.pve = pve_root && *pve_root ? pve_root : NULL;
	vm_roots.libvirt = libvirt_root && *libvirt_root ? libvirt_root : NULL;
}

static int prefix_len(const struct sockaddr *mask)
{
	const unsigned char *b;
	size_t n;
	if (mask->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
		n = 4;
	} else {
		b = (const unsigned char *)&((const struct sockaddr_in6 *)mask)
		        ->sin6_addr;
		n = 16;
	}
	int bits = 0;
	for (size_t i = 0; i < n; i++)
		bits += __builtin_popcount(b[i]);
	return bits;
}

int selfreport_subnet(const char *ip, unsigned prefix, char *out, size_t len)
{
	unsigned char a[16];
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	size_t n = af == AF_INET ? 4 : 16;
	if (inet_pton(af, ip, a) != 1 || prefix > n * 8)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int keep = (int)prefix - (int)(i * 8);
		a[i] &= keep >= 8   ? 0xff
		        : keep <= 0 ? 0
		                    : (unsigned char)(0xff << (8 - keep));
	}
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(af, a, text, sizeof text))
		return -1;
	int w = snprintf(out, len, "%s/%u", text, prefix);
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

Scanopy__V1__InterfaceType selfreport_iftype(const char *name, bool loopback)
{
	static const struct {
		const char *prefix;
		Scanopy__V1__InterfaceType type;
	} rules[] = {
	    {"docker", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE},
	    {"br-", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE},
	    {"podman", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE},
	    {"cni", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_DOCKER_BRIDGE},
	    {"wl", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_WIFI},
	    {"tun", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VPN},
	    {"tap", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VPN},
	    {"wg", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VPN},
	    {"tailscale", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VPN},
	    {"zt", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VPN},
	    {"veth", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VIRTUAL},
	    {"virbr", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_BRIDGE},
	    {"br", SCANOPY__V1__INTERFACE_TYPE__IFTYPE_BRIDGE},
	};
	if (loopback)
		return SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LOOPBACK;
	if (strchr(name, '.')) /* eth0.100: a VLAN sub-interface */
		return SCANOPY__V1__INTERFACE_TYPE__IFTYPE_VLAN;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!strncmp(name, rules[i].prefix, strlen(rules[i].prefix)))
			return rules[i].type;
	return SCANOPY__V1__INTERFACE_TYPE__IFTYPE_LAN;
}

static Scanopy__V1__DaemonInterface *find_or_add(Scanopy__V1__SelfReport *sr,
                                                 const char *name)
{
	for (size_t i = 0; i < sr->n_interfaces; i++)
		if (!strcmp(sr->interfaces[i]->name, name))
			return sr->interfaces[i];
	Scanopy__V1__DaemonInterface **grown =
	    realloc(sr->interfaces, (sr->n_interfaces + 1) * sizeof *grown);
	Scanopy__V1__DaemonInterface *ifc = calloc(1, sizeof *ifc);
	if (grown)
		sr->interfaces = grown;
	if (!grown || !ifc) {
		free(ifc);
		return NULL;
	}
	scanopy__v1__daemon_interface__init(ifc);
	if (!(ifc->name = strdup(name))) {
		free(ifc);
		return NULL;
	}
	ifc->index = if_nametoindex(name);
	ifc->has_index = 1;
	sr->interfaces[sr->n_interfaces++] = ifc;
	return ifc;
}

static int add_address(Scanopy__V1__DaemonInterface *ifc, const struct ifaddrs *ia)
{
	char ip[INET6_ADDRSTRLEN], subnet[INET6_ADDRSTRLEN + 8];
	const void *src =
	    ia->ifa_addr->sa_family == AF_INET
	        ? (const void *)&((struct sockaddr_in *)ia->ifa_addr)->sin_addr
	        : (const void *)&((struct sockaddr_in6 *)ia->ifa_addr)->sin6_addr;
	if (!inet_ntop(ia->ifa_addr->sa_family, src, ip, sizeof ip))
		return 0;
	unsigned prefix = ia->ifa_netmask ? (unsigned)prefix_len(ia->ifa_netmask) : 0;
	Scanopy__V1__InterfaceAddress **grown =
	    realloc(ifc->addresses, (ifc->n_addresses + 1) * sizeof *grown);
	Scanopy__V1__InterfaceAddress *a = calloc(1, sizeof *a);
	if (grown)
		ifc->addresses = grown;
	if (!grown || !a) {
		free(a);
		return -1;
	}
	scanopy__v1__interface_address__init(a);
	a->ip = strdup(ip);
	a->prefix_len = prefix;
	a->has_prefix_len = 1;
	if (selfreport_subnet(ip, prefix, subnet, sizeof subnet) == 0)
		a->subnet = strdup(subnet);
	ifc->addresses[ifc->n_addresses++] = a;
	return 0;
}

static void set_mac(Scanopy__V1__DaemonInterface *ifc, const struct ifaddrs *ia)
{
	const struct sockaddr_ll *ll = (const struct sockaddr_ll *)ia->ifa_addr;
	if (ll->sll_halen != 6 || ifc->mac)
		return;
	char mac[18];
	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", ll->sll_addr[0],
	         ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3], ll->sll_addr[4],
	         ll->sll_addr[5]);
	if (strcmp(mac, "00:00:00:00:00:00"))
		ifc->mac = strdup(mac);
}

/* Default routes' next hops from /proc/net/route (IPv4). */
static void add_gateways(Scanopy__V1__SelfReport *sr)
{
	FILE *f = fopen("/proc/net/route", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		char ifname[64];
		unsigned dest, gw, flags;
		if (sscanf(line, "%63s %x %x %x", ifname, &dest, &gw, &flags) != 4)
			continue;
		if (dest != 0 || gw == 0 || !(flags & 0x2)) /* RTF_GATEWAY */
			continue;
		char text[INET_ADDRSTRLEN];
		struct in_addr a = {.s_addr = gw};
		char **grown = realloc(sr->default_gateways,
		                       (sr->n_default_gateways + 1) * sizeof *grown);
		if (!grown || !inet_ntop(AF_INET, &a, text, sizeof text))
			break;
		sr->default_gateways = grown;
		sr->default_gateways[sr->n_default_gateways++] = strdup(text);
	}
	fclose(f);
}

int selfreport_collect(Scanopy__V1__SelfReport *sr, const char *daemon_name,
                       const char *mode, bool docker_access)
{
	scanopy__v1__self_report__init(sr);
	struct ifaddrs *list;
	if (getifaddrs(&list)) {
		sc_error("self-report: cannot list interfaces");
		return -1;
	}
	for (struct ifaddrs *ia = list; ia; ia = ia->ifa_next) {
		if (!ia->ifa_addr)
			continue;
		int fam = ia->ifa_addr->sa_family;
		if (fam != AF_INET && fam != AF_INET6 && fam != AF_PACKET)
			continue;
		Scanopy__V1__DaemonInterface *ifc = find_or_add(sr, ia->ifa_name);
		if (!ifc)
			break;
		ifc->up = (ia->ifa_flags & IFF_UP) != 0;
		ifc->has_up = 1;
		ifc->type = selfreport_iftype(ia->ifa_name, ia->ifa_flags & IFF_LOOPBACK);
		ifc->has_type = 1;
		if (fam == AF_PACKET)
			set_mac(ifc, ia);
		else if (add_address(ifc, ia))
			break;
	}
	freeifaddrs(list);
	add_gateways(sr);
	if (vmnic_collect(&vm_roots, sr) < 0)
		sc_warn("self-report: out of memory reading the VM NICs");

	char host[256] = "";
	gethostname(host, sizeof host - 1);
	struct utsname u;
	char os[200] = "";
	if (uname(&u) == 0)
		snprintf(os, sizeof os, "%s %s", u.sysname, u.release);
	sr->hostname = strdup(host);
	sr->daemon_name = strdup(daemon_name ? daemon_name : host);
	sr->version = strdup(SCANOPY_VERSION);
	sr->mode = strdup(mode);
	sr->os = strdup(os);
	sr->docker_socket = docker_access;
	sr->has_docker_socket = 1;
	return 0;
}

void selfreport_free(Scanopy__V1__SelfReport *sr)
{
	for (size_t i = 0; i < sr->n_interfaces; i++) {
		Scanopy__V1__DaemonInterface *ifc = sr->interfaces[i];
		for (size_t j = 0; j < ifc->n_addresses; j++) {
			free(ifc->addresses[j]->ip);
			free(ifc->addresses[j]->subnet);
			free(ifc->addresses[j]);
		}
		free(ifc->addresses);
		free(ifc->name);
		free(ifc->mac);
		free(ifc);
	}
	free(sr->interfaces);
	for (size_t i = 0; i < sr->n_default_gateways; i++)
		free(sr->default_gateways[i]);
	free(sr->default_gateways);
	for (size_t i = 0; i < sr->n_capabilities; i++)
		free(sr->capabilities[i]);
	free(sr->capabilities);
	free(sr->hostname);
	free(sr->daemon_name);
	free(sr->version);
	free(sr->mode);
	free(sr->os);
	vmnic_free(sr);
	scanopy__v1__self_report__init(sr);
}
