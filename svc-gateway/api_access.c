/* Per-network access: who of the organisation sees a network. Admins and
 * owners see every network; members and viewers too unless their membership
 * is restricted (all_networks false), and then only the networks granted
 * here. The rule itself lives in the database (the network_access policies,
 * fed by db_begin_tenant); these routes only edit the grants. */
#include "db.h"
#include "http.h"
#include "reply.h"
#include "routes.h"
#include "sc_pg.h"

#include <string.h>

/* Each member and how they see network $1 (optionally only member $2). */
#define ACCESS_ROWS                                                                      \
	"SELECT u.id AS user_id, u.email, m.role, m.all_networks, a.user_id IS NOT "     \
	"NULL AS granted, CASE WHEN m.role IN ('owner', 'admin') THEN 'role' WHEN "      \
	"m.all_networks THEN 'all_networks' WHEN a.user_id IS NOT NULL THEN 'granted' "  \
	"ELSE 'none' END AS access FROM core.memberships m JOIN core.users u ON u.id = " \
	"m.user_id LEFT JOIN core.network_access a ON a.user_id = m.user_id AND "        \
	"a.network_id = $1 WHERE ($2::uuid IS NULL OR m.user_id = $2::uuid)"

/* GET /api/v1/networks/{id}/access */
enum MHD_Result api_access_list(struct request *r)
{
	const char *p[] = {r->param[0], NULL};
	return reply_query_json(r, 200,
	                        "SELECT coalesce(json_agg(row_to_json(x) ORDER BY "
	                        "x.email), '[]')::text FROM (" ACCESS_ROWS ") x",
	                        2, p, 404, "no such network");
}

/* Runs the statements of a grant change in one tenant transaction, then
 * answers with the member's entry (PUT) or 204 (DELETE). The member must be
 * a member or viewer of the organisation. */
static enum MHD_Result change(struct request *r, const char *const *sql, size_t n,
                              bool entry)
{
	const char *p[] = {r->param[0], r->param[1]};
	PGconn *c = db_acquire(r->gw->db);
	if (!c)
		return reply_db_error(r);
	PGresult *who = NULL, *out = NULL;
	int rc = db_begin_tenant(c, &r->who);
	if (rc == 0)
		rc = (who = sc_pg_query(c,
		                        "SELECT role IN ('member', 'viewer') FROM "
		                        "core.memberships WHERE user_id = $1",
		                        1, p + 1))
		         ? 0
		         : -1;
	bool found = who && PQntuples(who) == 1;
	bool restrictable = found && !strcmp(PQgetvalue(who, 0, 0), "t");
	for (size_t i = 0; rc == 0 && restrictable && i < n; i++)
		rc = sc_pg_exec(c, sql[i], 2, p);
	if (rc == 0 && restrictable && entry)
		rc =
		    (out = sc_pg_query(
		         c, "SELECT row_to_json(x)::text FROM (" ACCESS_ROWS ") x", 2, p))
		        ? 0
		        : -1;
	rc = db_end(c, rc);
	db_release(r->gw->db, c);
	enum MHD_Result res;
	if (rc)
		res = reply_db_error(r);
	else if (!found)
		res = reply_not_found(r, "no such user in this organisation");
	else if (!restrictable)
		res = reply_error(r, 422, "invalid_field",
		                  "admins and owners see every network", "user_id");
	else if (!entry)
		res = reply_empty(r, 204);
	else
		res = reply_bytes(r, 200, "application/json", PQgetvalue(out, 0, 0),
		                  (size_t)PQgetlength(out, 0, 0));
	PQclear(who);
	PQclear(out);
	return res;
}

/* PUT /api/v1/networks/{id}/access/{user_id}: grants the network. A member
 * who sees all networks sees it already; the grant counts once they are
 * restricted (PATCH /users/{id} {"all_networks": false}). */
enum MHD_Result api_access_grant(struct request *r)
{
	static const char *const sql[] = {
	    "INSERT INTO core.network_access (org_id, network_id, user_id) SELECT "
	    "m.org_id, $1, m.user_id FROM core.memberships m WHERE m.user_id = $2 ON "
	    "CONFLICT DO NOTHING"};
	return change(r, sql, 1, true);
}

/* DELETE /api/v1/networks/{id}/access/{user_id}: takes the network away. A
 * member who saw all networks becomes restricted to all the others. */
enum MHD_Result api_access_revoke(struct request *r)
{
	static const char *const sql[] = {
	    ("INSERT INTO core.network_access (org_id, network_id, user_id) SELECT "
	     "m.org_id, n.id, m.user_id FROM core.memberships m, core.networks n WHERE "
	     "m.user_id = $2 AND m.all_networks AND n.id <> $1 ON CONFLICT DO NOTHING"),
	    ("UPDATE core.memberships SET all_networks = false WHERE user_id = $2 AND "
	     "EXISTS (SELECT 1 FROM core.networks WHERE id = $1)"),
	    "DELETE FROM core.network_access WHERE network_id = $1 AND user_id = $2"};
	return change(r, sql, 3, false);
}
