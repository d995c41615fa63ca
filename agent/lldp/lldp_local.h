/* Local LLDP: when lldpd runs on the daemon's host, its neighbour table
 * (`lldpcli -f json show neighbors`) becomes NeighborEntry observations
 * whose device_ip is the daemon's own address on the interface the
 * neighbour was heard on. */
#ifndef LLDP_LOCAL_H
#define LLDP_LOCAL_H

#include <stddef.h>

struct sink;

/* Address of a local interface for device_ip: "" when it has none. */
typedef void (*lldp_addr_fn)(const char *ifname, char *out, size_t outlen);

/* Parses lldpcli's JSON (lldpd 0.9 to 1.0: "interface" an object or an
 * array of one-key objects, "chassis" keyed by the system name or not,
 * "mgmt-ip" a string or a list) and emits one neighbour per interface
 * entry. Returns the number emitted, or -1 when the text is not lldpcli
 * JSON. */
int lldp_json_emit(const char *json, size_t len, lldp_addr_fn addr, struct sink *s);

/* Runs lldpcli (socket: lldpd's control socket, NULL for its default) and
 * emits what it reports. Returns the number emitted, 0 when lldpd is not
 * running here (logged at debug), -1 on a parse failure. */
int lldp_local_collect(const char *socket, struct sink *s);

/* The IPv4 address of a local interface by name (getifaddrs). */
void lldp_local_addr(const char *ifname, char *out, size_t outlen);

#endif
