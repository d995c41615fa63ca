#include "request.h"

#include "reply.h"

#include <stdio.h>
#include <string.h>

const char *request_query(struct request *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *request_header(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void request_add_header(struct request *r, const char *name, const char *value)
{
	if (r->nheaders == sizeof r->headers / sizeof r->headers[0])
		return;
	struct reply_header *h = &r->headers[r->nheaders++];
	snprintf(h->name, sizeof h->name, "%s", name);
	snprintf(h->value, sizeof h->value, "%s", value);
}

json_t *request_json(struct request *r, enum MHD_Result *replied)
{
	const char *type = request_header(r, "Content-Type");
	if (!type || strncasecmp(type, "application/json", 16)) {
		*replied = reply_error(r, 415, "unsupported_media_type",
		                       "send the body as application/json", NULL);
		return NULL;
	}
	json_error_t err;
	/* JSON_REJECT_DUPLICATES: an object with a key twice is ambiguous input. */
	json_t *j =
	    json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j || !json_is_object(j)) {
		char msg[200];
		snprintf(msg, sizeof msg, "the body is not a JSON object%s%s",
		         j ? "" : ": ", j ? "" : err.text);
		json_decref(j);
		*replied = reply_error(r, 400, "invalid_json", msg, NULL);
		return NULL;
	}
	return j;
}
