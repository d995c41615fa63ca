/* A TZif reader (RFC 8536): version 2+ 64-bit data, falling back to the
 * version 1 block, plus the POSIX TZ footer for instants after the table. */
#include "sc_tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_FILE (256 * 1024)

/* One rule date of a POSIX TZ string: Jn, n or Mm.w.d, at `secs` local time. */
struct rule_date {
	char kind; /* 'J', 'N' (zero-based day), 'M' */
	int a, b, c;
	int32_t secs;
};

struct posix_rule {
	bool valid, has_dst;
	int32_t std_off, dst_off; /* seconds east of UTC */
	struct rule_date start, end;
};

struct sc_tz {
	size_t ntimes, ntypes;
	int64_t *times;
	uint8_t *idx;
	int32_t *type_off;
	struct posix_rule footer;
};

int64_t sc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void sc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* --- POSIX TZ strings ------------------------------------------------- */

static const char *parse_name(const char *p)
{
	if (*p == '<') {
		const char *q = strchr(p, '>');
		return q && q - p >= 4 ? q + 1 : NULL;
	}
	const char *s = p;
	while (isalpha((unsigned char)*p))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 extension); seconds in *out. */
static const char *parse_time(const char *p, int32_t *out)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*p))
		return NULL;
	long h = strtol(p, (char **)&p, 10), m = 0, s = 0;
	if (*p == ':') {
		m = strtol(p + 1, (char **)&p, 10);
		if (*p == ':')
			s = strtol(p + 1, (char **)&p, 10);
	}
	if (h > 167 || m > 59 || s > 59)
		return NULL;
	*out = (int32_t)(sign * (h * 3600 + m * 60 + s));
	return p;
}

static const char *parse_date(const char *p, struct rule_date *r)
{
	r->secs = 7200; /* 02:00 unless given */
	if (*p == 'M') {
		r->kind = 'M';
		if (sscanf(p + 1, "%d.%d.%d", &r->a, &r->b, &r->c) != 3 || r->a < 1 ||
		    r->a > 12 || r->b < 1 || r->b > 5 || r->c < 0 || r->c > 6)
			return NULL;
		p++;
		while (isdigit((unsigned char)*p) || *p == '.')
			p++;
	} else {
		r->kind = *p == 'J' ? 'J' : 'N';
		if (*p == 'J')
			p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		r->a = (int)strtol(p, (char **)&p, 10);
		if (r->a > 365 || (r->kind == 'J' && r->a < 1))
			return NULL;
	}
	if (*p == '/')
		p = parse_time(p + 1, &r->secs);
	return p;
}

static bool parse_posix(const char *p, struct posix_rule *r)
{
	memset(r, 0, sizeof *r);
	int32_t off;
	if (!(p = parse_name(p)) || !(p = parse_time(p, &off)))
		return false;
	r->std_off = -off; /* POSIX offsets are west of Greenwich */
	r->valid = true;
	if (!*p)
		return true;
	if (!(p = parse_name(p)))
		return false;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = parse_time(p, &off)))
			return false;
		r->dst_off = -off;
	}
	const char *rules = *p ? p : ",M3.2.0,M11.1.0"; /* the POSIX default */
	if (*rules != ',' || !(rules = parse_date(rules + 1, &r->start)) ||
	    *rules != ',' || !(rules = parse_date(rules + 1, &r->end)) || *rules) {
		r->valid = false;
		return false;
	}
	return true;
}

/* Local-time seconds since the epoch at which rule date r falls in year y. */
static int64_t rule_local(int64_t y, const struct rule_date *r)
{
	int64_t day;
	if (r->kind == 'J') /* 1..365, February 29 never counted */
		day = sc_days_from_civil(y, 1, 1) + r->a - 1 +
		      (leap(y) && r->a >= 60 ? 1 : 0);
	else if (r->kind == 'N')
		day = sc_days_from_civil(y, 1, 1) + r->a;
	else {
		int64_t first = sc_days_from_civil(y, (unsigned)r->a, 1);
		int wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		int dom = 1 + (r->c - wd + 7) % 7 + 7 * (r->b - 1);
		while (dom > (int)month_days(y, (unsigned)r->a))
			dom -= 7;
		day = first + dom - 1;
	}
	return day * 86400 + r->secs;
}

static int32_t posix_offset(const struct posix_rule *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	int64_t y;
	unsigned m, d;
	int64_t days = (t + r->std_off) / 86400 - ((t + r->std_off) % 86400 < 0);
	sc_civil_from_days(days, &y, &m, &d);
	int64_t start = rule_local(y, &r->start) - r->std_off;
	int64_t end = rule_local(y, &r->end) - r->dst_off;
	bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? r->dst_off : r->std_off;
}

/* --- TZif ------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct counts {
	uint32_t isut, isstd, leap, time, type, chr;
};

static bool read_counts(const uint8_t *p, size_t len, struct counts *c)
{
	if (len < 44 || memcmp(p, "TZif", 4))
		return false;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chr = be32(p + 40);
	return c->type >= 1 && c->type <= 256 && c->time <= 100000 && c->chr <= 10000 &&
	       c->leap <= 10000 && c->isut <= 256 && c->isstd <= 256;
}

static size_t block_len(const struct counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chr + c->leap * (tsize + 4) +
	       c->isstd + c->isut;
}

static bool parse_tzif(struct sc_tz *tz, const uint8_t *p, size_t len)
{
	struct counts c;
	if (!read_counts(p, len, &c))
		return false;
	size_t tsize = 4, off = 44;
	if (p[4] >= '2') { /* skip the 32-bit block; use the 64-bit one */
		size_t skip = 44 + block_len(&c, 4);
		if (skip > len || !read_counts(p + skip, len - skip, &c))
			return false;
		off = skip + 44;
		tsize = 8;
	}
	if (off + block_len(&c, tsize) > len)
		return false;
	tz->ntimes = c.time;
	tz->ntypes = c.type;
	tz->times = calloc(c.time ? c.time : 1, sizeof *tz->times);
	tz->idx = calloc(c.time ? c.time : 1, 1);
	tz->type_off = calloc(c.type, sizeof *tz->type_off);
	if (!tz->times || !tz->idx || !tz->type_off)
		return false;
	const uint8_t *q = p + off;
	for (size_t i = 0; i < c.time; i++, q += tsize)
		tz->times[i] = tsize == 8 ? be64(q) : (int32_t)be32(q);
	for (size_t i = 0; i < c.time; i++, q++) {
		if (*q >= c.type)
			return false;
		tz->idx[i] = *q;
	}
	for (size_t i = 0; i < c.type; i++, q += 6)
		tz->type_off[i] = (int32_t)be32(q);
	if (tsize == 8) { /* the footer: "\n<TZ string>\n" */
		const uint8_t *f = p + off + block_len(&c, tsize), *endp = p + len;
		if (f < endp && *f == '\n') {
			const uint8_t *nl = memchr(f + 1, '\n', (size_t)(endp - f - 1));
			if (nl && nl - f - 1 < 128) {
				char s[128];
				memcpy(s, f + 1, (size_t)(nl - f - 1));
				s[nl - f - 1] = '\0';
				if (*s)
					parse_posix(s, &tz->footer);
			}
		}
	}
	return true;
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);
	if (!len || len > 120 || n[0] == '/' || n[len - 1] == '/')
		return false;
	for (const char *p = n; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("/_+-.", *p))
			return false;
		if ((p == n || p[-1] == '/') && *p == '.') /* no "..", no hidden files */
			return false;
	}
	return true;
}

struct sc_tz *sc_tz_load(const char *name, char *err, size_t errlen)
{
	if (!name || !name_ok(name)) {
		snprintf(err, errlen, "'%s' is not a time zone name", name ? name : "");
		return NULL;
	}
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
	         name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			snprintf(err, errlen, "unknown time zone '%s'", name);
		else
			snprintf(err, errlen, "cannot read time zone '%s': %s", name,
			         strerror(errno));
		return NULL;
	}
	uint8_t *buf = malloc(TZ_MAX_FILE);
	size_t len = buf ? fread(buf, 1, TZ_MAX_FILE, f) : 0;
	fclose(f);
	struct sc_tz *tz = calloc(1, sizeof *tz);
	if (!buf || !tz || !parse_tzif(tz, buf, len)) {
		snprintf(err, errlen, "unknown time zone '%s' (not a TZif file)", name);
		free(buf);
		sc_tz_free(tz);
		return NULL;
	}
	free(buf);
	return tz;
}

void sc_tz_free(struct sc_tz *tz)
{
	if (!tz)
		return;
	free(tz->times);
	free(tz->idx);
	free(tz->type_off);
	free(tz);
}

int32_t sc_tz_offset(const struct sc_tz *tz, int64_t t)
{
	if (tz->ntimes == 0 || t < tz->times[0])
		return tz->ntimes == 0 && tz->footer.valid ? posix_offset(&tz->footer, t)
		                                           : tz->type_off[0];
	if (t >= tz->times[tz->ntimes - 1] && tz->footer.valid)
		return posix_offset(&tz->footer, t);
	size_t lo = 0, hi = tz->ntimes; /* last transition <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->type_off[tz->idx[lo]];
}
