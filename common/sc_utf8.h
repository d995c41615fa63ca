/* Text from outside (a daemon's report, a file a hypervisor keeps) checked
 * before it becomes a protobuf string, a JSON string or a PostgreSQL text
 * parameter, all three of which require valid UTF-8. */
#ifndef SC_UTF8_H
#define SC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8 (no overlong forms, no surrogates, at
 * most U+10FFFF) with no control character (C0, DEL, C1): a name to show. */
bool sc_utf8_label(const char *s, size_t len);

#endif
