/* Host identity rules: which facts name a machine, how strongly, and why.
 * Pure functions (no database), so the rules are unit-tested on their own. */
#ifndef TOPOLOGY_IDENTITY_H
#define TOPOLOGY_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

/* Strengths: a key of at least IDENT_JOINS may join two known hosts into
 * one; weaker keys (ip, sysname) only ever attach to a host. */
#define IDENT_JOINS 50

enum mac_class {
	MAC_INVALID,   /* not a MAC */
	MAC_ZERO,      /* 00:00:00:00:00:00 */
	MAC_MULTICAST, /* group bit set, broadcast included */
	MAC_VIRTUAL, /* VRRP/CARP 00:00:5e:00:01|02:xx, HSRP 00:00:0c:07:ac:xx: shared by
	                several routers */
	MAC_LOCAL, /* locally administered: containers, VMs, lab veths, random Wi-Fi MACs
	            */
	MAC_UNIVERSAL, /* burned-in, IEEE assigned */
};

/* Lower-case colon form of a MAC written with ':', '-' or '.' separators or
 * none; -1 when it is not one. out holds 18 bytes. */
int ident_mac_normalise(const char *in, char out[18]);
enum mac_class ident_mac_class(const char *normalised);

struct ident_key {
	const char *
	    kind; /* ip, mac, snmp_engine, snmp_chassis, sysname, ssh_hostkey, tls_cert */
	char value[136];
	int strength;
	const char *reason;
};

#define IDENT_MAX_KEYS 24

/* The keys one observation gives for one machine. */
struct ident_set {
	struct ident_key key[IDENT_MAX_KEYS];
	size_t n;
	bool self; /* the machine itself reported them (SNMP, self-report,
	            * LLDP): all its keys may join hosts. Otherwise an ip-MAC
	            * pair from someone's ARP table: the address follows the MAC. */
};

/* Each returns true when it added a key (false: not usable as identity, with
 * the reason a MAC is refused being its class). */
bool ident_add_ip(struct ident_set *s, const char *ip, const char *evidence);
bool ident_add_mac(struct ident_set *s, const char *mac, const char *evidence);
/* sysName: weak (names repeat: "localhost", "router"); compared lower-case. */
bool ident_add_sysname(struct ident_set *s, const char *name, const char *evidence);
/* kind: snmp_engine, snmp_chassis, ssh_hostkey, tls_cert: strong. */
bool ident_add_strong(struct ident_set *s, const char *kind, const char *value,
                      const char *evidence);

/* The key of `kind` in s, or NULL. */
const struct ident_key *ident_find(const struct ident_set *s, const char *kind);

/* True when an address is usable as an ip key (IPv4 or IPv6 text, not
 * unspecified, loopback or multicast). */
bool ident_ip_ok(const char *ip);

#endif
