#include "scan_plan.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 4096 /* paths or probes: the real plan has under 100 */

static int fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

bool scan_ports_has(const struct scan_ports *ports, uint16_t port)
{
	if (ports->all)
		return true;
	for (size_t i = 0; i < ports->n; i++)
		if (ports->v[i] == port)
			return true;
	return false;
}

static bool port_value(json_t *v, uint16_t *out)
{
	if (!json_is_integer(v))
		return false;
	json_int_t p = json_integer_value(v);
	if (p < 1 || p > 65535)
		return false;
	*out = (uint16_t)p;
	return true;
}

/* "all-open-tcp" or an array of ports. */
static int parse_ports(json_t *v, struct scan_ports *out)
{
	memset(out, 0, sizeof *out);
	if (json_is_string(v) && !strcmp(json_string_value(v), "all-open-tcp")) {
		out->all = true;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) > 65535)
		return -1;
	out->v = calloc(json_array_size(v) + 1, sizeof *out->v);
	if (!out->v)
		return -1;
	for (size_t i = 0; i < json_array_size(v); i++)
		if (!port_value(json_array_get(v, i), &out->v[out->n++]))
			return -1;
	return 0;
}

static int port_list(json_t *v, uint32_t **out, size_t *n)
{
	*n = 0;
	if (!json_is_array(v) || json_array_size(v) > 65535)
		return -1;
	*out = calloc(json_array_size(v) + 1, sizeof **out);
	if (!*out)
		return -1;
	for (size_t i = 0; i < json_array_size(v); i++) {
		uint16_t p;
		if (!port_value(json_array_get(v, i), &p))
			return -1;
		(*out)[(*n)++] = p;
	}
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex(const char *hex, uint8_t **out, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > SCAN_PLAN_MAX_PAYLOAD)
		return -1;
	if (!(*out = malloc(n / 2 + 1)))
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* A path the engine may put in a request line: absolute, printable, short. */
static bool path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) > 400)
		return false;
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static int parse_paths(json_t *a, struct scan_plan *plan, char *why, size_t wl)
{
	if (!json_is_array(a) || json_array_size(a) > MAX_ITEMS)
		return fail(why, wl, "\"http\" is not an array of paths");
	size_t n = json_array_size(a);
	plan->paths = calloc(n + 1, sizeof *plan->paths);
	plan->path_strings = calloc(n + 1, sizeof *plan->path_strings);
	if (!plan->paths || !plan->path_strings)
		return fail(why, wl, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(a, i);
		const char *path = json_string_value(json_object_get(o, "path"));
		struct scan_plan_path *pp = &plan->paths[plan->npaths++];
		if (!path || !path_ok(path))
			return fail(why, wl,
			            "http[%zu]: a path must be absolute and printable",
			            i);
		if (!(pp->path = strdup(path)))
			return fail(why, wl, "out of memory");
		plan->path_strings[i] = pp->path;
		if (parse_ports(json_object_get(o, "ports"), &pp->ports))
			return fail(why, wl, "http[%zu]: bad ports", i);
	}
	return 0;
}

static int parse_probes(json_t *a, struct scan_plan *plan, char *why, size_t wl)
{
	if (!json_is_array(a) || json_array_size(a) > MAX_ITEMS)
		return fail(why, wl, "\"probes\" is not an array");
	size_t n = json_array_size(a);
	if (!(plan->probes = calloc(n + 1, sizeof *plan->probes)))
		return fail(why, wl, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(a, i);
		struct scan_plan_probe *pr = &plan->probes[plan->nprobes++];
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *proto = json_string_value(json_object_get(o, "protocol"));
		const char *hex = json_string_value(json_object_get(o, "payload_hex"));
		json_t *read_ms = json_object_get(o, "read_ms");
		if (!id || !*id || strlen(id) > 64 || !proto ||
		    (strcmp(proto, "tcp") && strcmp(proto, "udp")) || !hex)
			return fail(why, wl,
			            "probes[%zu]: needs id, protocol tcp|udp and "
			            "payload_hex",
			            i);
		if (!(pr->id = strdup(id)))
			return fail(why, wl, "out of memory");
		pr->udp = !strcmp(proto, "udp");
		if (parse_hex(hex, &pr->payload, &pr->len) || !pr->len)
			return fail(
			    why, wl,
			    "probes[%zu] (%s): payload_hex is not 1-%d bytes of hex", i,
			    id, SCAN_PLAN_MAX_PAYLOAD);
		if (read_ms) {
			if (!json_is_integer(read_ms) ||
			    json_integer_value(read_ms) < 0 ||
			    json_integer_value(read_ms) > 30000)
				return fail(why, wl,
				            "probes[%zu] (%s): read_ms out of 0-30000", i,
				            id);
			pr->read_ms = (unsigned)json_integer_value(read_ms);
		}
		if (parse_ports(json_object_get(o, "ports"), &pr->ports) || pr->ports.all)
			return fail(why, wl, "probes[%zu] (%s): bad ports", i, id);
	}
	return 0;
}

static int parse(json_t *j, struct scan_plan *plan, char *why, size_t wl)
{
	if (!json_is_object(j))
		return fail(why, wl, "not a JSON object");
	const char *v = json_string_value(json_object_get(j, "plan_version"));
	if (!v || strlen(v) >= sizeof plan->version)
		return fail(why, wl, "no plan_version");
	snprintf(plan->version, sizeof plan->version, "%s", v);
	if (port_list(json_object_get(j, "tcp_ports"), &plan->tcp, &plan->ntcp))
		return fail(why, wl, "\"tcp_ports\" is not an array of ports");
	if (port_list(json_object_get(j, "udp_ports"), &plan->udp, &plan->nudp))
		return fail(why, wl, "\"udp_ports\" is not an array of ports");
	if (parse_paths(json_object_get(j, "http"), plan, why, wl))
		return -1;
	return parse_probes(json_object_get(j, "probes"), plan, why, wl);
}

int scan_plan_parse(const char *text, size_t len, struct scan_plan *plan, char *why,
                    size_t whylen)
{
	memset(plan, 0, sizeof *plan);
	json_error_t err;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		return fail(why, whylen, "not JSON: %s (line %d)", err.text, err.line);
	int rc = parse(j, plan, why, whylen);
	json_decref(j);
	if (rc)
		scan_plan_free(plan);
	return rc;
}

void scan_plan_free(struct scan_plan *plan)
{
	for (size_t i = 0; i < plan->npaths; i++) {
		free(plan->paths[i].path);
		free(plan->paths[i].ports.v);
	}
	for (size_t i = 0; i < plan->nprobes; i++) {
		free(plan->probes[i].id);
		free(plan->probes[i].payload);
		free(plan->probes[i].ports.v);
	}
	free(plan->paths);
	free(plan->path_strings);
	free(plan->probes);
	free(plan->tcp);
	free(plan->udp);
	memset(plan, 0, sizeof *plan);
}
