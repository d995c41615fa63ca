/* TCP probe sessions: what answers on an open port. Each session starts on
 * the connection the port scan opened and runs stages, opening new
 * connections when a stage needs one:
 *
 *   GREET     wait for the service to speak first (long for ports whose
 *             service does, short for unknown ports); classify what it says
 *   FOLLOW    one follow-up for talkative protocols (SSH KEXINIT, SMTP EHLO,
 *             IMAP CAPABILITY, POP3 CAPA, FTP FEAT), then a polite quit
 *   PAYLOAD   the protocol request for ports whose service waits for us
 *   TLS       handshake; the certificate and session parameters
 *   HTTP      GET of each planned path (plain or inside TLS), following
 *             same-port redirects
 *   TLSGREET  the greeting inside TLS (IMAPS, POP3S, SMTPS)
 *   PLAN      each protocol probe the probe plan lists for this port (from
 *             the fingerprint definitions) that the stages above did not
 *             already send, on a new connection; a printer port gets only the
 *             probes a definition names that port for (PJL INFO ID, which
 *             prints nothing), and HTTP only if one of them got HTTP back
 *
 * Unknown ports go GREET (short) -> HTTP -> TLS -> HTTP. Printer ports get
 * GREET only unless printer payloads are allowed. Every wait returns as soon
 * as the reply is complete; the timeouts only bound silence. Any byte from
 * the port is a protocol-level answer: it confirms a routed host. */
#include "engine.h"

#include "banner.h"
#include "http_response.h"
#include "payloads.h"
#include "portinfo.h"
#include "sc_log.h"
#include "scan_plan.h"
#include "sink.h"
#include "text.h"
#include "tls_cert.h"

#include <openssl/err.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CAP (64 * 1024)
#define GREET_SPEAKER_MS 2500 /* a service that speaks first, on a LAN */
#define GREET_UNKNOWN_MS 400
#define GREET_PRINTER_MS 600
#define REPLY_MS 1500
#define HTTP_REPLY_MS 3000 /* API endpoints may think (podman's /version: 1.4 s) */
#define HANDSHAKE_MS 1500
#define LINGER_MS 150 /* after the last byte of a reply we cannot frame */
#define MAX_REDIRECTS 3

enum stage {
	STG_GREET,
	STG_FOLLOW,
	STG_PAYLOAD,
	STG_TLS,
	STG_HTTP,
	STG_TLSGREET,
	STG_PLAN
};
enum io { IO_NONE, IO_CONNECT, IO_HANDSHAKE, IO_WRITE, IO_READ };

struct probe {
	struct ev_watch w;
	struct ev_timer t;
	struct engine *e;
	struct host *h;
	struct probe *next, *prev; /* all live sessions */
	uint16_t port;
	struct port_hint hint;
	enum proto proto; /* what the port turned out to be (or is expected) */
	enum stage stage;
	enum io io;
	SSL *ssl;
	bool tls; /* the current (or next) connection runs TLS */
	bool tls_tried, tls_emitted, plain_tried, queued, telnet_answered;
	bool h2_only; /* the TLS server chose h2: GETs on new connections */
	int64_t conn_start_us;
	uint8_t out[2048];
	size_t outlen, outoff;
	uint8_t *buf;
	size_t len;
	bool eof;
	int64_t deadline_ms; /* silence bound of the current wait */
	size_t path_idx;
	size_t plan_idx;     /* next plan probe to consider */
	const char *builtin; /* the built-in probe already sent, if any */
	int redirects;
	char path[512];
	char host_hdr[64];
};

static void advance(struct probe *p);
static void reconnect(struct probe *p);
static void stage_begin(struct probe *p);
static void stage_result(struct probe *p);

/* ---------------------------------------------------------------- TLS */

int probe_tls_init(struct engine *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		sc_error("discovery: cannot create a TLS context");
		return -1;
	}
	/* An inventory, not a client: accept anything a device still speaks. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT |
	                             SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                          SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	e->tls = ctx;
	return 0;
}

/* ---------------------------------------------------------------- plumbing */

static void set_wait(struct probe *p, int64_t ms)
{
	p->deadline_ms = p->e->loop.now_ms + ms;
	ev_timer_at(&p->e->loop, &p->t, p->deadline_ms);
}

static void watch(struct probe *p, uint32_t events)
{
	ev_mod(&p->e->loop, &p->w, events);
}

static void conn_close(struct probe *p)
{
	struct engine *e = p->e;
	if (p->ssl) {
		SSL_shutdown(p->ssl); /* best effort close_notify, never waited for */
		SSL_free(p->ssl);
		p->ssl = NULL;
	}
	if (p->w.fd >= 0) {
		ev_close(&e->loop, &p->w);
		eng_socket_closed(e);
	}
	ev_timer_stop(&e->loop, &p->t);
	p->io = IO_NONE;
	ERR_clear_error();
}

static void probe_free(struct probe *p)
{
	struct engine *e = p->e;
	conn_close(p);
	if (p->prev)
		p->prev->next = p->next;
	else
		e->probes = p->next;
	if (p->next)
		p->next->prev = p->prev;
	e->nprobes--;
	free(p->buf);
	p->buf = NULL;
	ev_defer_free(&e->loop, p);
}

static const struct scan_plan *e_plan(const struct probe *p)
{
	return p->e->req->plan;
}

/* Moves p->plan_idx past the next plan probe for this port (the current one
 * is then probes[plan_idx - 1]); false when none is left. */
static bool next_plan_probe(struct probe *p)
{
	const struct scan_plan *plan = e_plan(p);
	if (!plan || p->e->stop)
		return false;
	while (p->plan_idx < plan->nprobes) {
		const struct scan_plan_probe *pr = &plan->probes[p->plan_idx++];
		if (pr->udp || !scan_ports_has(&pr->ports, p->port))
			continue;
		if (p->builtin && !strcmp(p->builtin, pr->id))
			continue; /* the same request went out already */
		return true;
	}
	return false;
}

/* Sends the protocol's goodbye (best effort) and ends the session, unless
 * the probe plan has probes left for the port. */
static void finish(struct probe *p)
{
	uint8_t q[32];
	size_t n = p->w.fd >= 0 && !p->eof ? payload_quit(p->proto, q, sizeof q) : 0;
	if (n) {
		if (p->ssl)
			SSL_write(p->ssl, q, (int)n);
		else
			send(p->w.fd, q, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	if (next_plan_probe(p)) {
		p->stage = STG_PLAN;
		p->tls = false;
		p->proto = PROTO_UNKNOWN;
		reconnect(p);
		return;
	}
	probe_free(p);
}

static void confirm(struct probe *p)
{
	if (!p->h->confirmed)
		host_evidence(p->e, p->h, SCANOPY__V1__EVIDENCE__EVIDENCE_TCP, 0, 0);
}

/* Asks for a fresh connection (the pump opens it when budget allows). */
static void reconnect(struct probe *p)
{
	struct engine *e = p->e;
	conn_close(p);
	(void)e;
	p->queued = true; /* probe_pump opens it */
	p->eof = false;
	p->len = 0;
}

static int start_write(struct probe *p, const void *data, size_t n)
{
	if (n > sizeof p->out)
		return -1;
	memcpy(p->out, data, n);
	p->outlen = n;
	p->outoff = 0;
	p->len = 0;
	p->eof = false;
	rate_charge(&p->e->rate, ev_now_us());
	p->io = IO_WRITE;
	watch(p, EPOLLOUT);
	set_wait(p, REPLY_MS);
	return 0;
}

static void start_read(struct probe *p, int64_t wait_ms)
{
	p->io = IO_READ;
	watch(p, EPOLLIN);
	set_wait(p, wait_ms);
}

static void start_handshake(struct probe *p, bool offer_h2)
{
	struct engine *e = p->e;
	p->ssl = SSL_new(e->tls);
	if (!p->ssl || !SSL_set_fd(p->ssl, p->w.fd)) {
		sc_debug("discovery: SSL_new failed");
		finish(p);
		return;
	}
	SSL_set_connect_state(p->ssl);
	if (offer_h2)
		SSL_set_alpn_protos(p->ssl, (const unsigned char *)"\x02h2\x08http/1.1",
		                    12);
	else if (p->stage == STG_HTTP || p->hint.kind == PK_TLS_HTTP)
		SSL_set_alpn_protos(p->ssl, (const unsigned char *)"\x08http/1.1", 9);
	p->io = IO_HANDSHAKE;
	p->tls_tried = true;
	rate_charge(&e->rate, ev_now_us());
	set_wait(p, HANDSHAKE_MS);
	watch(p, EPOLLOUT | EPOLLIN);
}

/* ---------------------------------------------------------------- emitting */

/* The host as a URL authority: "10.0.0.1", or "[fd00::1]" for IPv6. */
static const char *authority(const struct probe *p, char buf[IP_TEXT_LEN + 2])
{
	char ip[IP_TEXT_LEN];
	eng_ip_text(p->e, p->h->ip, ip);
	snprintf(buf, IP_TEXT_LEN + 2, p->h->v6 ? "[%s]" : "%s", ip);
	return buf;
}

static void emit_tls(struct probe *p)
{
	struct engine *e = p->e;
	X509 *x = SSL_get0_peer_certificate(p->ssl);
	struct tls_cert *c = x ? calloc(1, sizeof *c) : NULL;
	char ip[IP_TEXT_LEN];
	Scanopy__V1__TlsInfo t = SCANOPY__V1__TLS_INFO__INIT;
	char *sans[TLS_MAX_SANS];
	t.ip = (char *)eng_ip_text(e, p->h->ip, ip);
	t.port = p->port;
	t.has_port = 1;
	if (c && tls_cert_fields(x, c) == 0) {
		t.subject = c->subject;
		t.issuer = c->issuer;
		for (size_t i = 0; i < c->nsans; i++)
			sans[i] = c->sans[i];
		t.subject_alt_names = sans;
		t.n_subject_alt_names = c->nsans;
		t.not_before_ms = c->not_before_ms;
		t.has_not_before_ms = c->not_before_ms != 0;
		t.not_after_ms = c->not_after_ms;
		t.has_not_after_ms = c->not_after_ms != 0;
		t.serial = c->serial;
		t.sha256_fingerprint = c->sha256;
		t.self_signed = c->self_signed;
		t.has_self_signed = 1;
	}
	t.tls_version = (char *)SSL_get_version(p->ssl);
	t.cipher = (char *)SSL_get_cipher_name(p->ssl);
	const unsigned char *alpn = NULL;
	unsigned alen = 0;
	char alpn_text[32] = "";
	SSL_get0_alpn_selected(p->ssl, &alpn, &alen);
	if (alpn && alen && alen < sizeof alpn_text) {
		memcpy(alpn_text, alpn, alen);
		alpn_text[alen] = '\0';
		t.alpn = alpn_text;
		p->h2_only = !strcmp(alpn_text, "h2");
	}
	sink_tls(e->sink, &t);
	free(c);
	p->tls_emitted = true;
}

static void emit_http(struct probe *p, const struct http_resp *r)
{
	struct engine *e = p->e;
	char ip[IP_TEXT_LEN], title[512];
	Scanopy__V1__HttpResponse m = SCANOPY__V1__HTTP_RESPONSE__INIT;
	Scanopy__V1__HttpHeader hs[HTTP_MAX_HEADERS], *hp[HTTP_MAX_HEADERS];
	char *scratch = malloc(HTTP_MAX_HEADERS * 1280);
	uint8_t *body = malloc(BODY_CAP);
	if (!scratch || !body) {
		free(scratch);
		free(body);
		return;
	}
	m.ip = (char *)eng_ip_text(p->e, p->h->ip, ip);
	m.port = p->port;
	m.has_port = 1;
	m.scheme = p->tls ? "https" : "http";
	m.host = p->host_hdr;
	m.path = p->path;
	m.status = r->status;
	m.has_status = 1;
	for (size_t i = 0; i < r->nh; i++) {
		char *n = scratch + i * 1280, *v = n + 256;
		text_clean((const uint8_t *)r->h[i].name, r->h[i].nlen, n, 256, 1);
		text_clean((const uint8_t *)r->h[i].value, r->h[i].vlen, v, 1024, 1);
		scanopy__v1__http_header__init(&hs[i]);
		hs[i].name = n;
		hs[i].value = v;
		hp[i] = &hs[i];
	}
	m.headers = hp;
	m.n_headers = r->nh;
	const uint8_t *raw = p->buf + r->head_len;
	size_t rawlen = p->len - r->head_len;
	size_t blen = r->chunked ? http_dechunk(raw, rawlen, body, BODY_CAP)
	                         : (rawlen < BODY_CAP ? rawlen : BODY_CAP);
	if (!r->chunked)
		memcpy(body, raw, blen);
	if (http_title(body, blen, title, sizeof title) == 0) {
		m.title = title;
	}
	m.body_prefix.data = body;
	m.body_prefix.len = blen;
	m.has_body_prefix = 1;
	m.body_length = r->content_length >= 0 ? (uint64_t)r->content_length
	                                       : (r->chunked ? blen : rawlen);
	m.has_body_length = 1;
	sink_http(e->sink, &m);
	free(scratch);
	free(body);
}

/* ---------------------------------------------------------------- stages */

static bool can_payload(const struct probe *p)
{
	return !port_is_printer(p->port) || p->e->req->printer_payloads;
}

/* A redirect to the same address and port: its path (and scheme), or NULL. */
static bool same_port_redirect(struct probe *p, const struct http_resp *r, char *path,
                               size_t cap, bool *tls)
{
	const struct http_hdr *loc = http_header(r, "location");
	if (!loc || r->status < 300 || r->status > 399 || loc->vlen == 0 ||
	    loc->vlen >= cap)
		return false;
	char l[600];
	size_t n = loc->vlen < sizeof l - 1 ? loc->vlen : sizeof l - 1;
	memcpy(l, loc->value, n);
	l[n] = '\0';
	*tls = p->tls;
	const char *rest = l;
	if (l[0] != '/') {
		bool https = !strncasecmp(l, "https://", 8);
		if (!https && strncasecmp(l, "http://", 7))
			return false;
		const char *hostpart = l + (https ? 8 : 7);
		const char *slash = strchr(hostpart, '/');
		char hp[64], want[64], ip[IP_TEXT_LEN + 2];
		size_t hl = slash ? (size_t)(slash - hostpart) : strlen(hostpart);
		if (hl >= sizeof hp)
			return false;
		memcpy(hp, hostpart, hl);
		hp[hl] = '\0';
		authority(p, ip);
		unsigned dflt = https ? 443 : 80;
		if (p->port == dflt)
			snprintf(want, sizeof want, "%s", ip);
		else
			snprintf(want, sizeof want, "%s:%u", ip, p->port);
		char want2[64];
		snprintf(want2, sizeof want2, "%s:%u", ip, p->port);
		if (strcmp(hp, want) && strcmp(hp, want2))
			return false;
		*tls = https;
		rest = slash ? slash : "/";
	}
	size_t rl = strlen(rest);
	if (rest[0] != '/' || rest[1] == '/' || rl >= cap)
		return false;
	memcpy(path, rest, rl + 1);
	return true;
}

static void send_get(struct probe *p)
{
	char req[1024], ip[IP_TEXT_LEN + 2];
	if (!p->tls)
		p->plain_tried = true; /* a plain service was given its chance */
	int n =
	    payload_http_get(req, sizeof req, authority(p, ip), p->port, p->tls, p->path);
	/* What the Host header carried, for the observation. */
	if ((p->tls && p->port == 443) || (!p->tls && p->port == 80))
		snprintf(p->host_hdr, sizeof p->host_hdr, "%s", ip);
	else
		snprintf(p->host_hdr, sizeof p->host_hdr, "%s:%u", ip, p->port);
	if (n < 0 || start_write(p, req, (size_t)n)) {
		advance(p); /* an unusable path: skip it */
		return;
	}
	set_wait(p, HTTP_REPLY_MS);
}

/* Moves to the next planned path, or ends the session. */
static void next_path(struct probe *p)
{
	struct engine *e = p->e;
	p->redirects = 0;
	while (++p->path_idx < e->npaths && e->plan &&
	       !scan_ports_has(&e->plan->paths[p->path_idx].ports, p->port))
		;
	if (p->path_idx >= e->npaths) {
		finish(p);
		return;
	}
	snprintf(p->path, sizeof p->path, "%s", e->paths[p->path_idx]);
	reconnect(p);
}

/* Called when the connection for the current stage is up. */
static void stage_begin(struct probe *p)
{
	uint8_t buf[1024];
	size_t n;
	struct payload_ctx pc;
	char ip[IP_TEXT_LEN], local[IP_TEXT_LEN];
	struct sockaddr_storage sa;
	socklen_t sl = sizeof sa;
	switch (p->stage) {
	case STG_GREET: {
		int64_t ms = p->hint.kind == PK_GREET     ? GREET_SPEAKER_MS
		             : p->hint.kind == PK_PRINTER ? GREET_PRINTER_MS
		                                          : GREET_UNKNOWN_MS;
		start_read(p, ms);
		return;
	}
	case STG_TLS:
		start_handshake(p, !p->tls_emitted && p->hint.kind != PK_TLS_GREET &&
		                       p->hint.kind != PK_TLS);
		return;
	case STG_HTTP:
		if (p->tls && !p->ssl) {
			start_handshake(p, false);
			return;
		}
		send_get(p);
		return;
	case STG_TLSGREET:
		start_read(p, GREET_SPEAKER_MS);
		return;
	case STG_PLAN: {
		const struct scan_plan_probe *pr = &e_plan(p)->probes[p->plan_idx - 1];
		if (start_write(p, pr->payload, pr->len))
			finish(p);
		return;
	}
	case STG_PAYLOAD:
	case STG_FOLLOW:
		memset(&pc, 0, sizeof pc);
		pc.ip = eng_ip_text(p->e, p->h->ip, ip);
		pc.port = p->port;
		if (getsockname(p->w.fd, (struct sockaddr *)&sa, &sl) == 0 &&
		    sa.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&sa;
			pc.local_ip =
			    inet_ntop(AF_INET6, &a->sin6_addr, local, sizeof local);
			pc.local_port = ntohs(a->sin6_port);
		} else if (sa.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&sa;
			pc.local_ip = ip_text(ntohl(a->sin_addr.s_addr), local);
			pc.local_port = ntohs(a->sin_port);
		} else {
			pc.local_ip = "0.0.0.0";
		}
		pc.nonce = (uint32_t)ev_now_us() ^ p->h->ip ^ p->port;
		n = payload_for(p->proto, buf, sizeof buf, &pc);
		if (n)
			p->builtin = payload_name(p->proto);
		if (n == 0 || start_write(p, buf, n))
			finish(p);
		return;
	}
}

/* Decides what follows the current stage's reply (in p->buf, p->len). */
static void stage_result(struct probe *p)
{
	struct engine *e = p->e;
	ev_timer_stop(&e->loop, &p->t);
	p->io = IO_NONE;
	if (p->len)
		confirm(p);
	switch (p->stage) {
	case STG_GREET:
		if (p->len) {
			emit_banner(e, p->h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_TCP,
			            p->port, "", p->buf, p->len);
			p->proto = banner_classify_greeting(p->buf, p->len, p->port);
			if (p->eof || !can_payload(p)) {
				finish(p);
				return;
			}
			switch (p->proto) {
			case PROTO_SSH:
			case PROTO_SMTP:
			case PROTO_IMAP:
			case PROTO_POP3:
			case PROTO_FTP:
				p->stage = STG_FOLLOW;
				stage_begin(p);
				return;
			case PROTO_HTTP: /* spoke HTTP unasked: ask properly */
				p->stage = STG_HTTP;
				reconnect(p);
				return;
			default:
				finish(p);
				return;
			}
		}
		if (!can_payload(p)) {
			finish(p);
			return;
		}
		/* Silent: try HTTP here (or on a new connection if it closed). */
		p->stage = STG_HTTP;
		p->plain_tried = true;
		if (p->eof)
			reconnect(p);
		else
			stage_begin(p);
		return;
	case STG_FOLLOW:
	case STG_PAYLOAD:
		if (p->len)
			emit_banner(e, p->h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_TCP,
			            p->port, payload_name(p->proto), p->buf, p->len);
		if (p->len && p->stage == STG_PAYLOAD &&
		    !banner_reply_matches(p->proto, p->buf, p->len)) {
			enum proto g = banner_classify_greeting(p->buf, p->len, p->port);
			if (g != PROTO_UNKNOWN)
				p->proto = g;
			else if (banner_reply_matches(PROTO_HTTP, p->buf, p->len))
				p->proto = PROTO_HTTP;
			else
				p->proto = PROTO_UNKNOWN;
		}
		finish(p);
		return;
	case STG_TLS:
		/* handled in the handshake path */
		finish(p);
		return;
	case STG_PLAN:
		if (p->len) {
			emit_banner(e, p->h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_TCP,
			            p->port, e_plan(p)->probes[p->plan_idx - 1].id,
			            p->buf, p->len);
			/* An HTTP server that was never asked (a printer port, where
			 * only the plan's probes go): it is safe to ask now. */
			if (!p->plain_tried &&
			    banner_reply_matches(PROTO_HTTP, p->buf, p->len)) {
				p->proto = PROTO_HTTP;
				p->stage = STG_HTTP;
				p->path_idx = 0;
				snprintf(p->path, sizeof p->path, "%s", e->paths[0]);
				reconnect(p);
				return;
			}
		}
		finish(p);
		return;
	case STG_TLSGREET:
		if (p->len) {
			emit_banner(e, p->h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_TCP,
			            p->port, "tls-greeting", p->buf, p->len);
			p->proto = banner_classify_greeting(p->buf, p->len, p->port);
		}
		finish(p);
		return;
	case STG_HTTP: {
		struct http_resp r;
		int rc = p->len ? http_parse_head(p->buf, p->len, "HTTP", &r) : -1;
		if (rc == 1) {
			p->proto = PROTO_HTTP;
			emit_http(p, &r);
			char path[512];
			bool tls = p->tls;
			if (p->redirects < MAX_REDIRECTS &&
			    same_port_redirect(p, &r, path, sizeof path, &tls)) {
				p->redirects++;
				snprintf(p->path, sizeof p->path, "%s", path);
				if (tls != p->tls) {
					p->tls = tls;
					p->tls_tried = false;
				}
				reconnect(p);
				return;
			}
			/* "plain HTTP request sent to HTTPS port": the same port speaks
			 * TLS; fetch the paths over it instead. */
			if (!p->tls && !p->tls_tried && r.status == 400 &&
			    mem_casefind(p->buf, p->len, "https")) {
				p->tls = true;
				p->stage = STG_TLS;
				p->path_idx = 0;
				snprintf(p->path, sizeof p->path, "%s", e->paths[0]);
				reconnect(p);
				return;
			}
			next_path(p);
			return;
		}
		/* Not HTTP. Bytes that look like a TLS record, or nothing at all:
		 * perhaps TLS. Other bytes: whatever it is, it answered a GET. */
		bool tlsish = p->len >= 2 && (p->buf[0] == 0x15 || p->buf[0] == 0x16) &&
		              p->buf[1] == 0x03;
		if (p->len && !tlsish) {
			emit_banner(e, p->h->ip, SCANOPY__V1__PROTOCOL__PROTOCOL_TCP,
			            p->port, "http-get", p->buf, p->len);
			p->proto = banner_classify_greeting(p->buf, p->len, p->port);
			finish(p);
			return;
		}
		if (!p->tls && !p->tls_tried) {
			p->tls = true;
			p->stage = STG_TLS;
			reconnect(p);
			return;
		}
		finish(p);
		return;
	}
	}
}

/* After a successful handshake. */
static void tls_ready(struct probe *p)
{
	confirm(p);
	if (!p->tls_emitted)
		emit_tls(p);
	switch (p->hint.kind) {
	case PK_TLS_GREET:
		p->stage = STG_TLSGREET;
		stage_begin(p);
		return;
	case PK_TLS:
		finish(p);
		return;
	default:
		break;
	}
	if (p->stage == STG_TLS) {
		p->stage = STG_HTTP;
		if (p->h2_only) { /* this connection speaks h2: GET over a new one */
			p->h2_only = false;
			reconnect(p);
			return;
		}
	}
	send_get(p);
}

static void tls_failed(struct probe *p)
{
	struct engine *e = p->e;
	conn_close(p);
	if (!p->tls_emitted && !p->plain_tried && can_payload(p)) {
		/* Not TLS after all: treat it as an unknown plain service. */
		p->tls = false;
		p->plain_tried = true;
		p->hint.kind = PK_UNKNOWN;
		p->stage = STG_GREET;
		reconnect(p);
		return;
	}
	(void)e;
	finish(p);
}

/* The stage after a path's response or a skipped path. */
static void advance(struct probe *p)
{
	if (p->stage == STG_HTTP)
		next_path(p);
	else
		finish(p);
}

/* ---------------------------------------------------------------- I/O */

static bool reply_complete(struct probe *p)
{
	struct http_resp r;
	switch (p->stage) {
	case STG_GREET:
		return banner_greeting_complete(
		    banner_classify_greeting(p->buf, p->len, p->port), p->buf, p->len);
	case STG_TLSGREET:
		return memchr(p->buf, '\n', p->len) != NULL;
	case STG_FOLLOW:
	case STG_PAYLOAD:
		return banner_reply_complete(p->proto, p->buf, p->len);
	case STG_HTTP: {
		int rc = http_parse_head(p->buf, p->len, "HTTP", &r);
		if (rc < 0)
			return p->len >= 64; /* not HTTP: no need to wait for more */
		return rc == 1 && http_body_complete(&r, p->buf + r.head_len,
		                                     p->len - r.head_len, false);
	}
	default:
		return false;
	}
}

static void do_read(struct probe *p)
{
	for (;;) {
		if (p->len >= READ_CAP) {
			stage_result(p);
			return;
		}
		ssize_t n;
		if (p->ssl) {
			int r =
			    SSL_read(p->ssl, p->buf + p->len, (int)(READ_CAP - p->len));
			if (r <= 0) {
				int err = SSL_get_error(p->ssl, r);
				ERR_clear_error();
				if (err == SSL_ERROR_WANT_READ)
					break;
				if (err == SSL_ERROR_WANT_WRITE) {
					watch(p, EPOLLIN | EPOLLOUT);
					break;
				}
				p->eof = true;
				stage_result(p);
				return;
			}
			n = r;
		} else {
			n = recv(p->w.fd, p->buf + p->len, READ_CAP - p->len,
			         MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				p->eof = true;
				stage_result(p);
				return;
			}
		}
		p->len += (size_t)n;
	}
	if (p->len == 0)
		return;
	confirm(p);
	/* Telnet servers may wait for our answers before their prompt. */
	if (p->stage == STG_GREET && !p->telnet_answered && p->buf[0] == 0xff &&
	    can_payload(p)) {
		uint8_t ans[256];
		size_t n = telnet_refuse_options(p->buf, p->len, ans, sizeof ans);
		p->telnet_answered = true;
		if (n)
			send(p->w.fd, ans, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	if (reply_complete(p)) {
		stage_result(p);
		return;
	}
	/* More may follow: wait a little after each byte, within the bound. */
	int64_t linger =
	    p->e->loop.now_ms + (p->telnet_answered ? 3 * LINGER_MS : LINGER_MS);
	if (p->stage == STG_HTTP)
		linger =
		    p->e->loop.now_ms + REPLY_MS; /* framed: wait for the whole body */
	ev_timer_at(&p->e->loop, &p->t,
	            linger < p->deadline_ms ? linger : p->deadline_ms);
}

static void do_write(struct probe *p)
{
	while (p->outoff < p->outlen) {
		ssize_t n;
		if (p->ssl) {
			int r = SSL_write(p->ssl, p->out + p->outoff,
			                  (int)(p->outlen - p->outoff));
			if (r <= 0) {
				int err = SSL_get_error(p->ssl, r);
				ERR_clear_error();
				if (err == SSL_ERROR_WANT_READ)
					watch(p, EPOLLIN | EPOLLOUT);
				if (err == SSL_ERROR_WANT_WRITE ||
				    err == SSL_ERROR_WANT_READ)
					return;
				p->eof = true;
				stage_result(p);
				return;
			}
			n = r;
		} else {
			n = send(p->w.fd, p->out + p->outoff, p->outlen - p->outoff,
			         MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n < 0) {
				p->eof = true;
				stage_result(p);
				return;
			}
		}
		p->outoff += (size_t)n;
	}
	int64_t wait = p->stage == STG_HTTP ? HTTP_REPLY_MS : REPLY_MS;
	if (p->stage == STG_PLAN && e_plan(p)->probes[p->plan_idx - 1].read_ms)
		wait = e_plan(p)->probes[p->plan_idx - 1].read_ms;
	start_read(p, wait);
	do_read(p); /* a TLS record may already be buffered */
}

static void do_handshake(struct probe *p)
{
	int r = SSL_do_handshake(p->ssl);
	if (r == 1) {
		ev_timer_stop(&p->e->loop, &p->t);
		p->io = IO_NONE;
		tls_ready(p);
		return;
	}
	int err = SSL_get_error(p->ssl, r);
	ERR_clear_error();
	if (err == SSL_ERROR_WANT_READ)
		watch(p, EPOLLIN);
	else if (err == SSL_ERROR_WANT_WRITE)
		watch(p, EPOLLOUT);
	else
		tls_failed(p);
}

static void on_io(struct ev_watch *w, uint32_t events)
{
	struct probe *p = w->ctx;
	switch (p->io) {
	case IO_CONNECT: {
		int err = 0;
		socklen_t len = sizeof err;
		getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err == EINPROGRESS)
			return;
		ev_timer_stop(&p->e->loop, &p->t);
		if (err) {
			finish(p); /* the port stopped answering */
			return;
		}
		p->io = IO_NONE;
		stage_begin(p);
		return;
	}
	case IO_HANDSHAKE:
		do_handshake(p);
		return;
	case IO_WRITE:
		do_write(p);
		return;
	case IO_READ:
		do_read(p);
		return;
	default:
		return;
	}
}

static void on_timer(struct ev_timer *t)
{
	struct probe *p = t->ctx;
	switch (p->io) {
	case IO_CONNECT:
		finish(p);
		return;
	case IO_HANDSHAKE:
		tls_failed(p);
		return;
	case IO_WRITE:
		p->eof = true;
		stage_result(p);
		return;
	case IO_READ:
		stage_result(p); /* silence (or the linger after the last byte) */
		return;
	default:
		return;
	}
}

/* ---------------------------------------------------------------- sessions */

static void first_stage(struct probe *p)
{
	struct engine *e = p->e;
	snprintf(p->path, sizeof p->path, "%s", e->paths[0]);
	p->proto = p->hint.proto;
	switch (p->hint.kind) {
	case PK_GREET:
	case PK_UNKNOWN:
	case PK_PRINTER:
		p->stage = STG_GREET;
		break;
	case PK_HTTP:
		p->stage = STG_HTTP;
		break;
	case PK_TLS_HTTP:
	case PK_TLS_GREET:
	case PK_TLS:
		p->tls = true;
		p->stage = STG_TLS;
		break;
	case PK_PAYLOAD:
		p->stage = STG_PAYLOAD;
		break;
	}
	if (!can_payload(p))
		p->stage = STG_GREET;
}

void probe_start(struct engine *e, struct host *h, uint16_t port, int fd)
{
	struct probe *p = calloc(1, sizeof *p);
	uint8_t *buf = malloc(READ_CAP);
	if (!p || !buf) {
		free(p);
		free(buf);
		close(fd);
		eng_socket_closed(e);
		return;
	}
	p->e = e;
	p->h = h;
	p->port = port;
	p->buf = buf;
	p->hint = port_hint(port);
	p->w.fd = fd;
	p->w.fn = on_io;
	p->w.ctx = p;
	ev_timer_init(&p->t, on_timer, p);
	/* The scan set SO_LINGER 0; a probe leaves with a normal close. */
	struct linger lg = {0, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	p->next = e->probes;
	if (e->probes)
		e->probes->prev = p;
	e->probes = p;
	e->nprobes++;
	if (ev_add(&e->loop, &p->w, EPOLLIN)) {
		probe_free(p);
		return;
	}
	first_stage(p);
	stage_begin(p);
}

/* Opens the connection a queued session waits for. */
static void open_conn(struct engine *e, struct probe *p)
{
	p->queued = false;
	struct sockaddr_storage to;
	socklen_t tolen = host_sockaddr(e, p->h, p->port, &to);
	int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		finish(p);
		return;
	}
	eng_socket_opened(e);
	p->w.fd = fd;
	p->conn_start_us = ev_now_us();
	p->len = 0;
	p->eof = false;
	p->telnet_answered = false;
	if (ev_add(&e->loop, &p->w, EPOLLOUT)) {
		close(fd);
		p->w.fd = -1;
		eng_socket_closed(e);
		finish(p);
		return;
	}
	int rc = connect(fd, (struct sockaddr *)&to, tolen);
	if (rc < 0 && errno != EINPROGRESS) {
		finish(p);
		return;
	}
	p->io = IO_CONNECT;
	set_wait(p, host_connect_timeout(p->h) + 500);
}

void probe_pump(struct engine *e)
{
	/* Sessions waiting for a connection are few: a scan of the list is fine. */
	struct probe *next;
	for (struct probe *p = e->probes; p; p = next) {
		next = p->next; /* open_conn may end p (its memory lives to turn end) */
		if (!p->queued)
			continue;
		if (!eng_socket_ok(e)) {
			e->want_sockets = true;
			return;
		}
		if (!eng_take_token(e))
			return;
		open_conn(e, p);
	}
}

bool probe_idle(const struct engine *e)
{
	return e->probes == NULL;
}

void probe_stop_all(struct engine *e)
{
	while (e->probes)
		probe_free(e->probes);
	if (e->tls) {
		SSL_CTX_free(e->tls);
		e->tls = NULL;
	}
}
