#include "app_input.h"

#include "request.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(struct input_error *err, const char *field, const char *message)
{
	err->field = field;
	err->message = message;
	return -1;
}

/* Only the members named in `allowed` (NULL-terminated) may appear. */
static int only(json_t *in, const char *const *allowed, struct input_error *err,
                const char *message)
{
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], key))
			i++;
		if (!allowed[i])
			return fail(err, key, message);
	}
	return 0;
}

/* A string of at most max bytes with something besides blanks in it. */
static bool some_text(const char *s, size_t max)
{
	if (!s || strlen(s) > max)
		return false;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return true;
	return false;
}

/* Absent or null (NULL) or a uuid. */
static int opt_uuid(json_t *in, const char *key, const char **out,
                    struct input_error *err, const char *message)
{
	json_t *v = json_object_get(in, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !is_uuid(json_string_value(v)))
		return fail(err, key, message);
	*out = json_string_value(v);
	return 0;
}

int app_fields_parse(json_t *in, bool creating, struct app_fields *f,
                     struct input_error *err)
{
	static const char *const create_keys[] = {"network_id", "name", "description",
	                                          "tags", NULL};
	memset(f, 0, sizeof *f);
	if (only(in, creating ? create_keys : create_keys + 1, err,
	         creating ? "only network_id, name, description and tags"
	                  : "only name, description and tags"))
		return -1;
	json_t *name = json_object_get(in, "name"),
	       *desc = json_object_get(in, "description"),
	       *tags = json_object_get(in, "tags");
	if (creating) {
		f->network_id = json_str(in, "network_id");
		if (!is_uuid(f->network_id))
			return fail(err, "network_id", "network_id: the network's id");
		if (!name)
			return fail(err, "name", "name: 1 to 200 characters");
	}
	if (name && !(json_is_null(name) && !creating) &&
	    !some_text(json_string_value(name), 200))
		return fail(err, "name", "name: 1 to 200 characters");
	if (desc && !json_is_null(desc) &&
	    (!json_is_string(desc) || strlen(json_string_value(desc)) > 4000))
		return fail(err, "description", "description: a string up to 4000");
	if (tags && tags_json_literal(tags, f->tags, sizeof f->tags))
		return fail(err, "tags", "tags: up to 32 strings of 1-64");
	f->has_name = name != NULL;
	f->name = json_string_value(name);
	f->has_description = desc != NULL;
	f->description = json_string_value(desc);
	f->has_tags = tags != NULL;
	return 0;
}

int app_member_parse(json_t *in, struct app_member *m, struct input_error *err)
{
	static const char *const keys[] = {"workload_id", "host_id", "protocol",
	                                   "port",        "role",    NULL};
	memset(m, 0, sizeof *m);
	if (only(in, keys, err, "only workload_id, host_id, protocol, port and role") ||
	    opt_uuid(in, "workload_id", &m->workload_id, err,
	             "workload_id: a workload's id") ||
	    opt_uuid(in, "host_id", &m->host_id, err, "host_id: a host's id"))
		return -1;
	if (!m->workload_id == !m->host_id)
		return fail(err, m->workload_id ? "host_id" : "workload_id",
		            "one of workload_id or host_id");
	json_t *proto = json_object_get(in, "protocol"),
	       *port = json_object_get(in, "port"), *role = json_object_get(in, "role");
	if (role && !json_is_null(role) && !some_text(json_string_value(role), 100))
		return fail(err, "role", "role: 1 to 100 characters");
	m->role = json_string_value(role);
	if (m->workload_id) {
		if (proto || port)
			return fail(err, proto ? "protocol" : "port",
			            "protocol and port name a service of a host_id");
		m->kind = "workload";
		return 0;
	}
	if (!proto && !port) {
		m->kind = "host";
		return 0;
	}
	m->protocol = json_string_value(proto);
	if (!m->protocol || (strcmp(m->protocol, "tcp") && strcmp(m->protocol, "udp")))
		return fail(err, "protocol", "protocol: tcp or udp, with a port");
	if (!json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535)
		return fail(err, "port", "port: 1 to 65535, with a protocol");
	snprintf(m->port, sizeof m->port, "%d", (int)json_integer_value(port));
	m->kind = "service";
	return 0;
}

int app_dependency_parse(json_t *in, const char *source_app, struct app_dependency *d,
                         struct input_error *err)
{
	static const char *const keys[] = {"target_application_id", "source_member_id",
	                                   "target_member_id",      "kind",
	                                   "description",           NULL};
	memset(d, 0, sizeof *d);
	if (only(in, keys, err,
	         "only target_application_id, source_member_id, target_member_id, "
	         "kind and description") ||
	    opt_uuid(in, "source_member_id", &d->source_member, err,
	             "source_member_id: a member's id") ||
	    opt_uuid(in, "target_member_id", &d->target_member, err,
	             "target_member_id: a member's id"))
		return -1;
	d->target_app = json_str(in, "target_application_id");
	if (!is_uuid(d->target_app))
		return fail(err, "target_application_id",
		            "target_application_id: the application depended on");
	json_t *kind = json_object_get(in, "kind"),
	       *desc = json_object_get(in, "description");
	d->kind = "depends";
	if (kind) {
		const char *k = json_string_value(kind);
		if (!k || !*k || strlen(k) > 32 ||
		    strspn(k, "abcdefghijklmnopqrstuvwxyz_") != strlen(k))
			return fail(err, "kind", "kind: 1 to 32 of a-z and _");
		d->kind = k;
	}
	if (desc && !json_is_null(desc) &&
	    (!json_is_string(desc) || strlen(json_string_value(desc)) > 1000))
		return fail(err, "description", "description: a string up to 1000");
	d->description = json_string_value(desc);
	if (source_app && !strcasecmp(source_app, d->target_app) &&
	    (!d->source_member || !d->target_member ||
	     !strcasecmp(d->source_member, d->target_member)))
		return fail(
		    err, "target_application_id",
		    "an application depends on another (or between two of its members)");
	return 0;
}
