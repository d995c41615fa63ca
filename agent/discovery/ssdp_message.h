/* SSDP (UPnP discovery): a unicast M-SEARCH and the parse of the HTTP-over-UDP
 * answer (ST, USN, LOCATION, SERVER), or of a NOTIFY announcement (NT, NTS,
 * USN, LOCATION, SERVER) as passive capture hears it. */
#ifndef DISC_SSDP_MESSAGE_H
#define DISC_SSDP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

/* M-SEARCH for ssdp:all to host:1900; returns the length or -1. */
int ssdp_build_msearch(char *buf, size_t cap, const char *host_ip);

struct ssdp_info {
	unsigned status; /* 200 for an answer and for a NOTIFY */
	int notify;      /* 1: a NOTIFY; st then holds its NT */
	int byebye;      /* a NOTIFY with NTS ssdp:byebye (the device is leaving) */
	char st[256], usn[256], location[512], server[256];
};

/* -1 unless an HTTP/1.x 200 answer, or a NOTIFY, with at least one of
 * ST (NT), USN, LOCATION. */
int ssdp_parse(const uint8_t *buf, size_t len, struct ssdp_info *out);

#endif
