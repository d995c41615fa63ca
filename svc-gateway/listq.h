/* The list-query builder: one declarative description per inventory resource
 * (the rows it selects, the query filters it takes, its whitelisted sort keys)
 * turned into parameterised SQL for GET /api/v1/<resource>: filtered, sorted
 * and paged on the server, with X-Total-Count. Request values only ever reach
 * the database as parameters; the SQL text comes from the description. */
#ifndef GATEWAY_LISTQ_H
#define GATEWAY_LISTQ_H

#include "request.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* LQ_TAGS: every ?param= value, repeated or comma-separated (tags.h), as
 * one text[] parameter. */
enum listq_type { LQ_UUID, LQ_TEXT, LQ_INT, LQ_BOOL, LQ_TAGS };

/* ?param=value adds `cond` to the WHERE clause, its "$?" standing for the
 * value as a parameter (cast in cond as needed). */
struct listq_filter {
	const char *param;
	enum listq_type type;
	const char *cond;
};

/* ?sort=key orders by `order` (over the row's columns as x.<name>). */
struct listq_sort {
	const char *key;
	const char *order;
};

struct listq_spec {
	const char *what; /* "subnets": messages and the CSV file name */
	/* "SELECT <columns> FROM <tables>" with no WHERE: one row per item,
	 * the columns named as the JSON members are. */
	const char *select;
	/* The condition naming one item by its id ($?), for GET .../{id};
	 * NULL when items have no id of their own. */
	const char *by_id;
	const char *q; /* condition for ?q= (a substring), "$?" the text */
	const struct listq_filter *filters;
	size_t nfilters;
	const struct listq_sort *sorts; /* the first is the default */
	size_t nsorts;
};

/* GET /api/v1/<resource>?<filters>&q=&sort=&limit=&offset=: one page as a
 * JSON array, X-Total-Count the number matching over all pages. */
enum MHD_Result listq_reply(struct request *r, const struct listq_spec *s);
/* GET /api/v1/<resource>/{id}: the one row as a JSON object, or 404. */
enum MHD_Result listq_reply_one(struct request *r, const struct listq_spec *s);
/* The statement GET .../{id} runs: one row as JSON text, the id its $1.
 * -1 when it does not fit in out. */
int listq_one_sql(const struct listq_spec *s, char *out, size_t len);
/* Every row of one network in the default order, for exports: as columns,
 * or (as_json) one row, one column holding them as a JSON array. NULL on a
 * database error; the caller PQclear()s. */
PGresult *listq_network_rows(struct request *r, const struct listq_spec *s,
                             const char *network_id, bool as_json);

/* The inventory's resources. */
extern const struct listq_spec listq_hosts, listq_subnets, listq_interfaces, listq_vlans,
    listq_ports, listq_services, listq_links, listq_workloads, listq_applications;

/* Builds the statement in `out`: "SELECT ... WHERE (c1) AND (c2) ...", each
 * condition's "$?" numbered from `first`. -1 when it does not fit. Exposed
 * for the unit test. */
int listq_where(char *out, size_t len, const char *select, const char *const *conds,
                size_t nconds, int first);

#endif
