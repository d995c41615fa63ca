/* The bodies of the application writes (POST/PATCH /applications, members,
 * dependencies), read and checked before any SQL runs. Pure: jansson only,
 * so the unit tests hold every rule. The strings point into the JSON object
 * and live as long as it does. */
#ifndef GATEWAY_APP_INPUT_H
#define GATEWAY_APP_INPUT_H

#include "tags.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* What is wrong with a body: the member it names and why. */
struct input_error {
	const char *field;
	const char *message;
};

/* {network_id, name, description?, tags?} (creating) or {name?,
 * description?, tags?} (editing; null clears a name or description). */
struct app_fields {
	const char *network_id;
	bool has_name, has_description, has_tags;
	const char *name, *description; /* NULL: cleared */
	char tags[TAGS_LITERAL_MAX];    /* text[] literal when has_tags */
};
int app_fields_parse(json_t *in, bool creating, struct app_fields *f,
                     struct input_error *err);

/* A member: {workload_id}, {host_id}, or {host_id, protocol, port} (one
 * service of the host); role? for any. */
struct app_member {
	const char *kind; /* "workload", "host" or "service" */
	const char *workload_id, *host_id, *protocol, *role;
	char port[8]; /* "" unless a service */
};
int app_member_parse(json_t *in, struct app_member *m, struct input_error *err);

/* A dependency of application `source_app` on another: {target_application_id,
 * source_member_id?, target_member_id?, kind?, description?}. An application
 * cannot depend on itself, save between two different members. */
struct app_dependency {
	const char *target_app, *source_member, *target_member, *kind, *description;
};
int app_dependency_parse(json_t *in, const char *source_app, struct app_dependency *d,
                         struct input_error *err);

#endif
