#include "text.h"

#include <ctype.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at p (1..4), 0 if malformed. */
static size_t utf8_seq(const uint8_t *p, size_t len)
{
	uint8_t c = p[0];
	size_t n;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t text_clean(const uint8_t *in, size_t len, char *out, size_t cap, int fold)
{
	size_t w = 0;
	int space = 1; /* drops leading whitespace */
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		uint8_t c = in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			i++;
			if (fold || c == ' ' || c == '\t') {
				if (!space && w + 1 < cap)
					out[w++] = ' ';
				space = fold;
			}
			continue;
		}
		size_t n = utf8_seq(in + i, len - i);
		if (n == 0 || c < 0x20 || c == 0x7f) {
			if (w + 1 >= cap)
				break;
			out[w++] = '?';
			i++;
		} else {
			if (w + n >= cap)
				break;
			memcpy(out + w, in + i, n);
			w += n;
			i += n;
		}
		space = 0;
	}
	while (w && out[w - 1] == ' ')
		w--;
	out[w] = '\0';
	return w;
}

const uint8_t *mem_casefind(const uint8_t *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return hay;
	for (size_t i = 0; i + n <= len; i++) {
		size_t j = 0;
		while (j < n && tolower(hay[i + j]) == tolower((unsigned char)needle[j]))
			j++;
		if (j == n)
			return hay + i;
	}
	return NULL;
}
