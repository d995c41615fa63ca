#define _GNU_SOURCE /* strcasestr */
#include "docker_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return (char *)(s ? s : "");
}

static Scanopy__V1__Protocol proto_of(const char *t)
{
	return !strcasecmp(t, "udp") ? SCANOPY__V1__PROTOCOL__PROTOCOL_UDP
	                             : SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
}

static int add_port(Scanopy__V1__DockerContainer *c, uint32_t priv, uint32_t pub,
                    Scanopy__V1__Protocol p, char *ip)
{
	for (size_t i = 0; i < c->n_ports; i++) {
		Scanopy__V1__DockerPort *q = c->ports[i];
		if (q->private_port == priv && q->public_port == pub &&
		    q->protocol == p && !strcmp(q->host_ip, ip))
			return 0;
	}
	Scanopy__V1__DockerPort **g = realloc(c->ports, (c->n_ports + 1) * sizeof *g);
	if (!g)
		return -1;
	c->ports = g;
	Scanopy__V1__DockerPort *d = malloc(sizeof *d);
	if (!d)
		return -1;
	scanopy__v1__docker_port__init(d);
	d->has_private_port = 1;
	d->private_port = priv;
	d->has_public_port = pub != 0;
	d->public_port = pub;
	d->has_protocol = 1;
	d->protocol = p;
	d->host_ip = ip;
	c->ports[c->n_ports++] = d;
	return 0;
}

/* "8080/tcp" */
static int parse_port_key(const char *k, uint32_t *port, Scanopy__V1__Protocol *p)
{
	char *end;
	unsigned long v = strtoul(k, &end, 10);
	if (end == k || v == 0 || v > 65535)
		return -1;
	*port = (uint32_t)v;
	*p = proto_of(*end == '/' ? end + 1 : "tcp");
	return 0;
}

static int parse_ports(struct dk_container *out, const json_t *item,
                       const json_t *inspect)
{
	Scanopy__V1__DockerContainer *c = &out->c;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(item, "Ports"), i, p)
	{
		json_int_t priv = json_integer_value(json_object_get(p, "PrivatePort")),
		           pub = json_integer_value(json_object_get(p, "PublicPort"));
		if (priv <= 0 || priv > 65535 || pub < 0 || pub > 65535)
			continue;
		if (add_port(c, (uint32_t)priv, (uint32_t)pub, proto_of(jstr(p, "Type")),
		             jstr(p, "IP")))
			return -1;
	}
	/* inspect: NetworkSettings.Ports {"80/tcp": [{"HostIp","HostPort"}] | null}
	 * and Config.ExposedPorts {"80/tcp": {}} */
	const json_t *ns =
	    json_object_get(json_object_get(inspect, "NetworkSettings"), "Ports");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)ns, key, v)
	{
		uint32_t priv;
		Scanopy__V1__Protocol pr;
		if (parse_port_key(key, &priv, &pr))
			continue;
		size_t k;
		json_t *b;
		json_array_foreach(v, k, b)
		{
			long pub = strtol(jstr(b, "HostPort"), NULL, 10);
			if (pub > 0 && pub <= 65535 &&
			    add_port(c, priv, (uint32_t)pub, pr, jstr(b, "HostIp")))
				return -1;
		}
	}
	const json_t *exp =
	    json_object_get(json_object_get(inspect, "Config"), "ExposedPorts");
	json_object_foreach((json_t *)exp, key, v)
	{
		uint32_t priv;
		Scanopy__V1__Protocol pr;
		if (parse_port_key(key, &priv, &pr))
			continue;
		bool known = false;
		for (size_t k = 0; k < c->n_ports; k++)
			known = known || (c->ports[k]->private_port == priv &&
			                  c->ports[k]->protocol == pr);
		if (!known && add_port(c, priv, 0, pr, ""))
			return -1;
	}
	/* probe candidates: TCP ports with no published host port at all */
	for (size_t k = 0; k < c->n_ports && out->nprobe < DOCKER_MAX_PROBE_PORTS; k++) {
		Scanopy__V1__DockerPort *d = c->ports[k];
		if (d->protocol != SCANOPY__V1__PROTOCOL__PROTOCOL_TCP)
			continue;
		bool published = false, dup = false;
		for (size_t m = 0; m < c->n_ports; m++)
			published =
			    published || (c->ports[m]->private_port == d->private_port &&
			                  c->ports[m]->public_port);
		for (size_t m = 0; m < out->nprobe; m++)
			dup = dup || out->probe_ports[m] == d->private_port;
		if (!published && !dup)
			out->probe_ports[out->nprobe++] = d->private_port;
	}
	return 0;
}

static int parse_endpoints(Scanopy__V1__DockerContainer *c, const json_t *nets)
{
	const char *name;
	json_t *e;
	size_t n = json_is_object(nets) ? json_object_size(nets) : 0;
	if (!n)
		return 0;
	c->endpoints = calloc(n, sizeof *c->endpoints);
	if (!c->endpoints)
		return -1;
	json_object_foreach((json_t *)nets, name, e)
	{
		Scanopy__V1__DockerEndpoint *d = malloc(sizeof *d);
		if (!d)
			return -1;
		scanopy__v1__docker_endpoint__init(d);
		d->network = (char *)name;
		d->ip = jstr(e, "IPAddress");
		d->mac = jstr(e, "MacAddress");
		c->endpoints[c->n_endpoints++] = d;
	}
	return 0;
}

static int parse_labels(Scanopy__V1__DockerContainer *c, const json_t *labels)
{
	const char *k;
	json_t *v;
	size_t n = json_is_object(labels) ? json_object_size(labels) : 0;
	if (!n)
		return 0;
	c->labels = calloc(n, sizeof *c->labels);
	if (!c->labels)
		return -1;
	json_object_foreach((json_t *)labels, k, v)
	{
		if (!json_is_string(v))
			continue;
		Scanopy__V1__DockerLabel *l = malloc(sizeof *l);
		if (!l)
			return -1;
		scanopy__v1__docker_label__init(l);
		l->key = (char *)k;
		l->value = (char *)json_string_value(v);
		c->labels[c->n_labels++] = l;
	}
	return 0;
}

int docker_parse_container(const json_t *item, const json_t *inspect, const char *host_ip,
                           struct dk_container *out)
{
	memset(out, 0, sizeof *out);
	scanopy__v1__docker_container__init(&out->c);
	Scanopy__V1__DockerContainer *c = &out->c;
	if (!json_is_object(item) || !*jstr(item, "Id"))
		return -1;
	if (!json_is_object(inspect))
		inspect = NULL;
	c->host_ip = (char *)(host_ip ? host_ip : "");
	c->id = jstr(item, "Id");
	/* Names: ["/shop-web"]; inspect Name: "/shop-web" (podman: "shop-web") */
	const char *nm =
	    json_string_value(json_array_get(json_object_get(item, "Names"), 0));
	if (!nm || !*nm)
		nm = jstr(inspect, "Name");
	snprintf(out->name, sizeof out->name, "%s", nm[0] == '/' ? nm + 1 : nm);
	c->name = out->name;
	c->image = jstr(item, "Image");
	c->image_id = jstr(item, "ImageID");
	c->state = jstr(item, "State");
	if (!*c->state) /* inspect: State.Status */
		c->state = jstr(json_object_get(inspect, "State"), "Status");
	c->command = jstr(item, "Command");
	json_int_t created = json_integer_value(json_object_get(item, "Created"));
	if (created > 0) {
		c->has_created_ms = 1;
		c->created_ms = (int64_t)created * 1000;
	}
	const char *mode = jstr(json_object_get(item, "HostConfig"), "NetworkMode");
	if (!*mode)
		mode = jstr(json_object_get(inspect, "HostConfig"), "NetworkMode");
	snprintf(out->network_mode, sizeof out->network_mode, "%s", mode);
	c->network_mode = out->network_mode;
	const json_t *nets =
	    json_object_get(json_object_get(item, "NetworkSettings"), "Networks");
	if (!json_is_object(nets))
		nets = json_object_get(json_object_get(inspect, "NetworkSettings"),
		                       "Networks");
	const json_t *labels = json_object_get(item, "Labels");
	if (!json_is_object(labels))
		labels = json_object_get(json_object_get(inspect, "Config"), "Labels");
	if (parse_endpoints(c, nets) || parse_labels(c, labels) ||
	    parse_ports(out, item, inspect)) {
		docker_container_free(out);
		return -1;
	}
	return 0;
}

void docker_container_free(struct dk_container *out)
{
	Scanopy__V1__DockerContainer *c = &out->c;
	for (size_t i = 0; i < c->n_endpoints; i++)
		free(c->endpoints[i]);
	for (size_t i = 0; i < c->n_labels; i++)
		free(c->labels[i]);
	for (size_t i = 0; i < c->n_ports; i++)
		free(c->ports[i]);
	free(c->endpoints);
	free(c->labels);
	free(c->ports);
	c->endpoints = NULL;
	c->labels = NULL;
	c->ports = NULL;
	c->n_endpoints = c->n_labels = c->n_ports = 0;
}

int docker_parse_network(const json_t *item, const char *host_ip, struct dk_network *out)
{
	memset(out, 0, sizeof *out);
	scanopy__v1__docker_network__init(&out->n);
	Scanopy__V1__DockerNetwork *n = &out->n;
	if (!json_is_object(item) || !*jstr(item, "Name"))
		return -1;
	n->host_ip = (char *)(host_ip ? host_ip : "");
	n->id = jstr(item, "Id");
	n->name = jstr(item, "Name");
	n->driver = jstr(item, "Driver");
	const json_t *cfg = json_object_get(json_object_get(item, "IPAM"), "Config");
	size_t cnt = json_is_array(cfg) ? json_array_size(cfg) : 0, i;
	json_t *e;
	if (!cnt)
		return 0;
	n->subnets = calloc(cnt, sizeof *n->subnets);
	n->gateways = calloc(cnt, sizeof *n->gateways);
	if (!n->subnets || !n->gateways) {
		docker_network_free(out);
		return -1;
	}
	json_array_foreach(cfg, i, e)
	{
		if (*jstr(e, "Subnet"))
			n->subnets[n->n_subnets++] = jstr(e, "Subnet");
		if (*jstr(e, "Gateway"))
			n->gateways[n->n_gateways++] = jstr(e, "Gateway");
	}
	return 0;
}

void docker_network_free(struct dk_network *out)
{
	free(out->n.subnets);
	free(out->n.gateways);
	out->n.subnets = out->n.gateways = NULL;
	out->n.n_subnets = out->n.n_gateways = 0;
}

size_t docker_demux(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t o = 0, p = 0;
	if (!cap)
		return 0;
	bool framed = n >= 8 && in[0] <= 2 && !in[1] && !in[2] && !in[3];
	if (!framed) {
		o = n < cap - 1 ? n : cap - 1;
		memcpy(out, in, o);
	} else {
		while (p + 8 <= n) {
			if (in[p] > 2 || in[p + 1] || in[p + 2] || in[p + 3])
				break; /* not a frame header: stop rather than guess */
			size_t len = (size_t)in[p + 4] << 24 | (size_t)in[p + 5] << 16 |
			             (size_t)in[p + 6] << 8 | in[p + 7];
			p += 8;
			if (len > n - p)
				len = n - p; /* truncated last frame */
			size_t c = len < cap - 1 - o ? len : cap - 1 - o;
			memcpy(out + o, in + p, c);
			o += c;
			p += len;
		}
	}
	out[o] = 0;
	/* NULs inside would cut the text short for the parsers after us */
	for (size_t i = 0; i < o; i++)
		if (!out[i])
			out[i] = ' ';
	return o;
}

void docker_parse_probe(const char *text, struct dk_http *h)
{
	memset(h, 0, sizeof *h);
	h->body = "";
	const char *p = text;
	bool in_headers = false;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *l = p;
		size_t ll = len;
		while (ll && (*l == ' ' || *l == '\t')) {
			l++;
			ll--;
		}
		while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' '))
			ll--;
		if (ll > 9 && !strncmp(l, "HTTP/", 5)) {
			const char *sp = memchr(l, ' ', ll);
			if (sp && (size_t)(sp - l) + 4 <= ll &&
			    isdigit((unsigned char)sp[1]) &&
			    isdigit((unsigned char)sp[2]) &&
			    isdigit((unsigned char)sp[3]))
				h->status = (unsigned)((sp[1] - '0') * 100 +
				                       (sp[2] - '0') * 10 + sp[3] - '0');
			in_headers = true;
		} else if (in_headers && ll == 0) {
			in_headers = false; /* curl -si: a blank line ends the headers */
			h->body = eol ? eol + 1 : p + len;
		} else if (in_headers && ll > 7 && !strncasecmp(l, "Server:", 7)) {
			const char *v = l + 7;
			size_t vl = ll - 7;
			while (vl && *v == ' ') {
				v++;
				vl--;
			}
			snprintf(h->server, sizeof h->server, "%.*s", (int)vl, v);
		}
		const char *t = strcasestr(l, "<title>");
		if (t && !*h->title && (size_t)(t - l) < ll) {
			t += 7;
			const char *e = strcasestr(t, "</title>");
			size_t tl = e ? (size_t)(e - t) : strcspn(t, "\r\n");
			snprintf(h->title, sizeof h->title, "%.*s", (int)tl, t);
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	if (!*h->body && h->status)
		h->body = "";
}
