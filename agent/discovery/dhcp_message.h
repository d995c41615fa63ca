/* DHCP (RFC 2131): a DHCPINFORM, which asks a server for configuration
 * without taking a lease (nothing changes on the server), and the parse of
 * its DHCPACK. */
#ifndef DISC_DHCP_MESSAGE_H
#define DISC_DHCP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

/* INFORM from ciaddr (host order) / chaddr; returns the length or -1. */
int dhcp_build_inform(uint8_t *buf, size_t cap, uint32_t xid, uint32_t ciaddr,
                      const uint8_t chaddr[6]);

struct dhcp_info {
	uint32_t xid;
	int msg_type;       /* option 53: 5 ACK, 6 NAK, ... */
	uint32_t server_id; /* option 54, host order */
	uint32_t router;    /* option 3, first */
	uint32_t dns[4];    /* option 6 */
	size_t ndns;
	char domain[128];  /* option 15 */
	char hostname[64]; /* option 12 */
	uint32_t lease;    /* option 51 */
};

/* -1 unless a BOOTREPLY with the magic cookie and a message type. */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_info *out);

#endif
