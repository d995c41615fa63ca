#include "obs_json.h"

#include <inttypes.h>
#include <string.h>

static void json_string(FILE *f, const uint8_t *s, size_t n, int bytes)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80))
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void value(FILE *f, const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(f, "%" PRId32, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(f, "%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(f, "%" PRId64, *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		fprintf(f, "%" PRIu64, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		fprintf(f, "%g", (double)*(const float *)p);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		fprintf(f, "%g", *(const double *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "true" : "false", f);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev =
		    protobuf_c_enum_descriptor_get_value(fd->descriptor, *(const int *)p);
		if (ev)
			json_string(f, (const uint8_t *)ev->name, strlen(ev->name), 0);
		else
			fprintf(f, "%d", *(const int *)p);
		break;
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		json_string(f, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, 0);
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		json_string(f, b->data, b->len, 1);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		obs_json_print(f, *(ProtobufCMessage *const *)p);
		break;
	}
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

void obs_json_print(FILE *f, const ProtobufCMessage *m)
{
	if (!m) {
		fputs("null", f);
		return;
	}
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	int first = 1;
	fputc('{', f);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		const void *p = base + fd->offset;
		const void *q = base + fd->quantifier_offset;
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)q;
			if (!n)
				continue;
			fprintf(f, "%s\"%s\":[", first ? "" : ",", fd->name);
			const char *arr = *(char *const *)p;
			for (size_t k = 0; k < n; k++) {
				if (k)
					fputc(',', f);
				value(f, fd, arr + k * type_size(fd->type));
			}
			fputc(']', f);
			first = 0;
			continue;
		}
		int present;
		if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			present = *(const uint32_t *)q == fd->id;
		else if (fd->type == PROTOBUF_C_TYPE_STRING ||
		         fd->type == PROTOBUF_C_TYPE_MESSAGE)
			present = *(void *const *)p != NULL;
		else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL)
			present = *(const protobuf_c_boolean *)q != 0;
		else
			present = 1;
		if (!present)
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", fd->name);
		value(f, fd, p);
		first = 0;
	}
	fputc('}', f);
}
