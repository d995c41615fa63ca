/* Internals shared by the discovery engine's parts (scan.c runs them):
 * the engine, the host table, and each part's entry points. Not a public
 * interface: use scan.h. */
#ifndef DISC_ENGINE_H
#define DISC_ENGINE_H

#include "evloop.h"
#include "observation.pb-c.h"
#include "ratelimit.h"
#include "scan.h"
#include "target6.h"
#include "targets.h"

#include <openssl/ssl.h>

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* IPv6 target hosts live in the host table under keys from the reserved
 * 240.0.0.0/4 (never an IPv4 target): HOST6_KEY + their index in the
 * engine's v6 list. Everything keyed by address works for both; what needs
 * the address itself asks eng_ip_text or host_sockaddr. */
#define HOST6_KEY 0xf0000000u
#define IS_HOST6_KEY(ip) (((ip)&0xf0000000u) == HOST6_KEY)
#define IP_TEXT_LEN 46 /* INET6_ADDRSTRLEN */

/* Evidence bits (one HostSeen per kind and host). */
#define EVBIT(e) (1u << (e))

struct host {
	uint32_t ip;
	struct host *hnext; /* hash chain */
	struct host *qnext; /* port-scan queue */
	int link;           /* on-link link index, -1 routed */
	uint8_t mac[6];
	bool has_mac;
	bool confirmed;      /* emitted as a host: everything about it may flow */
	bool discovery_only; /* routed and silent to ICMP: discovery ports only */
	bool in_queue;
	bool udp_queued, rdns_queued;
	bool timed_out;
	bool deep; /* TCP 1-65535 (the job, or one of its deep targets) */
	bool v6;   /* an IPv6 target: its address is e->v6[ip - HOST6_KEY] */
	uint8_t ttl;
	uint32_t rtt_us;   /* best round trip seen (ARP, ICMP, connect) */
	uint32_t evidence; /* EVBIT of each evidence already emitted */
	/* TCP ports */
	uint32_t next_port; /* index into the engine's port order */
	uint32_t next_disc; /* index into the discovery ports */
	uint8_t disc_done;  /* bit i: discovery port i already scanned */
	unsigned inflight;
	int64_t started_ms, last_answer_ms;
	uint32_t open, closed, filtered;
	/* open TCP ports emitted (the IPv6 check connects to them again) */
	uint16_t *open_tcp;
	uint32_t nopen_tcp, capopen_tcp;
	/* open ports seen before the host was confirmed (routed hosts) */
	struct pending_port {
		uint16_t port;
		uint32_t rtt_us;
	} * pending;
	size_t npending, cappending;
};

struct arp_sweep;
struct conn;
struct icmp_state;
struct udp_state;
struct rdns_state;
struct probe;
struct passive_state;
struct ndp_state;

struct engine {
	const struct scan_request *req;
	struct sink *sink;
	struct evloop loop;
	struct ratelimit rate;
	struct target_set targets;
	struct target_set deep; /* the request's deep_targets */
	uint8_t (*v6)[16];      /* the IPv6 target addresses */
	uint32_t nv6;
	struct target6 *deep6; /* the IPv6 deep targets */
	size_t ndeep6;
	struct links links;
	uint8_t *klass; /* per target ordinal: 0 routed, 1+i on link i, KLASS_SKIP */
	/* hosts */
	struct host **buckets;
	size_t nbuckets, nhosts;
	struct host *qhead, *qtail; /* hosts with TCP ports left, round robin */
	/* what to scan */
	uint16_t *tcp; /* port order (hosts not deep) */
	uint32_t ntcp;
	uint16_t *udp;
	size_t nudp;
	const char *const *paths;
	size_t npaths;
	const struct scan_plan *plan; /* when paths are the plan's: ports per path */
	const char *const *communities;
	size_t ncommunities;
	/* budgets */
	unsigned max_sockets, sockets, per_host;
	unsigned host_timeout_ms;
	bool want_tokens; /* a part stopped for lack of tokens this turn */
	bool want_sockets;
	/* parts */
	struct arp_sweep *arp;
	size_t narp;
	struct icmp_state *icmp;
	struct udp_state *udp_st;
	struct rdns_state *rdns;
	struct passive_state *passive;
	struct ndp_state *ndp;
	struct probe *probes; /* live probe sessions */
	unsigned nprobes;
	SSL_CTX *tls;
	unsigned tcp_inflight;
	struct conn *conns; /* connects in flight */
	/* progress */
	struct scan_stats st;
	int64_t t0_ms, last_progress_ms;
	int64_t started_unix_ms; /* when the scan began, for its coverage */
	uint32_t disc_total, disc_done;
	uint64_t ports_total, ports_done;
	int stop; /* 1 cancel/deadline, -1 fatal */
};

#define KLASS_ROUTED 0
#define KLASS_SKIP 255

/* --- engine services (scan.c) --- */
bool eng_take_token(struct engine *e);
bool eng_socket_ok(struct engine *e); /* a socket may be opened now */
void eng_socket_opened(struct engine *e);
void eng_socket_closed(struct engine *e);
int64_t eng_unix_ms(void);

/* --- hosts (hosts.c) --- */
int hosts_init(struct engine *e);
void hosts_free(struct engine *e);
struct host *host_find(struct engine *e, uint32_t ip);
struct host *host_get(struct engine *e, uint32_t ip);
/* Records an answer of kind `evidence` from h: the first one confirms the
 * host (emits it, releases its held ports, queues its UDP probes, names and
 * port scan); each new kind emits one HostSeen. rtt_us/ttl 0 = unknown. */
void host_evidence(struct engine *e, struct host *h, Scanopy__V1__Evidence evidence,
                   uint32_t rtt_us, uint8_t ttl);
/* The same for an answer heard in a VLAN-tagged frame: vlan[0] the outer
 * (or only) tag's id, vlan[1] QinQ's inner one, 0 each when absent; the
 * HostSeen carries them. vlan may be NULL (untagged). */
void host_evidence_tagged(struct engine *e, struct host *h,
                          Scanopy__V1__Evidence evidence, uint32_t rtt_us, uint8_t ttl,
                          const uint16_t vlan[2]);
/* Puts h on the port-scan queue (if it has ports left). */
void host_queue_ports(struct engine *e, struct host *h);
/* Emits an open TCP port now (confirmed host) or holds it until confirmed. */
void host_port_open(struct engine *e, struct host *h, uint16_t port, uint32_t rtt_us);
/* Connect timeout for h (from its round trip, or a default when unknown). */
unsigned host_connect_timeout(const struct host *h);
/* The text of a host key: its IPv4 address, or its IPv6 one. */
const char *eng_ip_text(const struct engine *e, uint32_t ip, char buf[IP_TEXT_LEN]);
/* The socket address of port on h (either family); its length. */
socklen_t host_sockaddr(const struct engine *e, const struct host *h, uint16_t port,
                        struct sockaddr_storage *out);
/* Creates the IPv6 target hosts and queues them for TCP discovery (as
 * routed hosts: created only from an answer). */
void hosts_start_v6(struct engine *e);
/* TCP ports h is scanned on: 65535 when deep, else the port order's. */
uint32_t host_tcp_total(const struct engine *e, const struct host *h);

/* --- ARP (arp.c) --- */
int arp_start(struct engine *e);
void arp_pump(struct engine *e);
bool arp_idle(const struct engine *e);
void arp_stop(struct engine *e);

/* --- ICMP (icmp.c) --- */
int icmp_start(struct engine *e);
void icmp_pump(struct engine *e);
bool icmp_idle(const struct engine *e);
/* True when echoes go out (a raw ICMP socket): routed targets are swept. */
bool icmp_raw(const struct engine *e);
void icmp_stop(struct engine *e);
/* One echo to a host already known (for ICMP evidence: TTL, round trip). */
void icmp_ping_host(struct engine *e, struct host *h);

/* --- passive capture (passive.c): from setup to the end of the loop --- */
int passive_start(struct engine *e); /* -1 only when out of memory */
void passive_stop(struct engine *e); /* idempotent */

/* --- IPv6 on-link (ndp.c): echo to ff02::1, the neighbour table, and the
 * IPv4 open ports tried again over IPv6 once the port scan is over --- */
int ndp_start(struct engine *e); /* -1 only when out of memory */
void ndp_pump(struct engine *e);
bool ndp_idle(const struct engine *e);
void ndp_stop(struct engine *e);

/* True when the scan has targets on link l that ARP sweeps (passive capture
 * and IPv6 discovery run there). */
bool eng_link_scanned(const struct engine *e, size_t l);

/* --- TCP connect scan (tcp.c) --- */
void tcp_pump(struct engine *e);
bool tcp_idle(const struct engine *e);
void tcp_stop(struct engine *e);

/* --- TCP probes (probe.c) --- */
/* Takes over a connected socket to port on h. */
void probe_start(struct engine *e, struct host *h, uint16_t port, int fd);
void probe_pump(struct engine *e);
bool probe_idle(const struct engine *e);
void probe_stop_all(struct engine *e);
int probe_tls_init(struct engine *e);

/* --- UDP probes (udp.c) --- */
int udp_init(struct engine *e);
void udp_queue_host(struct engine *e, struct host *h);
void udp_pump(struct engine *e);
bool udp_idle(const struct engine *e);
void udp_stop(struct engine *e);

/* --- reverse DNS (rdns.c) --- */
int rdns_init(struct engine *e);
void rdns_queue_host(struct engine *e, struct host *h);
void rdns_pump(struct engine *e);
bool rdns_idle(const struct engine *e);
void rdns_stop(struct engine *e);

/* --- emit helpers (emit.c) --- */
void emit_port(struct engine *e, uint32_t ip, Scanopy__V1__Protocol proto, uint16_t port,
               uint32_t rtt_us);
void emit_banner(struct engine *e, uint32_t ip, Scanopy__V1__Protocol proto,
                 uint16_t port, const char *probe, const uint8_t *data, size_t len);
void emit_udp_reply(struct engine *e, uint32_t ip, uint16_t port, const char *probe,
                    const uint8_t *data, size_t len);
void emit_name(struct engine *e, uint32_t ip, Scanopy__V1__NameSource src,
               const char *name, const char *const *types, size_t ntypes,
               const char *detail);
void emit_progress(struct engine *e, const char *phase, bool final);
/* The ScanCoverage of the IPv4 targets swept (cover.h): complete when the
 * scan ran to its end. Nothing when no target was swept. */
void emit_coverage(struct engine *e, bool complete);

#define BANNER_CAP 4096
#define BODY_CAP (16 * 1024)

#endif
