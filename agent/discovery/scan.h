/* The network discovery engine: finds the live hosts in a job's targets, the
 * open TCP and UDP ports on them, and what answers there, and emits every
 * finding to a sink as it is made.
 *
 *   host discovery  ARP sweep (libpcap) of targets on the daemon's own links,
 *                   with one retry for non-responders only; ICMP echo to the
 *                   others; TCP to a few common ports for routed addresses
 *                   that ignore ICMP. A routed host exists only on an answer
 *                   that came from the host itself at protocol level (an
 *                   ICMP echo reply, a TCP reset, or bytes on a connection);
 *                   a completed handshake alone does not count, so a
 *                   middlebox that accepts every connection invents nothing.
 *   ports           non-blocking connect scan (epoll) of the probe plan's TCP
 *                   ports plus the top-ports list, or 1-65535 when deep;
 *                   UDP ports only with a protocol-specific probe.
 *   probes          banner on connect, TLS handshake and certificate, HTTP(S)
 *                   GET of the planned paths, and protocol probes (SSH, SMTP,
 *                   IMAP, POP3, FTP, Redis, Memcached, MySQL, PostgreSQL,
 *                   MQTT, RTSP, SIP, LDAP, SMB, RDP, DNS, telnet; UDP: DNS,
 *                   DHCP, NTP, NetBIOS, SNMP, SSDP, mDNS, SIP); names from
 *                   reverse DNS, mDNS, NetBIOS and SNMP sysName.
 *
 * Everything runs in the calling thread on one epoll loop, paced by one
 * packets-per-second budget (each ARP request, ICMP echo, TCP SYN, UDP
 * datagram and probe payload costs one packet), with a per-host limit on
 * concurrent connections and a socket budget from RLIMIT_NOFILE (raised to
 * its hard limit). Payloads are never sent to printer ports 9100-9107 unless
 * printer_payloads is set: raw-print ports print whatever arrives.
 *
 * Needs CAP_NET_RAW for ARP and ICMP (without it those steps are skipped,
 * logged, and TCP discovery covers every target). Targets are IPv4; on the
 * links they sweep, passive capture (DHCP, mDNS, SSDP, LLDP, CDP, ARP) runs
 * for the whole scan, and the hosts' IPv6 addresses are found (echo to
 * ff02::1, the neighbour table) and their open ports tried over IPv6. */
#ifndef DISC_SCAN_H
#define DISC_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink;
struct scan_plan;

#define SCAN_DEFAULT_PPS 10000
#define SCAN_DEFAULT_HOST_TIMEOUT_MS 3000
#define SCAN_DEFAULT_PER_HOST 32

struct scan_request {
	/* CIDRs ("10.0.0.0/24"), addresses, or ranges ("10.0.0.5-10.0.0.20").
	 * CIDRs skip their network/broadcast addresses and our own addresses. */
	const char *const *targets;
	size_t ntargets;
	/* TCP ports: NULL = the built-in top list (scan_default_tcp); a non-NULL
	 * array with ntcp = 0 = no TCP ports. The probe plan's ports go here,
	 * merged with the top list by the caller if it wants both (see
	 * scan_merge_ports). */
	const uint32_t *tcp_ports;
	size_t ntcp;
	/* UDP ports, same convention; ports without a probe are skipped. */
	const uint32_t *udp_ports;
	size_t nudp;
	/* HTTP paths to GET on every HTTP(S) service; NULL/0 = "/". */
	const char *const *http_paths;
	size_t npaths;
	/* SNMP v1/v2c communities to try on UDP 161; NULL/0 = "public". (v3
	 * agents are always found by engine-id discovery, without credentials.) */
	const char *const *snmp_communities;
	size_t ncommunities;
	bool deep; /* TCP 1-65535 instead of tcp_ports */
	/* Targets (same forms) whose hosts get TCP 1-65535 when deep is false;
	 * the others get tcp_ports. Only what `targets` covers is scanned. */
	const char *const *deep_targets;
	size_t ndeep_targets;
	bool printer_payloads;    /* allow payloads to TCP 9100-9107 */
	bool resolve_names;       /* reverse DNS through the resolvers in resolv.conf */
	unsigned max_pps;         /* 0: SCAN_DEFAULT_PPS */
	unsigned host_timeout_ms; /* a host silent this long gets no more connects;
	                             0: SCAN_DEFAULT_HOST_TIMEOUT_MS */
	unsigned per_host;        /* concurrent connects per host; 0: default */
	unsigned max_sockets;     /* 0: from RLIMIT_NOFILE */
	/* The probe plan (scan_plan.h), or NULL: its protocol probes are sent to
	 * the ports it names, and when http_paths are its path_strings, each
	 * path is requested only on the ports the plan names for it. */
	const struct scan_plan *plan;
	volatile int *cancel; /* stop soon after *cancel becomes non-zero */
	int64_t deadline_ms;  /* unix ms to stop at; 0: none */
};

struct scan_stats {
	uint32_t targets; /* addresses covered */
	uint32_t hosts;   /* hosts found (emitted) */
	uint32_t tcp_open, udp_open;
	uint32_t tcp_closed, tcp_filtered;
	uint64_t packets; /* packets the budget handed out */
	int64_t wall_ms;
	int64_t arp_ms;     /* time until the ARP sweeps finished (0: none) */
	bool stopped_early; /* cancelled or deadline */
};

/* Runs a scan to completion (or cancel/deadline), emitting observations to
 * sink as they are found and progress (sink_progress) at least every second.
 * Returns 0 when the scan ran to its end, 1 when it was stopped early (all
 * found so far is emitted), -1 when it could not start (reason logged).
 * stats may be NULL. Does not flush the sink. */
int scan_run(const struct scan_request *req, struct sink *sink, struct scan_stats *stats);

/* The built-in lists. */
extern const uint32_t scan_default_tcp[];
extern const size_t scan_default_ntcp;
extern const uint32_t scan_default_udp[];
extern const size_t scan_default_nudp;

/* Union of two port lists, deduplicated, order of first appearance kept;
 * ports outside 1..65535 dropped. Returns a malloc'd array (count in *n). */
uint32_t *scan_merge_ports(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                           size_t *n);

#endif
