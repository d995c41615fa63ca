/* The SQL text of a list query: conditions joined, placeholders numbered. */
#include "listq.h"

#include <stdio.h>

/* Appends `s` with each "$?" turned into "$<n>". */
static int put_cond(char *out, size_t len, size_t *at, const char *s, int n)
{
	for (; *s; s++) {
		int w;
		if (s[0] == '$' && s[1] == '?') {
			w = snprintf(out + *at, len - *at, "$%d", n);
			s++;
		} else {
			w = snprintf(out + *at, len - *at, "%c", *s);
		}
		if (w < 0 || (size_t)w >= len - *at)
			return -1;
		*at += (size_t)w;
	}
	return 0;
}

int listq_where(char *out, size_t len, const char *select, const char *const *conds,
                size_t nconds, int first)
{
	int w = snprintf(out, len, "%s", select);
	if (w < 0 || (size_t)w >= len)
		return -1;
	size_t at = (size_t)w;
	for (size_t i = 0; i < nconds; i++) {
		w = snprintf(out + at, len - at, i ? ") AND (" : " WHERE (");
		if (w < 0 || (size_t)w >= len - at)
			return -1;
		at += (size_t)w;
		if (put_cond(out, len, &at, conds[i], first + (int)i))
			return -1;
	}
	if (nconds) {
		w = snprintf(out + at, len - at, ")");
		if (w < 0 || (size_t)w >= len - at)
			return -1;
	}
	return 0;
}
