#include "sc_pbjson.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fill(const ProtobufCMessageDescriptor *d, ProtobufCMessage *m, json_t *obj,
                char *err, size_t errlen);

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* Stores one JSON value of field f at p. */
static int scalar(const ProtobufCFieldDescriptor *f, void *p, json_t *v, char *err,
                  size_t errlen)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (!json_is_string(v))
			goto bad;
		*(char **)p = strdup(json_string_value(v));
		return 0;
	case PROTOBUF_C_TYPE_BYTES: {
		if (!json_is_string(v))
			goto bad;
		ProtobufCBinaryData *b = p;
		b->len = json_string_length(v);
		b->data = malloc(b->len ? b->len : 1);
		memcpy(b->data, json_string_value(v), b->len);
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessageDescriptor *md = f->descriptor;
		ProtobufCMessage *sub = calloc(1, md->sizeof_message);
		protobuf_c_message_init(md, sub);
		*(ProtobufCMessage **)p = sub;
		return fill(md, sub, v, err, errlen);
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			goto bad;
		*(protobuf_c_boolean *)p = json_is_true(v);
		return 0;
	case PROTOBUF_C_TYPE_ENUM:
		if (json_is_string(v)) {
			const ProtobufCEnumValue *ev =
			    protobuf_c_enum_descriptor_get_value_by_name(
			        f->descriptor, json_string_value(v));
			if (!ev)
				goto bad;
			*(int *)p = ev->value;
			return 0;
		}
		__attribute__((fallthrough)); /* a number */
	default:
		if (!json_is_integer(v))
			goto bad;
		if (elem_size(f) == 8)
			*(int64_t *)p = (int64_t)json_integer_value(v);
		else
			*(int32_t *)p = (int32_t)json_integer_value(v);
		return 0;
	}
bad:
	snprintf(err, errlen, "field %s: wrong JSON type", f->name);
	return -1;
}

static int fill(const ProtobufCMessageDescriptor *d, ProtobufCMessage *m, json_t *obj,
                char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "%s: not an object", d->name);
		return -1;
	}
	json_object_foreach(obj, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		    protobuf_c_message_descriptor_get_field_by_name(d, key);
		if (!f) {
			snprintf(err, errlen, "%s has no field %s", d->name, key);
			return -1;
		}
		char *base = (char *)m;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (!json_is_array(v)) {
				snprintf(err, errlen, "field %s: not an array", key);
				return -1;
			}
			size_t n = json_array_size(v), sz = elem_size(f);
			char *arr = calloc(n ? n : 1, sz);
			*(void **)(base + f->offset) = arr;
			*(size_t *)(base + f->quantifier_offset) = n;
			for (size_t i = 0; i < n; i++)
				if (scalar(f, arr + i * sz, json_array_get(v, i), err,
				           errlen))
					return -1;
			continue;
		}
		if (scalar(f, base + f->offset, v, err, errlen))
			return -1;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			*(uint32_t *)(base + f->quantifier_offset) = f->id;
		else if (f->quantifier_offset && f->type != PROTOBUF_C_TYPE_STRING &&
		         f->type != PROTOBUF_C_TYPE_MESSAGE)
			*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
	}
	return 0;
}

ProtobufCMessage *sc_pbjson_parse(const ProtobufCMessageDescriptor *d, json_t *obj,
                                  char *err, size_t errlen)
{
	ProtobufCMessage *m = calloc(1, d->sizeof_message);
	if (!m)
		return NULL;
	protobuf_c_message_init(d, m);
	if (fill(d, m, obj, err, errlen)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return NULL;
	}
	return m;
}

/* ---- message to JSON ---- */

/* One value of field f at p (an element of a repeated field, or the field). */
static json_t *value(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return json_integer((json_int_t) * (const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *v =
		    protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
		return v ? json_string(v->name) : json_integer(*(const int *)p);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return s ? json_string(s) : NULL;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		json_t *j =
		    json_stringn((const char *)b->data, b->len); /* NULL if not UTF-8 */
		if (j)
			return j;
		char *hex = malloc(2 * b->len + 1);
		for (size_t i = 0; hex && i < b->len; i++)
			snprintf(hex + 2 * i, 3, "%02x", b->data[i]);
		if (hex)
			hex[2 * b->len] = '\0';
		j = hex ? json_string(hex) : NULL;
		free(hex);
		return j;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
		return m ? sc_pbjson_from(m) : NULL;
	}
	}
	return NULL;
}

/* Whether an optional (or oneof) field is set. */
static bool present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(void *const *)(base + f->offset) != NULL;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
	return true;
}

json_t *sc_pbjson_from(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	json_t *o = json_object();
	for (unsigned i = 0; o && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(char *const *)(base + f->offset);
			json_t *a = json_array();
			for (size_t k = 0; a && k < n; k++)
				json_array_append_new(a,
				                      value(f, arr + k * elem_size(f)));
			json_object_set_new(o, f->name, a);
		} else if (present(m, f)) {
			json_t *v = value(f, base + f->offset);
			if (v)
				json_object_set_new(o, f->name, v);
		}
	}
	return o;
}
