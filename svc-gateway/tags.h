/* Users' tags (of hosts and applications): PostgreSQL text[] literals built
 * from a body's array or from ?tag= query values, so both sides agree on what a tag is
 * (1 to 64 bytes, at most 32 of them) and how it is quoted. */
#ifndef GATEWAY_TAGS_H
#define GATEWAY_TAGS_H

#include <jansson.h>
#include <stddef.h>

struct request;

#define TAGS_MAX 32
#define TAG_LEN_MAX 64
/* Room for the largest literal: every byte escaped, quoted, separated. */
#define TAGS_LITERAL_MAX (TAGS_MAX * (2 * TAG_LEN_MAX + 3) + 3)

/* Adds tag (n bytes) to the literal in out[0..*at), which starts as "{"
 * (*at == 0 writes it). -1 when the tag is empty, too long or does not fit. */
int tags_add(char *out, size_t cap, size_t *at, const char *tag, size_t n);
/* Ends the literal with "}" (an empty list is "{}"); -1 when it does not fit. */
int tags_close(char *out, size_t cap, size_t *at);

/* A JSON array of tags (a PATCH body's) as one literal; -1 when it is not an
 * array of up to TAGS_MAX strings of 1 to TAG_LEN_MAX bytes, or does not fit. */
int tags_json_literal(json_t *tags, char *out, size_t cap);

/* Every ?<param>= value, repeated or comma-separated, blanks trimmed, as one
 * literal in out: 1 when there was one, 0 when the query has none, -1 when a
 * tag is empty or longer than TAG_LEN_MAX, or there are more than TAGS_MAX. */
int tags_query(struct request *r, const char *param, char *out, size_t cap);

#endif
