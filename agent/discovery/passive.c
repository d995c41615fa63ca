/* Passive capture for the scan's whole duration, on each link the scan
 * sweeps: what hosts announce without being asked. Each kind is evidence of
 * its own (one HostSeen per host and kind) and what it names is a record:
 *
 *   ARP        requests and gratuitous ARP (broadcast)     PASSIVE
 *   DHCP       clients' DISCOVER/REQUEST/INFORM: host name DHCP, NameRecord
 *              and vendor class; servers' broadcast ACKs       (NAME_DHCP)
 *   mDNS       announcements: host name, DNS-SD types      MDNS, NAME_MDNS
 *   SSDP       NOTIFY: SERVER, NT (device type), LOCATION  SSDP, NAME_SSDP
 *   LLDP, CDP  the neighbour on our port: NeighborEntry    LLDP (management
 *              (device_ip = our address, local_port = our  address), NAME_LLDP
 *              interface), as local lldpd reports it
 *
 * Only group-addressed frames are read (announcements, not the answers to
 * our own probes, which the active parts handle), and hosts only within the
 * job's targets become hosts. The link joins all multicast groups for the
 * capture (PACKET_MR_ALLMULTI, dropped when the socket closes), not
 * promiscuous mode. Each record is emitted once per scan. */
#include "engine.h"

#include "arp_frame.h"
#include "capture.h"
#include "dhcp_message.h"
#include "dns_message.h"
#include "lldp_frame.h"
#include "passive_frame.h"
#include "sc_log.h"
#include "sink.h"
#include "ssdp_message.h"

#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define PASSIVE_SNAPLEN 2048
#define PASSIVE_MAX_RECORDS 4096
/* The announcements, untagged or behind one or two VLAN tags (each `vlan`
 * moves the offsets of what follows it by one tag). */
#define PASSIVE_ANNOUNCE                                                                 \
	"(arp or ether proto 0x88cc or ether dst 01:00:0c:cc:cc:cc or (udp and (port "   \
	"67 or port 68 or port 5353 or port 1900)))"
#define PASSIVE_FILTER                                                                   \
	"ether multicast and (" PASSIVE_ANNOUNCE " or (vlan and (" PASSIVE_ANNOUNCE      \
	" or (vlan and " PASSIVE_ANNOUNCE "))))"

struct passive_link {
	struct engine *e;
	int link;
	pcap_t *pc;
	struct ev_watch w;
};

struct passive_state {
	struct passive_link *pl;
	size_t n;
	uint64_t seen[PASSIVE_MAX_RECORDS * 2]; /* open addressing, 0 = empty */
	size_t nseen;
	bool full_logged;
};

/* True the first time this record is offered (FNV-1a of its text). */
static bool first_time(struct passive_state *s, const char *text)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = text; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	h |= 1;
	size_t cap = sizeof s->seen / sizeof s->seen[0], i = h % cap;
	while (s->seen[i]) {
		if (s->seen[i] == h)
			return false;
		i = (i + 1) % cap;
	}
	if (s->nseen >= PASSIVE_MAX_RECORDS) {
		if (!s->full_logged)
			sc_warn("discovery: passive capture heard over %d distinct "
			        "records; the rest are dropped",
			        PASSIVE_MAX_RECORDS);
		s->full_logged = true;
		return false;
	}
	s->seen[i] = h;
	s->nseen++;
	return true;
}

/* A host within the targets, with what was heard from it as evidence. */
static struct host *heard(struct engine *e, uint32_t ip, const uint8_t *mac,
                          Scanopy__V1__Evidence ev, const struct passive_pkt *p)
{
	int64_t ord = ip ? targets_ordinal(&e->targets, ip) : -1;
	if (ord < 0 || e->klass[ord] == KLASS_SKIP)
		return NULL;
	struct host *h = host_get(e, ip);
	if (!h)
		return NULL;
	static const uint8_t zero[6];
	if (mac && !h->has_mac && memcmp(mac, zero, 6)) {
		memcpy(h->mac, mac, 6);
		h->has_mac = true;
	}
	const uint16_t vlan[2] = {p ? p->vlan : 0, p ? p->inner_vlan : 0};
	host_evidence_tagged(e, h, ev, 0, 0, vlan);
	return h;
}

static void name_once(struct engine *e, uint32_t ip, Scanopy__V1__NameSource src,
                      const char *name, const char *const *types, size_t ntypes,
                      const char *detail)
{
	char key[1024];
	int n = snprintf(key, sizeof key, "name|%d|%u|%s|%s", (int)src, ip, name,
	                 detail ? detail : "");
	for (size_t i = 0; i < ntypes && n > 0 && (size_t)n < sizeof key; i++)
		n += snprintf(key + n, sizeof key - (size_t)n, "|%s", types[i]);
	if (first_time(e->passive, key))
		emit_name(e, ip, src, name, types, ntypes, detail);
}

static void on_arp(struct passive_link *pl, const uint8_t *f, size_t len)
{
	struct engine *e = pl->e;
	const struct link *k = &e->links.l[pl->link];
	struct arp_packet a;
	if (arp_parse(f, len, &a) || a.spa == k->ip || !memcmp(a.sha, k->mac, 6))
		return;
	struct passive_pkt tag = {.vlan = a.vlan, .inner_vlan = a.inner_vlan};
	heard(e, a.spa, a.sha, SCANOPY__V1__EVIDENCE__EVIDENCE_PASSIVE, &tag);
}

static void on_dhcp(struct engine *e, const struct passive_pkt *p)
{
	struct dhcp_info d;
	if (dhcp_parse(p->payload, p->plen, &d))
		return;
	uint32_t ip = 0;
	if (d.op == 1) /* a client: its address, or the one it asks for */
		ip = d.ciaddr ? d.ciaddr : d.requested_ip;
	else if (d.msg_type == 5) /* a server's ACK: the client's address */
		ip = d.yiaddr;
	if (d.op == 2)
		heard(e, p->sip, p->src, SCANOPY__V1__EVIDENCE__EVIDENCE_DHCP, p);
	if (!heard(e, ip, d.chaddr, SCANOPY__V1__EVIDENCE__EVIDENCE_DHCP, p))
		return;
	if (d.hostname[0] || d.vendor_class[0]) {
		char detail[160] = "";
		if (d.vendor_class[0])
			snprintf(detail, sizeof detail, "vendor-class=%s",
			         d.vendor_class);
		name_once(e, ip, SCANOPY__V1__NAME_SOURCE__NAME_DHCP, d.hostname, NULL, 0,
		          detail);
	}
}

static bool service_type(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '_' && n > 11 &&
	       (!strcasecmp(name + n - 11, "._tcp.local") ||
	        !strcasecmp(name + n - 11, "._udp.local"));
}

static void on_mdns(struct engine *e, const struct passive_pkt *p)
{
	struct dns_msg *m = malloc(sizeof *m);
	if (!m || dns_parse(p->payload, p->plen, m) || !(m->flags & 0x8000)) {
		free(m);
		return;
	}
	char self[16];
	ip_text(p->sip, self);
	const char *name = "", *instance = NULL, *types[8];
	size_t ntypes = 0;
	for (size_t i = 0; i < m->nrr; i++) {
		const struct dns_rr *rr = &m->rr[i];
		const char *type = NULL;
		if (rr->type == DNS_T_A && (!name[0] || !strcmp(rr->data, self)))
			name = rr->name;
		else if (rr->type == DNS_T_PTR &&
		         strstr(rr->name, "_services._dns-sd._udp"))
			type = rr->data;
		else if (rr->type == DNS_T_PTR && service_type(rr->name)) {
			type = rr->name;
			if (!instance)
				instance = rr->data;
		}
		bool dup = false;
		for (size_t j = 0; type && j < ntypes; j++)
			dup = dup || !strcasecmp(types[j], type);
		if (type && !dup && ntypes < 8)
			types[ntypes++] = type;
	}
	if (heard(e, p->sip, p->src, SCANOPY__V1__EVIDENCE__EVIDENCE_MDNS, p) &&
	    (name[0] || ntypes))
		name_once(e, p->sip, SCANOPY__V1__NAME_SOURCE__NAME_MDNS, name, types,
		          ntypes, instance);
	free(m);
}

static void on_ssdp(struct engine *e, const struct passive_pkt *p)
{
	struct ssdp_info s;
	if (ssdp_parse(p->payload, p->plen, &s) || !s.notify || s.byebye)
		return;
	if (!heard(e, p->sip, p->src, SCANOPY__V1__EVIDENCE__EVIDENCE_SSDP, p))
		return;
	const char *types[1] = {s.st};
	name_once(e, p->sip, SCANOPY__V1__NAME_SOURCE__NAME_SSDP, s.server, types,
	          s.st[0] ? 1 : 0, s.location);
}

static void emit_neighbor(struct passive_link *pl, const struct l2_announce *a)
{
	struct engine *e = pl->e;
	const struct link *k = &e->links.l[pl->link];
	char self[16], mgmt[L2_MAX_MGMT][16];
	char *mgmtp[L2_MAX_MGMT];
	Scanopy__V1__NeighborEntry n = SCANOPY__V1__NEIGHBOR_ENTRY__INIT;
	n.device_ip = (char *)ip_text(k->ip, self);
	n.protocol = a->proto == L2_CDP ? SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_CDP
	                                : SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_LLDP;
	n.has_protocol = 1;
	n.local_if_index = (uint32_t)k->ifindex;
	n.has_local_if_index = 1;
	n.local_port = (char *)k->ifname;
	n.remote_chassis_id = (char *)a->chassis_id;
	n.remote_chassis_id_subtype = a->chassis_subtype;
	n.has_remote_chassis_id_subtype = 1;
	n.remote_port_id = (char *)a->port_id;
	n.remote_port_id_subtype = a->port_subtype;
	n.has_remote_port_id_subtype = 1;
	n.remote_port_descr = (char *)a->port_descr;
	n.remote_sys_name = (char *)a->sys_name;
	n.remote_sys_descr = (char *)(a->sys_descr[0] ? a->sys_descr : a->platform);
	for (size_t i = 0; i < a->nmgmt; i++)
		mgmtp[i] = (char *)ip_text(a->mgmt[i], mgmt[i]);
	n.remote_mgmt_addresses = mgmtp;
	n.n_remote_mgmt_addresses = a->nmgmt;
	n.remote_capabilities = a->capabilities;
	n.has_remote_capabilities = 1;
	sink_neighbor(e->sink, &n);
}

static void on_l2(struct passive_link *pl, const uint8_t *f, size_t len)
{
	struct engine *e = pl->e;
	const struct link *k = &e->links.l[pl->link];
	struct l2_announce *a = malloc(sizeof *a);
	if (!a || lldp_frame_parse(f, len, a) || !memcmp(a->src, k->mac, 6)) {
		free(a);
		return;
	}
	struct passive_pkt tag = {.vlan = a->vlan, .inner_vlan = a->inner_vlan};
	char key[400];
	snprintf(key, sizeof key, "l2|%d|%d|%s|%s|%s", pl->link, a->proto, a->chassis_id,
	         a->port_id, a->sys_name);
	if (first_time(e->passive, key))
		emit_neighbor(pl, a);
	for (size_t i = 0; i < a->nmgmt; i++)
		if (heard(e, a->mgmt[i], NULL, SCANOPY__V1__EVIDENCE__EVIDENCE_LLDP,
		          &tag) &&
		    a->sys_name[0])
			name_once(e, a->mgmt[i], SCANOPY__V1__NAME_SOURCE__NAME_LLDP,
			          a->sys_name, NULL, 0, NULL);
	free(a);
}

static void on_frame(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
	struct passive_link *pl = (struct passive_link *)user;
	struct passive_pkt p;
	switch (passive_decode(bytes, hdr->caplen, &p)) {
	case PF_ARP:
		on_arp(pl, bytes, hdr->caplen);
		break;
	case PF_L2:
		on_l2(pl, bytes, hdr->caplen);
		break;
	case PF_UDP4:
		if (!p.group || p.sip == pl->e->links.l[pl->link].ip)
			break;
		if ((p.dport == 67 || p.dport == 68) && (p.sport == 67 || p.sport == 68))
			on_dhcp(pl->e, &p);
		else if (p.dport == 5353)
			on_mdns(pl->e, &p);
		else if (p.dport == 1900)
			on_ssdp(pl->e, &p);
		break;
	default:
		break;
	}
}

static void on_readable(struct ev_watch *w, uint32_t events)
{
	struct passive_link *pl = w->ctx;
	(void)events;
	for (int i = 0; i < 64 && pl->pc; i++)
		if (pcap_dispatch(pl->pc, 256, on_frame, (u_char *)pl) <= 0)
			break;
}

static int open_link(struct engine *e, struct passive_link *pl)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	const struct link *k = &e->links.l[pl->link];
	pl->pc = capture_open(k->ifname, PASSIVE_SNAPLEN, 1 << 20, PASSIVE_FILTER, err);
	if (!pl->pc)
		goto fail;
	pl->w.fd = pcap_get_selectable_fd(pl->pc);
	pl->w.fn = on_readable;
	pl->w.ctx = pl;
	if (pl->w.fd < 0 || ev_add(&e->loop, &pl->w, EPOLLIN))
		goto fail;
	/* Multicast announcements reach us even where the NIC filters groups
	 * nobody on this host joined; the kernel drops this with the socket. */
	struct packet_mreq mr = {.mr_ifindex = k->ifindex, .mr_type = PACKET_MR_ALLMULTI};
	if (setsockopt(pl->w.fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr))
		sc_debug("discovery: all-multicast on %s refused", k->ifname);
	return 0;
fail:
	sc_warn("discovery: passive capture on %s unavailable (%s)", k->ifname,
	        err[0] ? err : "no selectable fd");
	if (pl->pc)
		pcap_close(pl->pc);
	pl->pc = NULL;
	pl->w.fd = -1;
	return -1;
}

int passive_start(struct engine *e)
{
	e->passive = calloc(1, sizeof *e->passive);
	if (!e->passive)
		return -1;
	struct passive_state *s = e->passive;
	s->pl = calloc(e->links.n ? e->links.n : 1, sizeof *s->pl);
	if (!s->pl)
		return -1;
	for (size_t l = 0; l < e->links.n; l++) {
		if (!eng_link_scanned(e, l))
			continue;
		struct passive_link *pl = &s->pl[s->n];
		pl->e = e;
		pl->link = (int)l;
		pl->w.fd = -1;
		if (open_link(e, pl) == 0)
			s->n++;
	}
	return 0;
}

void passive_stop(struct engine *e)
{
	struct passive_state *s = e->passive;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct passive_link *pl = &s->pl[i];
		if (!pl->pc)
			continue;
		ev_del(&e->loop, &pl->w); /* the fd is pcap's */
		pcap_close(pl->pc);
		pl->pc = NULL;
	}
	free(s->pl);
	free(s);
	e->passive = NULL;
}
