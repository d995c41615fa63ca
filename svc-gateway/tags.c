#include "tags.h"

#include <string.h>

int tags_add(char *out, size_t cap, size_t *at, const char *tag, size_t n)
{
	if (n == 0 || n > TAG_LEN_MAX)
		return -1;
	if (*at == 0) {
		if (cap < 2)
			return -1;
		out[(*at)++] = '{';
	}
	/* Separator, quotes, each byte possibly escaped, room to close. */
	if (*at + 2 * n + 5 > cap)
		return -1;
	if (*at > 1)
		out[(*at)++] = ',';
	out[(*at)++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (tag[i] == '"' || tag[i] == '\\')
			out[(*at)++] = '\\';
		out[(*at)++] = tag[i];
	}
	out[(*at)++] = '"';
	return 0;
}

int tags_close(char *out, size_t cap, size_t *at)
{
	if (*at == 0)
		out[(*at)++] = '{';
	if (*at + 2 > cap)
		return -1;
	out[(*at)++] = '}';
	out[*at] = '\0';
	return 0;
}

int tags_json_literal(json_t *tags, char *out, size_t cap)
{
	size_t at = 0, i;
	json_t *t;
	if (!json_is_array(tags) || json_array_size(tags) > TAGS_MAX)
		return -1;
	json_array_foreach(tags, i, t)
	{
		const char *s = json_string_value(t);
		if (!s || tags_add(out, cap, &at, s, strlen(s)))
			return -1;
	}
	return tags_close(out, cap, &at);
}
