#include "lldp_local.h"
#include "sink.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* lldpcli id types to LLDP-MIB subtypes */
static unsigned id_subtype(bool chassis, const char *t)
{
	if (!strcmp(t, "mac"))
		return chassis ? 4 : 3;
	if (!strcmp(t, "ip"))
		return chassis ? 5 : 4;
	if (!strcmp(t, "ifname"))
		return chassis ? 6 : 5;
	if (!strcmp(t, "ifalias"))
		return chassis ? 2 : 1;
	if (!strcmp(t, "local"))
		return 7;
	return 0;
}

static uint32_t cap_bits(const json_t *caps)
{
	static const char *names[] = {"Other",  "Repeater",  "Bridge", "Wlan",
	                              "Router", "Telephone", "Docsis", "Station"};
	uint32_t bits = 0;
	size_t i;
	json_t *c;
	if (json_is_object(caps)) { /* a single capability */
		json_t *one = json_array();
		json_array_append((json_t *)one, (json_t *)caps);
		bits = cap_bits(one);
		json_decref(one);
		return bits;
	}
	json_array_foreach(caps, i, c)
	{
		if (!json_is_true(json_object_get(c, "enabled")))
			continue;
		for (unsigned b = 0; b < 8; b++)
			if (!strcasecmp(jstr(c, "type"), names[b]))
				bits |= 1u << b;
	}
	return bits;
}

#define MAX_MGMT 8

static int emit_one(const char *ifname, const json_t *e, lldp_addr_fn addr,
                    struct sink *s)
{
	if (!json_is_object(e))
		return 0;
	const json_t *ch = json_object_get(e, "chassis"),
	             *port = json_object_get(e, "port");
	const char *sysname = "";
	/* chassis: {"<name>": {...}} or {...} directly (no name advertised) */
	if (json_is_object(ch) && !json_object_get(ch, "id") &&
	    json_object_size(ch) == 1) {
		void *it = json_object_iter((json_t *)ch);
		sysname = json_object_iter_key(it);
		ch = json_object_iter_value(it);
	} else
		sysname = jstr(ch, "name");
	if (!json_is_object(ch))
		return 0;
	const json_t *cid = json_object_get(ch, "id"), *pid = json_object_get(port, "id");
	char dev[64] = "";
	addr(ifname, dev, sizeof dev);
	const char *mg[MAX_MGMT];
	size_t nm = 0, i;
	const json_t *m = json_object_get(ch, "mgmt-ip"), *v;
	if (json_is_string(m))
		mg[nm++] = json_string_value(m);
	json_array_foreach(m, i, v)
	{
		if (json_is_string(v) && nm < MAX_MGMT)
			mg[nm++] = json_string_value(v);
	}
	Scanopy__V1__NeighborEntry n = SCANOPY__V1__NEIGHBOR_ENTRY__INIT;
	n.device_ip = dev;
	n.has_protocol = 1;
	n.protocol = !strcasecmp(jstr(e, "via"), "CDPv1") ||
	                     !strcasecmp(jstr(e, "via"), "CDPv2") ||
	                     !strcasecmp(jstr(e, "via"), "CDP")
	                 ? SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_CDP
	                 : SCANOPY__V1__NEIGHBOR_PROTOCOL__NEIGHBOR_LLDP;
	n.local_port = (char *)ifname;
	n.remote_chassis_id = (char *)jstr(cid, "value");
	n.has_remote_chassis_id_subtype = 1;
	n.remote_chassis_id_subtype = id_subtype(true, jstr(cid, "type"));
	n.remote_port_id = (char *)jstr(pid, "value");
	n.has_remote_port_id_subtype = 1;
	n.remote_port_id_subtype = id_subtype(false, jstr(pid, "type"));
	n.remote_port_descr = (char *)jstr(port, "descr");
	n.remote_sys_name = (char *)sysname;
	n.remote_sys_descr = (char *)jstr(ch, "descr");
	n.remote_mgmt_addresses = (char **)mg;
	n.n_remote_mgmt_addresses = nm;
	const json_t *caps = json_object_get(ch, "capability");
	if (caps) {
		n.has_remote_capabilities = 1;
		n.remote_capabilities = cap_bits(caps);
	}
	return sink_neighbor(s, &n) ? -1 : 1;
}

int lldp_json_emit(const char *json, size_t len, lldp_addr_fn addr, struct sink *s)
{
	json_error_t err;
	json_t *root = json_loadb(json, len, 0, &err);
	const json_t *lldp = json_object_get(root, "lldp");
	if (!json_is_object(lldp)) {
		json_decref(root);
		return -1;
	}
	const json_t *ifs = json_object_get(lldp, "interface");
	int n = 0;
	/* {"eth0": {...}} or [{"eth0": {...}}, {"eth1": {...}}] */
	json_t *one = json_is_object(ifs) ? json_array() : NULL;
	if (one)
		json_array_append(one, (json_t *)ifs);
	size_t i;
	json_t *item;
	json_array_foreach(one ? one : ifs, i, item)
	{
		const char *name;
		json_t *e;
		json_object_foreach(item, name, e)
		{
			int r = emit_one(name, e, addr, s);
			if (r < 0) {
				n = -1;
				break;
			}
			n += r;
		}
		if (n < 0)
			break;
	}
	json_decref(one);
	json_decref(root);
	return n;
}
