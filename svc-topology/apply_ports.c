/* Ports and the services identified on them, with their change records. */
#include "apply_internal.h"
#include "changes.h"
#include "resolve.h"
#include "sc_pg.h"
#include "wbuf.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *protocol_name(Scanopy__V1__Protocol p)
{
	return p == SCANOPY__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp";
}

static int port_change(struct batch_ctx *b, const char *kind, const char *host,
                       const char *proto, const char *port, const char *ip)
{
	json_t *d = json_pack("{s:s, s:i, s:s?}", "protocol", proto, "port", atoi(port),
	                      "ip", ip);
	char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	if (!text)
		return -1;
	int rc = change_log(b, kind, host, text);
	free(text);
	return rc;
}

int apply_port(struct batch_ctx *b, const Scanopy__V1__PortState *ps)
{
	static const char *const status[] = {"unknown", "open", "closed", "filtered",
	                                     "open|filtered"};
	if (!ps->ip || ps->port == 0 || ps->port > 65535 ||
	    ps->status > SCANOPY__V1__PORT_STATUS__PORT_OPEN_FILTERED ||
	    ps->status == SCANOPY__V1__PORT_STATUS__PORT_UNKNOWN)
		return 0;
	bool open = ps->status == SCANOPY__V1__PORT_STATUS__PORT_OPEN ||
	            ps->status == SCANOPY__V1__PORT_STATUS__PORT_OPEN_FILTERED;
	char port[8], id[HOST_ID_LEN];
	snprintf(port, sizeof port, "%u", ps->port);
	const char *proto = protocol_name(ps->protocol);
	if (!open) {
		/* A closed port is no inventory; one that was open closed, if
		 * this is newer than what opened it. */
		const char *p[] = {b->network, ps->ip, proto, port, b->seen};
		PGresult *r = batch_query(
		    b,
		    "DELETE FROM inv.ports p USING inv.addresses a WHERE a.network_id = "
		    "$1 "
		    "AND a.ip = $2 AND p.host_id = a.host_id AND p.protocol = $3 AND "
		    "p.port "
		    "= $4 AND p.last_seen < to_timestamp($5) RETURNING p.host_id",
		    5, p);
		if (!r)
			return -1;
		int rc = 0;
		if (PQntuples(r) == 1)
			rc = port_change(b, "port_closed", PQgetvalue(r, 0, 0), proto,
			                 port, ps->ip);
		PQclear(r);
		return rc;
	}
	int rc = resolve_ip(b, ps->ip, "port", id);
	if (rc)
		return rc < 0 ? -1 : 0;
	return wb_port(b, id, proto, port, status[ps->status], ps->ip);
}

static char *evidence_json(const Scanopy__V1__ServiceMatch *m)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < m->n_evidence; i++)
		json_array_append_new(a, json_pack("{s:s?, s:s?}", "rule",
		                                   m->evidence[i]->rule, "detail",
		                                   m->evidence[i]->detail));
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return text;
}

/* A match on a container's own address belongs to the container, not to a
 * host: 1 when it was kept there, 0 when the address is no container's. */
static int container_match(struct batch_ctx *b, const Scanopy__V1__ServiceMatch *m,
                           const char *port, const char *conf)
{
	const char *p[] = {b->network,
	                   m->ip,
	                   m->definition_id,
	                   m->name,
	                   m->category,
	                   m->product,
	                   m->version,
	                   port,
	                   conf,
	                   m->protocol == SCANOPY__V1__PROTOCOL__PROTOCOL_UDP ? "udp"
	                                                                      : "tcp"};
	PGresult *r = batch_query(
	    b,
	    "UPDATE inv.workloads w SET services = (SELECT coalesce(jsonb_agg(s ORDER BY "
	    "s->>'protocol', (s->>'port')::int, s->>'definition_id'), '[]') FROM "
	    "(SELECT s FROM jsonb_array_elements(w.services) s WHERE NOT "
	    "(s->>'definition_id' "
	    "= $3 AND (s->>'port')::int = $8::int AND s->>'protocol' = $10) UNION ALL "
	    "SELECT "
	    "jsonb_build_object('definition_id', $3::text, 'name', $4::text, 'category', "
	    "$5::text, 'product', $6::text, 'version', $7::text, 'port', $8::int, "
	    "'confidence', $9::int, 'protocol', $10::text)) x(s)) WHERE w.network_id = "
	    "$1 "
	    "AND w.networks @> jsonb_build_array(jsonb_build_object('ip', $2::text))",
	    10, p);
	if (!r)
		return -1;
	int kept = strcmp(PQcmdTuples(r), "0") != 0;
	PQclear(r);
	return kept;
}

int apply_match(struct batch_ctx *b, const Scanopy__V1__ServiceMatch *m)
{
	if (!m->ip || !m->definition_id || !m->name || m->port > 65535)
		return 0;
	char port[8], conf[8], id[HOST_ID_LEN];
	snprintf(port, sizeof port, "%u", m->port);
	snprintf(conf, sizeof conf, "%u", m->confidence > 100 ? 100 : m->confidence);
	int rc = container_match(b, m, port, conf);
	if (rc)
		return rc < 0 ? -1 : 0;
	rc = resolve_ip(b, m->ip, "service", id);
	if (rc)
		return rc < 0 ? -1 : 0;
	char *ev = evidence_json(m);
	if (!ev)
		return -1;
	const char *p[] = {id,
	                   b->org,
	                   protocol_name(m->protocol),
	                   port,
	                   m->definition_id,
	                   m->name,
	                   m->category,
	                   m->product,
	                   m->version,
	                   conf,
	                   ev,
	                   b->daemon,
	                   b->seen};
	/* The row before the upsert, to tell a new or changed version. */
	PGresult *r = batch_query(
	    b,
	    "WITH old AS (SELECT product, version FROM inv.services WHERE host_id = $1 "
	    "AND "
	    "protocol = $3 AND port = $4 AND definition_id = $5), up AS (INSERT INTO "
	    "inv.services (host_id, org_id, protocol, port, definition_id, name, "
	    "category, "
	    "product, version, confidence, evidence, daemon_id, first_seen, last_seen) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
	    "to_timestamp($13), "
	    "to_timestamp($13)) ON CONFLICT (host_id, protocol, port, definition_id) DO "
	    "UPDATE SET product = CASE WHEN EXCLUDED.last_seen >= inv.services.last_seen "
	    "THEN EXCLUDED.product ELSE inv.services.product END, version = CASE WHEN "
	    "EXCLUDED.last_seen >= inv.services.last_seen THEN EXCLUDED.version ELSE "
	    "inv.services.version END, confidence = CASE WHEN EXCLUDED.last_seen >= "
	    "inv.services.last_seen THEN EXCLUDED.confidence ELSE "
	    "inv.services.confidence "
	    "END, evidence = CASE WHEN EXCLUDED.last_seen >= inv.services.last_seen THEN "
	    "EXCLUDED.evidence ELSE inv.services.evidence END, first_seen = "
	    "LEAST(inv.services.first_seen, EXCLUDED.first_seen), last_seen = "
	    "GREATEST(inv.services.last_seen, EXCLUDED.last_seen) RETURNING product, "
	    "version) SELECT (SELECT count(*) FROM old), (SELECT version FROM old), "
	    "(SELECT product FROM old), up.version, up.product FROM up",
	    13, p);
	free(ev);
	if (!r)
		return -1;
	bool existed = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	bool changed = existed && (strcmp(PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 3)) ||
	                           strcmp(PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 4)));
	rc = 0;
	if (!existed || changed) {
		json_t *d = json_pack(
		    "{s:s, s:s, s:i, s:s?, s:s?, s:s?}", "name", m->name, "protocol",
		    protocol_name(m->protocol), "port", (int)m->port, "product",
		    m->product, "version", m->version, "old_version",
		    changed && !PQgetisnull(r, 0, 1) ? PQgetvalue(r, 0, 1) : NULL);
		char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
		json_decref(d);
		rc = text ? change_log(b, existed ? "service_changed" : "service_found",
		                       id, text)
		          : -1;
		free(text);
		b->counts.services_changed++;
	}
	PQclear(r);
	return rc;
}
