/* One HTTP request as the handlers see it: method, path parameters, the body
 * (size-limited), who is asking, and headers to add to the answer. */
#ifndef GATEWAY_REQUEST_H
#define GATEWAY_REQUEST_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

struct gateway;

#define SC_XSTR(x) #x
#define SC_STR(x) SC_XSTR(x)

enum role { ROLE_VIEWER = 1, ROLE_MEMBER, ROLE_ADMIN, ROLE_OWNER };

struct principal {
	enum { WHO_NONE, WHO_USER, WHO_DAEMON_KEY } kind;
	bool via_cookie;     /* unsafe methods then need the CSRF token */
	bool restricted;     /* a member or viewer held to their granted networks */
	bool not_member;     /* a key asked for an organisation it is no member of */
	enum role role;      /* for users: their role in org_id */
	char org_id[40];     /* the organisation the request acts in */
	char session_id[40]; /* for cookie sessions */
	char user_id[40];    /* for users */
	char network_id[40]; /* for daemon keys: the one network they may touch */
	char csrf[72];       /* for cookie sessions */
};

struct reply_header {
	char name[32];
	char value[256];
};

#define REQUEST_MAX_PARAMS 3

struct request {
	struct gateway *gw;
	struct MHD_Connection *conn;
	const char *method, *url;
	char *body;
	size_t body_len;
	bool body_too_large;
	const char *param[REQUEST_MAX_PARAMS]; /* {} segments of the route, in order */
	char path[512];                        /* url split in place for param[] */
	struct principal who;
	struct reply_header headers[8];
	size_t nheaders;
	unsigned status;
};

const char *request_query(struct request *r, const char *key);
const char *request_header(struct request *r, const char *name);
void request_add_header(struct request *r, const char *name, const char *value);

/* Parses the body as a JSON object. On failure replies 400 itself and returns
 * NULL with *replied set to the MHD result. */
json_t *request_json(struct request *r, enum MHD_Result *replied);

/* Reads a string member; NULL when absent or not a string. */
const char *json_str(json_t *obj, const char *key);

bool is_uuid(const char *s);

#endif
