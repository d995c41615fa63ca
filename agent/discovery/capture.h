/* A libpcap handle as the engine's captures use one: on one interface, not
 * promiscuous, immediate delivery, non-blocking, inbound only, with a BPF
 * filter. Shared by the ARP sweep and passive capture. */
#ifndef DISC_CAPTURE_H
#define DISC_CAPTURE_H

#include <pcap/pcap.h>

/* The activated handle, or NULL with the reason in err. */
pcap_t *capture_open(const char *ifname, int snaplen, int buffer_bytes,
                     const char *filter, char err[PCAP_ERRBUF_SIZE]);

#endif
