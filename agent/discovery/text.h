/* Turning bytes from the network into text that is safe in protobuf string
 * fields and JSON: valid UTF-8, no control characters. */
#ifndef DISC_TEXT_H
#define DISC_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Copies up to cap-1 bytes of in to out as valid UTF-8: well-formed
 * sequences kept, other bytes and controls (but tab) become '?'; leading and
 * trailing whitespace trimmed, runs of whitespace folded to one space when
 * fold is set. Always NUL-terminates; returns the length written. */
size_t text_clean(const uint8_t *in, size_t len, char *out, size_t cap, int fold);

/* Case-insensitive search of needle in hay[0..len); NULL when absent. */
const uint8_t *mem_casefind(const uint8_t *hay, size_t len, const char *needle);

#endif
