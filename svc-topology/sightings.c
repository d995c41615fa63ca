/* Sweep answers and VLAN tags of a batch's sightings: see sightings.h. */
#include "sightings.h"

#include "wbuf.h"

#include <stdio.h>
#include <stdlib.h>

enum { S_IP, S_SWEPT, S_VLAN, S_INNER, S_SEEN, S_N };

struct sightings {
	struct pgarr col[S_N];
};

bool sighting_is_sweep(Scanopy__V1__Evidence e)
{
	return e == SCANOPY__V1__EVIDENCE__EVIDENCE_ARP ||
	       e == SCANOPY__V1__EVIDENCE__EVIDENCE_ICMP ||
	       e == SCANOPY__V1__EVIDENCE__EVIDENCE_TCP ||
	       e == SCANOPY__V1__EVIDENCE__EVIDENCE_NDP;
}

int sightings_note(struct batch_ctx *b, const char *ip, Scanopy__V1__Evidence e,
                   unsigned vlan, unsigned inner_vlan)
{
	bool sweep = sighting_is_sweep(e);
	/* 802.1Q ids 0 (priority tag) and 4095 (reserved) name no VLAN. */
	bool tagged = vlan >= 1 && vlan <= 4094;
	if (!sweep && !tagged)
		return 0;
	if (!b->sightings && !(b->sightings = calloc(1, sizeof *b->sightings)))
		return -1;
	struct pgarr *c = b->sightings->col;
	char v[12], in[12];
	snprintf(v, sizeof v, "%u", vlan);
	snprintf(in, sizeof in, "%u", inner_vlan);
	pgarr_add(&c[S_IP], ip);
	pgarr_add(&c[S_SWEPT], sweep ? b->seen : NULL);
	pgarr_add(&c[S_VLAN], tagged ? v : NULL);
	pgarr_add(&c[S_INNER],
	          tagged && inner_vlan >= 1 && inner_vlan <= 4094 ? in : NULL);
	pgarr_add(&c[S_SEEN], b->seen);
	return c[S_SEEN].failed ? -1 : 0;
}

/* Per address: the newest sweep answer, and the tags of its newest tagged
 * sighting; each VLAN heard becomes (or refreshes) the network's row: the
 * outer tag's on its own (outer_vlan_id 0), a QinQ inner tag's under its
 * outer one. */
static const char SQL_SIGHTINGS[] =
    "WITH x AS (SELECT * FROM unnest($3::inet[], $4::float8[], $5::int[], "
    "$6::int[], $7::float8[]) WITH ORDINALITY AS x(ip, swept, vlan, inner_vlan, s, "
    "o)), g AS (SELECT x.ip, max(x.swept) AS swept, (array_agg(x.vlan ORDER BY x.s "
    "DESC, x.o DESC) FILTER (WHERE x.vlan IS NOT NULL))[1] AS vlan, "
    "(array_agg(x.inner_vlan ORDER BY x.s DESC, x.o DESC) FILTER (WHERE x.vlan IS "
    "NOT NULL))[1] AS inner_vlan FROM x GROUP BY x.ip), v AS (INSERT INTO inv.vlans "
    "(org_id, network_id, outer_vlan_id, vlan_id, first_seen, last_seen) SELECT $1, "
    "$2, y.ov, y.vlan, to_timestamp(min(y.s)), to_timestamp(max(y.s)) FROM (SELECT "
    "0 AS ov, x.vlan, x.s FROM x WHERE x.vlan IS NOT NULL UNION ALL SELECT x.vlan, "
    "x.inner_vlan, x.s FROM x WHERE x.vlan IS NOT NULL AND x.inner_vlan IS NOT "
    "NULL) y GROUP BY y.ov, y.vlan ON CONFLICT (network_id, outer_vlan_id, vlan_id) "
    "DO UPDATE SET first_seen = LEAST(inv.vlans.first_seen, EXCLUDED.first_seen), "
    "last_seen = GREATEST(inv.vlans.last_seen, EXCLUDED.last_seen)) UPDATE "
    "inv.addresses a SET swept_at = GREATEST(a.swept_at, to_timestamp(g.swept)), "
    "vlan_id = coalesce(g.vlan, a.vlan_id), inner_vlan_id = CASE WHEN g.vlan IS "
    "NULL THEN a.inner_vlan_id ELSE g.inner_vlan END FROM g WHERE a.network_id = $2 "
    "AND a.ip = g.ip AND (a.swept_at IS DISTINCT FROM GREATEST(a.swept_at, "
    "to_timestamp(g.swept)) OR (g.vlan IS NOT NULL AND (a.vlan_id, "
    "a.inner_vlan_id) IS DISTINCT FROM (g.vlan, g.inner_vlan)))";

int sightings_flush(struct batch_ctx *b)
{
	if (!b->sightings || !b->sightings->col[S_IP].count)
		return 0;
	struct pgarr *c = b->sightings->col;
	const char *p[2 + S_N] = {b->org, b->network};
	for (int i = 0; i < S_N; i++)
		if (!(p[2 + i] = pgarr_text(&c[i])))
			return -1;
	int rc = batch_exec(b, SQL_SIGHTINGS, 2 + S_N, p);
	for (int i = 0; i < S_N; i++)
		pgarr_reset(&c[i]);
	return rc;
}

void sightings_free(struct batch_ctx *b)
{
	if (!b->sightings)
		return;
	for (int i = 0; i < S_N; i++)
		pgarr_free(&b->sightings->col[i]);
	free(b->sightings);
	b->sightings = NULL;
}
