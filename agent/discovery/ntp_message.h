/* NTP (RFC 5905): a client-mode request and the checks that make a reply a
 * real server answer (server mode, our timestamp echoed). */
#ifndef DISC_NTP_MESSAGE_H
#define DISC_NTP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define NTP_PACKET_LEN 48

/* Mode 3, version 4; transmit timestamp = token, which the server must echo
 * in its originate timestamp. */
void ntp_build_request(uint8_t out[NTP_PACKET_LEN], uint64_t token);

struct ntp_info {
	int version, mode, stratum, leap;
	char refid[20]; /* four ASCII letters (stratum 0/1) or an IPv4 address */
	int8_t precision;
	uint64_t origin;
};

/* -1 unless a 48+ byte packet in server (4) or broadcast (5) mode. */
int ntp_parse(const uint8_t *buf, size_t len, struct ntp_info *out);

#endif
