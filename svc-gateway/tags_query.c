/* ?tag= values of a request as one text[] literal (tags.h). */
#include "http.h"
#include "request.h"
#include "tags.h"

#include <stdbool.h>
#include <string.h>

struct collect {
	const char *param;
	char *out;
	size_t cap, at, count;
	bool seen, bad;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static enum MHD_Result one_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	(void)kind;
	struct collect *c = cls;
	if (strcmp(key, c->param))
		return MHD_YES;
	c->seen = true;
	const char *s = value ? value : "";
	for (;;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *t = s;
		while (n && blank(*t))
			t++, n--;
		while (n && blank(t[n - 1]))
			n--;
		if (++c->count > TAGS_MAX || tags_add(c->out, c->cap, &c->at, t, n)) {
			c->bad = true;
			return MHD_NO;
		}
		if (!end)
			break;
		s = end + 1;
	}
	return MHD_YES;
}

int tags_query(struct request *r, const char *param, char *out, size_t cap)
{
	struct collect c = {.param = param, .out = out, .cap = cap};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, one_value, &c);
	if (c.bad)
		return -1;
	if (!c.seen)
		return 0;
	return tags_close(out, cap, &c.at) ? -1 : 1;
}
