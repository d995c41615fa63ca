#include "portinfo.h"

#include "scan.h"

#include <stdlib.h>
#include <string.h>

/* About 100 ports: the services networks actually run, infrastructure and
 * IoT included. The probe plan adds whatever the definitions want. */
const uint32_t scan_default_tcp[] = {
    21,    22,    23,    25,    53,    80,    81,    88,    110,  111,  135,  139,  143,
    179,   389,   443,   445,   465,   502,   515,   548,   554,  587,  631,  636,  873,
    993,   995,   1080,  1194,  1433,  1521,  1723,  1883,  2049, 2082, 2083, 2181, 2222,
    2323,  2375,  2376,  2379,  3000,  3128,  3260,  3268,  3306, 3389, 3690, 4369, 4443,
    5000,  5001,  5060,  5061,  5222,  5432,  5601,  5672,  5900, 5985, 5986, 6379, 6443,
    6667,  7001,  8000,  8008,  8009,  8080,  8081,  8086,  8088, 8123, 8200, 8291, 8443,
    8500,  8554,  8883,  8888,  9000,  9042,  9090,  9091,  9092, 9100, 9200, 9300, 9443,
    10000, 10250, 11211, 15672, 27017, 32400, 49152, 50000,
};
const size_t scan_default_ntcp = sizeof scan_default_tcp / sizeof scan_default_tcp[0];

const uint32_t scan_default_udp[] = {53, 67, 123, 137, 161, 1900, 5060, 5353};
const size_t scan_default_nudp = sizeof scan_default_udp / sizeof scan_default_udp[0];

static const struct {
	uint16_t port;
	uint8_t kind;
	uint8_t proto;
} hints[] = {
    {21, PK_GREET, PROTO_FTP},
    {22, PK_GREET, PROTO_SSH},
    {23, PK_GREET, PROTO_TELNET},
    {25, PK_GREET, PROTO_SMTP},
    {53, PK_PAYLOAD, PROTO_DNS},
    {80, PK_HTTP, PROTO_HTTP},
    {81, PK_HTTP, PROTO_HTTP},
    {110, PK_GREET, PROTO_POP3},
    {143, PK_GREET, PROTO_IMAP},
    {389, PK_PAYLOAD, PROTO_LDAP},
    {443, PK_TLS_HTTP, PROTO_HTTP},
    {445, PK_PAYLOAD, PROTO_SMB},
    {465, PK_TLS_GREET, PROTO_SMTP},
    {554, PK_PAYLOAD, PROTO_RTSP},
    {587, PK_GREET, PROTO_SMTP},
    {591, PK_HTTP, PROTO_HTTP},
    {631, PK_HTTP, PROTO_HTTP},
    {636, PK_TLS, PROTO_LDAP},
    {853, PK_TLS, PROTO_DNS},
    {993, PK_TLS_GREET, PROTO_IMAP},
    {995, PK_TLS_GREET, PROTO_POP3},
    {1883, PK_PAYLOAD, PROTO_MQTT},
    {2121, PK_GREET, PROTO_FTP},
    {2222, PK_GREET, PROTO_SSH},
    {2323, PK_GREET, PROTO_TELNET},
    {2375, PK_HTTP, PROTO_HTTP},
    {2376, PK_TLS_HTTP, PROTO_HTTP},
    {2525, PK_GREET, PROTO_SMTP},
    {3000, PK_HTTP, PROTO_HTTP},
    {3128, PK_HTTP, PROTO_HTTP},
    {3268, PK_PAYLOAD, PROTO_LDAP},
    {3306, PK_GREET, PROTO_MYSQL},
    {3389, PK_PAYLOAD, PROTO_RDP},
    {4443, PK_TLS_HTTP, PROTO_HTTP},
    {5000, PK_HTTP, PROTO_HTTP},
    {5001, PK_TLS_HTTP, PROTO_HTTP},
    {5060, PK_PAYLOAD, PROTO_SIP},
    {5061, PK_TLS, PROTO_SIP},
    {5432, PK_PAYLOAD, PROTO_POSTGRES},
    {5601, PK_HTTP, PROTO_HTTP},
    {5900, PK_GREET, PROTO_VNC},
    {5901, PK_GREET, PROTO_VNC},
    {5985, PK_HTTP, PROTO_HTTP},
    {5986, PK_TLS_HTTP, PROTO_HTTP},
    {6379, PK_PAYLOAD, PROTO_REDIS},
    {6443, PK_TLS_HTTP, PROTO_HTTP},
    {7001, PK_HTTP, PROTO_HTTP},
    {8000, PK_HTTP, PROTO_HTTP},
    {8008, PK_HTTP, PROTO_HTTP},
    {8080, PK_HTTP, PROTO_HTTP},
    {8081, PK_HTTP, PROTO_HTTP},
    {8086, PK_HTTP, PROTO_HTTP},
    {8088, PK_HTTP, PROTO_HTTP},
    {8123, PK_HTTP, PROTO_HTTP},
    {8200, PK_HTTP, PROTO_HTTP},
    {8443, PK_TLS_HTTP, PROTO_HTTP},
    {8500, PK_HTTP, PROTO_HTTP},
    {8554, PK_PAYLOAD, PROTO_RTSP},
    {8883, PK_TLS, PROTO_MQTT},
    {8888, PK_HTTP, PROTO_HTTP},
    {9000, PK_HTTP, PROTO_HTTP},
    {9090, PK_HTTP, PROTO_HTTP},
    {9091, PK_HTTP, PROTO_HTTP},
    {9200, PK_HTTP, PROTO_HTTP},
    {9443, PK_TLS_HTTP, PROTO_HTTP},
    {10250, PK_TLS_HTTP, PROTO_HTTP},
    {11211, PK_PAYLOAD, PROTO_MEMCACHED},
    {15672, PK_HTTP, PROTO_HTTP},
    {32400, PK_HTTP, PROTO_HTTP},
};

struct port_hint port_hint(uint16_t port)
{
	if (port_is_printer(port))
		return (struct port_hint){PK_PRINTER, PROTO_UNKNOWN};
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
		if (hints[i].port == port)
			return (struct port_hint){(enum port_kind)hints[i].kind,
			                          (enum proto)hints[i].proto};
	return (struct port_hint){PK_UNKNOWN, PROTO_UNKNOWN};
}

enum proto udp_probe_for(uint16_t port)
{
	switch (port) {
	case 53:
		return PROTO_DNS;
	case 67:
		return PROTO_DHCP;
	case 123:
		return PROTO_NTP;
	case 137:
		return PROTO_NETBIOS;
	case 161:
		return PROTO_SNMP;
	case 1900:
		return PROTO_SSDP;
	case 5060:
		return PROTO_SIP;
	case 5353:
		return PROTO_MDNS;
	default:
		return PROTO_UNKNOWN;
	}
}

uint32_t *scan_merge_ports(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                           size_t *n)
{
	uint32_t *out = malloc((na + nb ? na + nb : 1) * sizeof *out);
	uint8_t *seen = calloc(65536, 1);
	*n = 0;
	if (!out || !seen) {
		free(out);
		free(seen);
		return NULL;
	}
	for (size_t k = 0; k < 2; k++) {
		const uint32_t *p = k ? b : a;
		size_t np = k ? nb : na;
		for (size_t i = 0; i < np && p; i++) {
			if (p[i] < 1 || p[i] > 65535 || seen[p[i]])
				continue;
			seen[p[i]] = 1;
			out[(*n)++] = p[i];
		}
	}
	free(seen);
	return out;
}
