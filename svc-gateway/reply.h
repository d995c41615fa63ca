/* Responses: JSON bodies and the one error format,
 *   {"error": {"code": "...", "message": "...", "field": "..."}},
 * with stable codes a script can switch on. */
#ifndef GATEWAY_REPLY_H
#define GATEWAY_REPLY_H

#include <jansson.h>
#include <microhttpd.h>

struct request;

/* Every successful GET answer carries a weak ETag of its body (a route may
 * set its own validator instead); a request whose If-None-Match names it gets
 * 304 Not Modified with no body. This is done here, for all routes. */

/* Sends `body` (stolen: decref'd here) with `status`. */
enum MHD_Result reply_json(struct request *r, unsigned status, json_t *body);
/* Sends an error; `field` may be NULL. */
enum MHD_Result reply_error(struct request *r, unsigned status, const char *code,
                            const char *message, const char *field);
enum MHD_Result reply_empty(struct request *r, unsigned status);
enum MHD_Result reply_bytes(struct request *r, unsigned status, const char *type,
                            const void *data, size_t len);

/* Now, UTC, as bodies give times ("2026-12-06T10:00:00Z"); len >= 21. */
void reply_utc_now(char *at, size_t len);

/* Shorthands for the common errors. */
enum MHD_Result reply_db_error(struct request *r);
enum MHD_Result reply_not_found(struct request *r, const char *what);

/* Runs one statement in the caller's tenant transaction; its first column of
 * the first row is JSON text, sent as is. No row (or NULL) is answered with
 * `missing_status` (404 not_found or 409 conflict) and the `missing` message. */
enum MHD_Result reply_query_json(struct request *r, unsigned status, const char *sql,
                                 int nparams, const char *const *params,
                                 unsigned missing_status, const char *missing);

#endif
