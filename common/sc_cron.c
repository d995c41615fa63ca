#include "sc_cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct field {
	const char *name;
	int lo, hi;
	const char *const *names; /* names for lo.., or NULL */
};

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                     "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const weekdays[] = {"sun", "mon", "tue", "wed",
                                       "thu", "fri", "sat", NULL};

static const struct field fields[5] = {
    {"minute", 0, 59, NULL},         {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},   {"month", 1, 12, months},
    {"day of week", 0, 7, weekdays},
};

/* A number or a name; advances *p. -1 when neither. */
static int value(const char **p, const struct field *f)
{
	if (isdigit((unsigned char)**p)) {
		long v = 0;
		while (isdigit((unsigned char)**p) && v < 1000)
			v = v * 10 + (*(*p)++ - '0');
		return (int)v;
	}
	for (int i = 0; f->names && f->names[i]; i++)
		if (!strncasecmp(*p, f->names[i], 3) &&
		    !isalpha((unsigned char)(*p)[3])) {
			*p += 3;
			return f->lo + i;
		}
	return -1;
}

static int parse_field(const char *s, const struct field *f, uint64_t *bits, bool *any,
                       char *err, size_t errlen)
{
	*bits = 0;
	*any = s[0] == '*';
	const char *p = s;
	for (;;) {
		int a, b, step = 1;
		bool star = *p == '*';
		if (star) {
			a = f->lo;
			b = f->hi;
			p++;
		} else {
			if ((a = value(&p, f)) < 0)
				goto bad;
			b = a;
			if (*p == '-') {
				p++;
				if ((b = value(&p, f)) < 0)
					goto bad;
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p) || (step = value(&p, f)) < 1)
				goto bad;
			if (!star && b == a) /* "a/n": from a to the end */
				b = f->hi;
		}
		if (a < f->lo || b > f->hi || a > b || step > f->hi - f->lo + 1) {
			snprintf(err, errlen, "%s: '%s' is out of range %d-%d", f->name,
			         s, f->lo, f->hi);
			return -1;
		}
		for (int v = a; v <= b; v += step)
			*bits |= 1ULL << v;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	snprintf(err, errlen, "%s: cannot read '%s'", f->name, s);
	return -1;
}

static const struct {
	const char *name, *expr;
} macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

int sc_cron_parse(const char *expr, struct sc_cron *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (!expr || strlen(expr) > 200) {
		snprintf(err, errlen, "a cron expression of up to 200 characters");
		return -1;
	}
	while (isspace((unsigned char)*expr))
		expr++;
	if (*expr == '@') {
		size_t n = strcspn(expr, " \t");
		for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
			if (strlen(macros[i].name) == n &&
			    !strncasecmp(expr, macros[i].name, n) &&
			    expr[n + strspn(expr + n, " \t")] == '\0')
				return sc_cron_parse(macros[i].expr, c, err, errlen);
		snprintf(
		    err, errlen,
		    "unknown macro '%.*s' (use @yearly, @monthly, @weekly, @daily or "
		    "@hourly)",
		    (int)(n > 40 ? 40 : n), expr);
		return -1;
	}
	char buf[201], *save = NULL, *tok[6];
	snprintf(buf, sizeof buf, "%s", expr);
	int n = 0;
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 5) {
			n++;
			break;
		}
		tok[n++] = t;
	}
	if (n != 5) {
		snprintf(err, errlen,
		         "five fields are needed (minute hour day-of-month month "
		         "day-of-week), found %s",
		         n > 5 ? "more" : "fewer");
		return -1;
	}
	uint64_t bits[5];
	bool any[5];
	for (int i = 0; i < 5; i++)
		if (parse_field(tok[i], &fields[i], &bits[i], &any[i], err, errlen))
			return -1;
	c->minute = bits[0];
	c->hour = (uint32_t)bits[1];
	c->dom = (uint32_t)bits[2];
	c->month = (uint16_t)bits[3];
	c->dow = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 is Sunday too */
	c->dom_any = any[2];
	c->dow_any = any[4];
	return 0;
}

static bool day_matches(const struct sc_cron *c, int64_t y, unsigned m, unsigned d,
                        int64_t days)
{
	(void)y;
	if (!(c->month & (1u << m)))
		return false;
	int wd = (int)(((days + 4) % 7 + 7) % 7);
	bool dom = c->dom & (1u << d), dow = c->dow & (1u << wd);
	if (c->dom_any || c->dow_any)
		return dom && dow;
	return dom || dow;
}

static int64_t local_of(const struct sc_tz *tz, int64_t t)
{
	return t + sc_tz_offset(tz, t);
}

/* The first instant > after whose wall-clock time is `local` (see the header
 * for gaps and overlaps); -1 when there is none. */
static int64_t resolve(const struct sc_tz *tz, int64_t local, int64_t after)
{
	/* At most one transition lies within a day of any instant in real zones,
	 * so the offsets a day either side are the only candidates. */
	int32_t oa = sc_tz_offset(tz, local - 86400),
	        ob = sc_tz_offset(tz, local + 86400);
	int64_t u1 = local - (oa > ob ? oa : ob), u2 = local - (oa > ob ? ob : oa);
	bool v1 = local_of(tz, u1) == local, v2 = local_of(tz, u2) == local;
	if (v1 || v2) { /* an overlap fires at its first occurrence only */
		int64_t first = v1 ? u1 : u2;
		return first > after ? first : -1;
	}
	/* A gap: the first instant at or past `local` on the wall clock, i.e.
	 * the moment the clock jumps. */
	int64_t lo = u1, hi = u2;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (local_of(tz, mid) >= local)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo > after ? lo : -1;
}

int64_t sc_cron_next(const struct sc_cron *c, const struct sc_tz *tz, int64_t after)
{
	int64_t start = local_of(tz, after);
	start = start - ((start % 60) + 60) % 60 + 60; /* the next whole local minute */
	int64_t day0 = start / 86400 - (start % 86400 < 0);
	for (int64_t day = day0; day < day0 + 366 * 5 + 2; day++) {
		int64_t y;
		unsigned m, d;
		sc_civil_from_days(day, &y, &m, &d);
		if (!day_matches(c, y, m, d, day))
			continue;
		int64_t base = day * 86400;
		for (int h = 0; h < 24; h++) {
			if (!(c->hour & (1u << h)) || base + h * 3600 + 3599 < start)
				continue;
			for (int mi = 0; mi < 60; mi++) {
				int64_t local = base + h * 3600 + mi * 60;
				if (!(c->minute & (1ULL << mi)) || local < start)
					continue;
				int64_t t = resolve(tz, local, after);
				if (t >= 0)
					return t;
			}
		}
	}
	return -1;
}
