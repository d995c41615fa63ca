#include "capture.h"

#include <stdio.h>

pcap_t *capture_open(const char *ifname, int snaplen, int buffer_bytes,
                     const char *filter, char err[PCAP_ERRBUF_SIZE])
{
	struct bpf_program prog;
	err[0] = '\0';
	pcap_t *pc = pcap_create(ifname, err);
	if (!pc)
		return NULL;
	pcap_set_snaplen(pc, snaplen);
	pcap_set_promisc(pc, 0);
	pcap_set_immediate_mode(pc, 1);
	pcap_set_buffer_size(pc, buffer_bytes);
	if (pcap_activate(pc) < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(pc));
		goto fail;
	}
	if (pcap_setnonblock(pc, 1, err) < 0)
		goto fail;
	pcap_setdirection(pc, PCAP_D_IN);
	if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(pc));
		goto fail;
	}
	int rc = pcap_setfilter(pc, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(pc));
		goto fail;
	}
	return pc;
fail:
	pcap_close(pc);
	return NULL;
}
