/* IANA time zones from the system's tz database (TZif files under
 * /usr/share/zoneinfo, or $TZDIR), read by this code rather than through
 * setenv("TZ")/localtime, which is process-global and not thread-safe. A
 * loaded zone is immutable, so any thread may use it.
 *
 * Offsets come from the file's transition table and, past its last
 * transition, from its POSIX TZ footer rule (e.g. "CET-1CEST,M3.5.0,M10.5.0/3"),
 * so dates decades ahead are right for "slim" and "fat" files alike. */
#ifndef SC_TZ_H
#define SC_TZ_H

#include <stddef.h>
#include <stdint.h>

struct sc_tz;

/* Loads a zone by IANA name ("Europe/Berlin", "UTC"). NULL, with a reason in
 * err, for a malformed or unknown name or an unreadable file. */
struct sc_tz *sc_tz_load(const char *name, char *err, size_t errlen);
void sc_tz_free(struct sc_tz *tz);

/* Seconds east of UTC in effect at the UTC instant t (unix seconds). */
int32_t sc_tz_offset(const struct sc_tz *tz, int64_t t);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), and back. */
int64_t sc_days_from_civil(int64_t y, unsigned m, unsigned d);
void sc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
