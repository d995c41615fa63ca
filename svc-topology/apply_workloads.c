/* Containers under their Docker host, and the Docker networks as subnets. */
#include "apply_internal.h"
#include "changes.h"
#include "resolve.h"
#include "sc_pg.h"
#include "wbuf.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dump(json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return t;
}

int apply_container(struct batch_ctx *b, const Scanopy__V1__DockerContainer *c)
{
	if (!c->id || !*c->id || strlen(c->id) > 128)
		return 0;
	char parent[HOST_ID_LEN];
	int rc = c->host_ip ? resolve_ip(b, c->host_ip, "docker", parent) : 1;
	if (rc < 0)
		return -1;
	json_t *labels = json_object(), *ports = json_array(), *nets = json_array();
	const char *project = NULL;
	for (size_t i = 0; i < c->n_labels; i++) {
		const Scanopy__V1__DockerLabel *l = c->labels[i];
		if (!l->key)
			continue;
		json_object_set_new(labels, l->key,
		                    json_string(l->value ? l->value : ""));
		if (!strcmp(l->key, "com.docker.compose.project") && l->value &&
		    *l->value)
			project = l->value;
	}
	for (size_t i = 0; i < c->n_ports; i++) {
		const Scanopy__V1__DockerPort *p = c->ports[i];
		json_array_append_new(
		    ports,
		    json_pack("{s:i, s:i, s:s, s:s?}", "private_port",
		              (int)p->private_port, "public_port", (int)p->public_port,
		              "protocol",
		              p->protocol == SCANOPY__V1__PROTOCOL__PROTOCOL_UDP ? "udp"
		                                                                 : "tcp",
		              "host_ip", p->host_ip));
	}
	for (size_t i = 0; i < c->n_endpoints; i++) {
		const Scanopy__V1__DockerEndpoint *e = c->endpoints[i];
		json_array_append_new(nets,
		                      json_pack("{s:s?, s:s?, s:s?}", "network",
		                                e->network, "ip", e->ip, "mac", e->mac));
	}
	char *lt = dump(labels), *pt = dump(ports), *nt = dump(nets);
	const char *par = c->host_ip && rc == 0 ? parent : NULL;
	rc = -1;
	if (lt && pt && nt) {
		const char *name = c->name && *c->name == '/' ? c->name + 1 : c->name;
		const char *p[] = {b->org,   b->network, c->id,   par, name,
		                   c->image, c->state,   project, lt,  pt,
		                   nt,       b->daemon,  b->seen};
		PGresult *r = batch_query(
		    b,
		    "INSERT INTO inv.workloads (org_id, network_id, kind, external_id, "
		    "parent_host, name, image, state, project, labels, ports, networks, "
		    "daemon_id, first_seen, last_seen) VALUES ($1, $2, 'container', $3, "
		    "$4, "
		    "$5, $6, $7, $8, $9, $10, $11, $12, to_timestamp($13), "
		    "to_timestamp($13)) "
		    "ON CONFLICT (network_id, kind, external_id) DO UPDATE SET "
		    "parent_host = "
		    "coalesce(EXCLUDED.parent_host, inv.workloads.parent_host), name = "
		    "EXCLUDED.name, image = EXCLUDED.image, state = EXCLUDED.state, "
		    "project "
		    "= EXCLUDED.project, labels = EXCLUDED.labels, ports = "
		    "EXCLUDED.ports, "
		    "networks = EXCLUDED.networks, last_seen = "
		    "GREATEST(inv.workloads.last_seen, EXCLUDED.last_seen) WHERE "
		    "EXCLUDED.last_seen >= inv.workloads.last_seen RETURNING (xmax = 0)",
		    13, p);
		rc = r ? 0 : -1;
		if (r && PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t")) {
			char *d = dump(
			    json_pack("{s:s, s:s?}", "container", c->id, "name", name));
			rc = d ? change_log(b, "container_appeared", p[3], d) : -1;
			free(d);
		}
		PQclear(r);
	}
	free(lt);
	free(pt);
	free(nt);
	b->touched_workloads = true;
	return rc;
}

int apply_docker_network(struct batch_ctx *b, const Scanopy__V1__DockerNetwork *n)
{
	for (size_t i = 0; i < n->n_subnets; i++) {
		const char *gw = i < n->n_gateways && n->gateways[i] && *n->gateways[i]
		                     ? n->gateways[i]
		                     : NULL;
		const char *p[] = {b->org, b->network, n->subnets[i], gw, b->seen};
		/* A subnet Docker reports that is not a valid CIDR is skipped,
		 * not fatal: test it first. */
		PGresult *r = batch_query(
		    b, "SELECT $1::text ~ '^[0-9a-fA-F:.]+/[0-9]+$'", 1, p + 2);
		if (!r)
			return -1;
		bool ok = !strcmp(PQgetvalue(r, 0, 0), "t");
		PQclear(r);
		if (!ok)
			continue;
		if (batch_exec(
		        b,
		        "INSERT INTO inv.subnets (org_id, network_id, cidr, kind, "
		        "gateway, source, first_seen, last_seen) VALUES ($1, $2, "
		        "network($3::inet), 'docker_bridge', $4, 'docker', "
		        "to_timestamp($5), to_timestamp($5)) ON CONFLICT (network_id, "
		        "cidr) DO UPDATE SET last_seen = GREATEST(inv.subnets.last_seen, "
		        "EXCLUDED.last_seen)",
		        5, p))
			return -1;
		b->touched_l3_all = true;
	}
	return 0;
}
