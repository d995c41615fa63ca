/* NetBIOS name service (RFC 1002): the node-status (NBSTAT) query for "*",
 * which Windows, Samba and many NAS and printers answer with their names,
 * workgroup and MAC. */
#ifndef DISC_NETBIOS_MESSAGE_H
#define DISC_NETBIOS_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define NBSTAT_QUERY_LEN 50
#define NETBIOS_MAX_NAMES 32

void netbios_build_nbstat(uint8_t out[NBSTAT_QUERY_LEN], uint16_t id);

struct netbios_name {
	char name[16]; /* trimmed, printable */
	uint8_t suffix;
	uint16_t flags; /* 0x8000: group name */
};

struct netbios_info {
	uint16_t id;
	struct netbios_name names[NETBIOS_MAX_NAMES];
	size_t nnames;
	char host[16];      /* first unique name with suffix 0x00 (or 0x20) */
	char workgroup[16]; /* first group name with suffix 0x00 */
	uint8_t mac[6];
	int has_mac;
};

/* -1 unless a positive NBSTAT response. */
int netbios_parse_nbstat(const uint8_t *buf, size_t len, struct netbios_info *out);

#endif
