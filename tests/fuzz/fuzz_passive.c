/* libFuzzer target: what passive capture hears. A frame goes through the
 * decoder and on to the parser its kind selects, as the capture chains them
 * (ARP, LLDP/CDP, and DHCP, mDNS, SSDP in IPv4 UDP). */
#include "arp_frame.h"
#include "dhcp_message.h"
#include "dns_message.h"
#include "lldp_frame.h"
#include "passive_frame.h"
#include "ssdp_message.h"

#include <stddef.h>
#include <stdint.h>

static struct dns_msg dm;
static struct l2_announce la;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passive_pkt p;
	struct arp_packet ap;
	struct dhcp_info di;
	struct ssdp_info si;
	switch (passive_decode(data, size, &p)) {
	case PF_ARP:
		arp_parse(data, size, &ap);
		break;
	case PF_L2:
		lldp_frame_parse(data, size, &la);
		break;
	case PF_UDP4:
		/* the payload must lie inside the frame */
		if (p.payload < data || p.payload + p.plen > data + size)
			__builtin_trap();
		dhcp_parse(p.payload, p.plen, &di);
		dns_parse(p.payload, p.plen, &dm);
		ssdp_parse(p.payload, p.plen, &si);
		break;
	default:
		break;
	}
	/* the L2 parser on its own, whatever the decoder said */
	lldp_frame_parse(data, size, &la);
	return 0;
}
