/* Cron expressions and when they next fire in an IANA time zone.
 *
 * Five fields: minute hour day-of-month month day-of-week, each "*", a value,
 * a range "a-b", a step "* /n", "a-b/n" or "a/n", or a comma list of those;
 * month and weekday names (jan..dec, sun..sat, case-insensitive); 0 and 7 are
 * Sunday. When both day fields are restricted, a day matching either fires
 * (the classic cron rule). Macros: @yearly @annually @monthly @weekly @daily
 * @midnight @hourly.
 *
 * Times are wall-clock times in the schedule's zone, resolved like this
 * across daylight-saving changes:
 *   - a time skipped by a spring-forward change (02:30 in Europe/Berlin on the
 *     last Sunday of March) fires once, at the moment the clock jumps;
 *   - a time that occurs twice when clocks go back fires once, at its first
 *     occurrence;
 * so a daily job fires exactly once every day. */
#ifndef SC_CRON_H
#define SC_CRON_H

#include "sc_tz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sc_cron {
	uint64_t minute; /* bit n: minute n */
	uint32_t hour;
	uint32_t dom;          /* bits 1..31 */
	uint16_t month;        /* bits 1..12 */
	uint8_t dow;           /* bits 0..6, Sunday = 0 */
	bool dom_any, dow_any; /* the field was "*" (or a "*" step) */
};

/* Parses expr; -1 with a reason naming the field in err. */
int sc_cron_parse(const char *expr, struct sc_cron *c, char *err, size_t errlen);

/* The first instant (unix seconds, on a whole minute) strictly after `after`
 * at which c fires in zone tz; -1 when it never fires within five years
 * (e.g. "0 0 30 2 *"). */
int64_t sc_cron_next(const struct sc_cron *c, const struct sc_tz *tz, int64_t after);

#endif
