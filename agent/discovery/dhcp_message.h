/* DHCP (RFC 2131): a DHCPINFORM, which asks a server for configuration
 * without taking a lease (nothing changes on the server), and the parse of
 * DHCP messages: the server's DHCPACK to it, and what passive capture hears
 * (clients' DISCOVER/REQUEST with their host name and vendor class, servers'
 * broadcast answers). */
#ifndef DISC_DHCP_MESSAGE_H
#define DISC_DHCP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

/* INFORM from ciaddr (host order) / chaddr; returns the length or -1. */
int dhcp_build_inform(uint8_t *buf, size_t cap, uint32_t xid, uint32_t ciaddr,
                      const uint8_t chaddr[6]);

struct dhcp_info {
	int op; /* 1 BOOTREQUEST (client), 2 BOOTREPLY (server) */
	uint32_t xid;
	uint32_t ciaddr, yiaddr; /* host order */
	uint8_t chaddr[6];       /* when htype is Ethernet, else zero */
	int msg_type;            /* option 53: 5 ACK, 6 NAK, ... */
	uint32_t server_id;      /* option 54, host order */
	uint32_t router;         /* option 3, first */
	uint32_t dns[4];         /* option 6 */
	size_t ndns;
	char domain[128];       /* option 15 */
	char hostname[64];      /* option 12 */
	uint32_t lease;         /* option 51 */
	uint32_t requested_ip;  /* option 50, host order */
	char vendor_class[128]; /* option 60 */
};

/* -1 unless a BOOTREQUEST or BOOTREPLY with the magic cookie and a message
 * type. */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_info *out);

#endif
