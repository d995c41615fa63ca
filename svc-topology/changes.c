#include "changes.h"

#include "sc_pg.h"

int change_log(struct batch_ctx *b, const char *kind, const char *host_id,
               const char *detail_json)
{
	const char *p[] = {b->org,  b->network,  b->seen,   kind,
	                   host_id, detail_json, b->daemon, b->seq_text};
	return sc_pg_exec(
	    b->pg,
	    "INSERT INTO inv.changes (org_id, network_id, at, kind, host_id, "
	    "detail, daemon_id, sequence) VALUES ($1, $2, to_timestamp($3), "
	    "$4, $5, coalesce($6::jsonb, '{}'), $7, $8)",
	    8, p);
}
