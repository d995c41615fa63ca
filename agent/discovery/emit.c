/* Building observations on the stack and handing them to the sink. */
#include "engine.h"

#include "cover.h"
#include "sink.h"

#include <stdlib.h>
#include <string.h>

void emit_port(struct engine *e, uint32_t ip, Scanopy__V1__Protocol proto, uint16_t port,
               uint32_t rtt_us)
{
	char text[IP_TEXT_LEN];
	Scanopy__V1__PortState p = SCANOPY__V1__PORT_STATE__INIT;
	p.ip = (char *)eng_ip_text(e, ip, text);
	p.protocol = proto;
	p.has_protocol = 1;
	p.port = port;
	p.has_port = 1;
	p.status = SCANOPY__V1__PORT_STATUS__PORT_OPEN;
	p.has_status = 1;
	if (rtt_us) {
		p.rtt_us = rtt_us;
		p.has_rtt_us = 1;
	}
	sink_port(e->sink, &p);
}

void emit_banner(struct engine *e, uint32_t ip, Scanopy__V1__Protocol proto,
                 uint16_t port, const char *probe, const uint8_t *data, size_t len)
{
	char text[IP_TEXT_LEN];
	Scanopy__V1__Banner b = SCANOPY__V1__BANNER__INIT;
	b.ip = (char *)eng_ip_text(e, ip, text);
	b.protocol = proto;
	b.has_protocol = 1;
	b.port = port;
	b.has_port = 1;
	b.probe = (char *)(probe ? probe : "");
	b.data.data = (uint8_t *)data;
	b.data.len = len < BANNER_CAP ? len : BANNER_CAP;
	b.has_data = 1;
	sink_banner(e->sink, &b);
}

void emit_udp_reply(struct engine *e, uint32_t ip, uint16_t port, const char *probe,
                    const uint8_t *data, size_t len)
{
	char text[IP_TEXT_LEN];
	Scanopy__V1__UdpReply u = SCANOPY__V1__UDP_REPLY__INIT;
	u.ip = (char *)eng_ip_text(e, ip, text);
	u.port = port;
	u.has_port = 1;
	u.probe = (char *)probe;
	u.payload.data = (uint8_t *)data;
	u.payload.len = len < BANNER_CAP ? len : BANNER_CAP;
	u.has_payload = 1;
	sink_udp_reply(e->sink, &u);
}

void emit_name(struct engine *e, uint32_t ip, Scanopy__V1__NameSource src,
               const char *name, const char *const *types, size_t ntypes,
               const char *detail)
{
	char text[IP_TEXT_LEN];
	Scanopy__V1__NameRecord n = SCANOPY__V1__NAME_RECORD__INIT;
	n.ip = (char *)eng_ip_text(e, ip, text);
	n.source = src;
	n.has_source = 1;
	n.name = (char *)(name ? name : "");
	n.service_types = (char **)types;
	n.n_service_types = ntypes;
	if (detail && *detail)
		n.detail = (char *)detail;
	sink_name(e->sink, &n);
}

void emit_progress(struct engine *e, const char *phase, bool final)
{
	Scanopy__V1__ScanProgress p = SCANOPY__V1__SCAN_PROGRESS__INIT;
	char msg[160];
	unsigned pct = 100;
	if (!strcmp(phase, "start")) {
		pct = 0;
	} else if (!final) {
		double d = e->disc_total ? (double)e->disc_done / e->disc_total : 1.0;
		double t =
		    e->ports_total ? (double)e->ports_done / (double)e->ports_total : 1.0;
		pct = (unsigned)(100 * (0.4 * d + 0.6 * t));
		if (pct > 99)
			pct = 99;
	}
	snprintf(msg, sizeof msg,
	         "%u hosts, %u tcp and %u udp ports open, %u probes running%s",
	         e->st.hosts, e->st.tcp_open, e->st.udp_open, e->nprobes,
	         final && e->stop > 0 ? "; stopped early" : "");
	p.phase = (char *)phase;
	p.percent = pct;
	p.has_percent = 1;
	p.hosts_found = e->st.hosts;
	p.has_hosts_found = 1;
	p.ports_found = e->st.tcp_open + e->st.udp_open;
	p.has_ports_found = 1;
	p.message = msg;
	sink_progress(e->sink, &p);
}

/* An address was swept when a live host there would have answered: ARP on
 * its link (a link whose capture failed hands its addresses to the routed
 * ones), an echo when routed and raw ICMP works; our own addresses need no
 * asking. Routed addresses tried by TCP alone are not swept: a host that
 * answers nothing on the discovery ports is silent, not gone. */
static bool swept(void *arg, uint32_t ip)
{
	const struct engine *e = arg;
	int64_t ord = targets_ordinal(&e->targets, ip);
	if (ord < 0)
		return false;
	return e->klass[ord] != KLASS_ROUTED || icmp_raw(e); /* on link, ours, echoed */
}

void emit_coverage(struct engine *e, bool complete)
{
	const struct scan_request *r = e->req;
	struct cover c = {0};
	if (cover_targets(r->targets, r->ntargets, swept, e, &c) || !c.n) {
		cover_free(&c);
		return;
	}
	char **t = malloc(c.n * sizeof *t);
	if (t) {
		for (size_t i = 0; i < c.n; i++)
			t[i] = c.cidr[i];
		Scanopy__V1__ScanCoverage sc = SCANOPY__V1__SCAN_COVERAGE__INIT;
		sc.targets = t;
		sc.n_targets = c.n;
		sc.started_at_ms = e->started_unix_ms;
		sc.has_started_at_ms = 1;
		sc.finished_at_ms = eng_unix_ms();
		sc.has_finished_at_ms = 1;
		sc.complete = complete;
		sc.has_complete = 1;
		sc.phase = "discovery";
		sink_coverage(e->sink, &sc);
	}
	free(t);
	cover_free(&c);
}
