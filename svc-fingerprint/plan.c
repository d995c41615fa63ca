/* The probe plan: what daemons must send so that every definition's evidence
 * can exist. Derived from the loaded set, so a new definition needs no daemon
 * release; versioned by a hash of its own content so daemons can cache it. */
#include "fp.h"
#include "model.h"
#include "sc_log.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPORTS 65536

struct plan {
	const struct fp_set *s;
	uint8_t tcp[NPORTS / 8], udp[NPORTS / 8], tls[NPORTS / 8];
	struct path_ports {
		const char *path;
		bool everywhere; /* on every port that answers HTTP */
		uint8_t bits[NPORTS / 8];
	} * paths; /* HTTP paths other than "/" and where to request them */
	size_t npaths;
	uint8_t (*probe_ports)[NPORTS / 8];
	bool snmp, docker, mdns, ssdp, mac, gateway, names, greeting;
	int oom;
};

static void mark(uint8_t *bits, uint16_t port)
{
	bits[port / 8] |= (uint8_t)(1u << (port % 8));
}

static bool marked(const uint8_t *bits, uint16_t port)
{
	return bits[port / 8] & (1u << (port % 8));
}

static void mark_port(struct plan *p, struct fp_port port)
{
	if (port.port == FP_PORT_ANY || !port.port)
		return;
	mark(port.proto == FP_PROTO_UDP ? p->udp : p->tcp, port.port);
}

static json_t *port_array(const uint8_t *bits)
{
	json_t *a = json_array();
	for (unsigned i = 1; a && i < NPORTS; i++)
		if (marked(bits, (uint16_t)i))
			json_array_append_new(a, json_integer(i));
	return a;
}

static void add_path(struct plan *p, const char *path, const struct fp_port *ports, int n)
{
	/* "/" is fetched on every port that answers HTTP; other paths only where
	 * a definition expects them. */
	if (!strcmp(path, "/"))
		return;
	size_t i = 0;
	while (i < p->npaths && strcmp(p->paths[i].path, path))
		i++;
	if (i == p->npaths) {
		struct path_ports *np = realloc(p->paths, (p->npaths + 1) * sizeof *np);
		if (!np) {
			p->oom = 1;
			return;
		}
		p->paths = np;
		memset(&np[i], 0, sizeof np[i]);
		np[i].path = path;
		p->npaths++;
	}
	for (int k = 0; k < n; k++)
		if (ports[k].port != FP_PORT_ANY)
			mark(p->paths[i].bits, ports[k].port);
		else
			p->paths[i].everywhere = true;
}

static void walk(struct plan *p, const struct fp_def *d, const struct fp_node *r)
{
	const struct fp_port *ports = r->nports ? r->ports : d->ports;
	int np = r->nports ? r->nports : d->nports;
	uint8_t want;
	for (int i = 0; i < r->nkids; i++)
		walk(p, d, r->kids[i]);
	for (int i = 0; i < r->nports; i++)
		mark_port(p, r->ports[i]);
	switch (r->kind) {
	case N_BANNER:
	case N_UDP:
		want = r->kind == N_UDP ? FP_PROTO_UDP : FP_PROTO_TCP;
		if (!r->probe) {
			p->greeting = true;
			break;
		}
		for (size_t k = 0; k < p->s->nprobes; k++) {
			const struct fp_probe *pr = &p->s->probes[k];
			if (strcmp(pr->id, r->probe) || pr->proto != want)
				continue;
			/* The definition's ports may mix protocols: a UDP
			 * probe goes to its UDP ports only. */
			for (int i = 0; i < np; i++)
				if (ports[i].port != FP_PORT_ANY &&
				    ports[i].proto == want)
					mark(p->probe_ports[k], ports[i].port);
		}
		break;
	case N_HTTP:
		add_path(p, r->path ? r->path : "/", ports, np);
		if (r->scheme && !strcmp(r->scheme, "https"))
			for (int i = 0; i < np; i++)
				if (ports[i].port != FP_PORT_ANY)
					mark(p->tls, ports[i].port);
		break;
	case N_TLS:
		for (int i = 0; i < np; i++)
			if (ports[i].port != FP_PORT_ANY)
				mark(p->tls, ports[i].port);
		break;
	case N_SNMP:
		p->snmp = true;
		mark(p->udp, 161);
		break;
	case N_DOCKER:
		p->docker = true;
		break;
	case N_MDNS:
		p->mdns = true;
		break;
	case N_SSDP:
		p->ssdp = true;
		break;
	case N_MAC:
		p->mac = true;
		break;
	case N_NAME:
		p->names = true;
		break;
	case N_GATEWAY:
		p->gateway = true;
		break;
	default:
		break;
	}
}

static char *hex(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);
	for (size_t i = 0; s && i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	if (s)
		s[2 * n] = '\0';
	return s;
}

static json_t *probes_json(struct plan *p)
{
	json_t *a = json_array();
	for (size_t k = 0; a && k < p->s->nprobes; k++) {
		const struct fp_probe *pr = &p->s->probes[k];
		for (int i = 0; i < pr->nports; i++)
			mark(p->probe_ports[k], pr->ports[i].port);
		json_t *ports = port_array(p->probe_ports[k]);
		if (!json_array_size(ports)) {
			json_decref(ports);
			continue; /* referenced by no definition: never needed */
		}
		for (size_t i = 0; i < json_array_size(ports); i++)
			mark(pr->proto == FP_PROTO_UDP ? p->udp : p->tcp,
			     (uint16_t)json_integer_value(json_array_get(ports, i)));
		char *h = hex(pr->payload, pr->len);
		json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "id", pr->id, "protocol",
		                      pr->proto == FP_PROTO_UDP ? "udp" : "tcp",
		                      "payload_hex", h ? h : "", "ports", ports);
		free(h);
		if (o && pr->read_ms)
			json_object_set_new(o, "read_ms", json_integer(pr->read_ms));
		json_array_append_new(a, o);
	}
	return a;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct path_ports *)a)->path,
	              ((const struct path_ports *)b)->path);
}

static json_t *paths_json(struct plan *p)
{
	json_t *a = json_array();
	json_array_append_new(
	    a, json_pack("{s:s, s:s}", "path", "/", "ports", "all-open-tcp"));
	if (p->npaths > 1)
		qsort(p->paths, p->npaths, sizeof *p->paths, cmp_path);
	for (size_t i = 0; i < p->npaths; i++) {
		for (unsigned port = 1; port < NPORTS; port++)
			if (marked(p->paths[i].bits, (uint16_t)port))
				mark(p->tcp, (uint16_t)port);
		if (p->paths[i].everywhere)
			json_array_append_new(a, json_pack("{s:s, s:s}", "path",
			                                   p->paths[i].path, "ports",
			                                   "all-open-tcp"));
		else
			json_array_append_new(a, json_pack("{s:s, s:o}", "path",
			                                   p->paths[i].path, "ports",
			                                   port_array(p->paths[i].bits)));
	}
	return a;
}

static void version_of(json_t *plan, char *out, size_t len)
{
	char *text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	snprintf(out, len, "none");
	if (text && EVP_Digest(text, strlen(text), d, &n, EVP_sha256(), NULL) && n >= 8) {
		int w = snprintf(out, len, "sha256:");
		for (unsigned i = 0; i < 8; i++)
			w += snprintf(out + w, len - (size_t)w, "%02x", d[i]);
	}
	free(text);
}

char *fp_plan_json(const struct fp_set *s)
{
	struct plan *p = calloc(1, sizeof *p);
	if (!p || !(p->probe_ports =
	                calloc(s->nprobes ? s->nprobes : 1, sizeof *p->probe_ports))) {
		free(p);
		sc_error("out of memory (probe plan)");
		return NULL;
	}
	p->s = s;
	for (size_t i = 0; i < s->ndefs; i++) {
		const struct fp_def *d = &s->defs[i];
		for (int k = 0; k < d->nports; k++)
			mark_port(p, d->ports[k]);
		walk(p, d, d->rule);
	}
	json_t *probes = probes_json(p);
	json_t *http = paths_json(p);
	json_t *plan =
	    json_pack("{s:o, s:o, s:{s:s, s:b}, s:o, s:{s:o}, s:o, s:b, s:b, s:{s:b, "
	              "s:s}, s:{s:b, s:s}, "
	              "s:b, s:b}",
	              "tcp_ports", port_array(p->tcp), "udp_ports", port_array(p->udp),
	              "greeting", "ports", "all-open-tcp", "wanted", p->greeting, "http",
	              http, "tls", "ports", port_array(p->tls), "probes", probes, "snmp",
	              p->snmp, "docker", p->docker, "mdns", "wanted", p->mdns, "browse",
	              "_services._dns-sd._udp.local", "ssdp", "wanted", p->ssdp, "search",
	              "ssdp:all", "arp", p->mac || p->gateway, "names", p->names);
	char *out = NULL;
	if (plan && !p->oom) {
		char v[40];
		version_of(plan, v, sizeof v);
		json_object_set_new(plan, "plan_version", json_string(v));
		json_object_set_new(plan, "definitions_version", json_string(s->version));
		out = json_dumps(plan, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(plan);
	}
	free(p->paths);
	free(p->probe_ports);
	free(p);
	if (!out)
		sc_error("out of memory (probe plan)");
	return out;
}
