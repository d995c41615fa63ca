/* The four views as SQL: each statement takes VIEW_NPARAMS parameters ($1
 * network, $2 subnet CIDR or NULL, $3 category or NULL, $4 name/address
 * substring or NULL, $5 include stale hosts, $6 the tags (text[]) hosts must
 * all carry, or NULL) and returns one row, one column: {"nodes": [...],
 * "edges": [...]} as JSON text. Read as scanopy_tenant, so row-level security
 * holds. */
#ifndef GATEWAY_VIEWS_SQL_H
#define GATEWAY_VIEWS_SQL_H

#define VIEW_NPARAMS 6
/* The parameters of a network's whole view (no filter, stale hosts in). */
#define VIEW_PARAMS_ALL(network)                                                         \
	{                                                                                \
		(network), NULL, NULL, NULL, "t", NULL                                   \
	}

extern const char *const view_sql_l2;
extern const char *const view_sql_l3;
extern const char *const view_sql_workloads;
extern const char *const view_sql_applications;
/* An unfiltered view as rendered ahead (inv.view_cache), if current, or if
 * $3 is not NULL and it misses no user's edit, rendered at most $3 ms ago;
 * if $4 is true, only if no host of the network was stale then (so the view
 * filtered by include_stale=false is the same): takes ($1 network, $2 view
 * name, $3, $4 boolean or NULL) and returns no row, or (ETag, the
 * whole reply {view, network_id, generated_at, nodes, edges} gzip,
 * generations behind, age in ms), the second column in binary when the query
 * asks for binary results (the others are text either way). */
#define VIEW_CACHED_NPARAMS 4
extern const char *const view_sql_cached;

#endif
