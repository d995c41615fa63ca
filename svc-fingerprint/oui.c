#include "oui.h"

#include "arena.h"
#include "sc_log.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oui_entry {
	uint64_t prefix; /* the registered bits, right-aligned */
	const char *name;
};

struct oui_table {
	int bits; /* 24, 28 or 36 */
	struct oui_entry *e;
	size_t n, cap;
};

struct fp_oui {
	struct fp_arena names;
	struct oui_table t[3]; /* longest first: 36, 28, 24 */
};

static struct oui_table *table_for(struct fp_oui *o, size_t hexdigits)
{
	for (int i = 0; i < 3; i++)
		if ((size_t)o->t[i].bits == hexdigits * 4)
			return &o->t[i];
	return NULL;
}

/* Splits one CSV record's first three fields (quotes and "" escapes). Returns
 * the number of fields read. */
static int csv_fields(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (n < max && *p && *p != '\n' && *p != '\r') {
		char *out = p, *start = p;
		if (*p == '"') {
			p++;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			while (*p && *p != ',' && *p != '\n')
				p++;
		} else {
			while (*p && *p != ',' && *p != '\n' && *p != '\r')
				*out++ = *p++;
		}
		char end = *p;
		*out = '\0';
		f[n++] = start;
		if (end == ',')
			p++;
		else
			break;
	}
	return n;
}

static int add_entry(struct fp_oui *o, const char *hex, const char *name)
{
	size_t nd = strlen(hex);
	struct oui_table *t = table_for(o, nd);
	if (!t)
		return 0;
	char *end;
	uint64_t v = strtoull(hex, &end, 16);
	if (*end)
		return 0;
	while (isspace((unsigned char)*name))
		name++;
	size_t len = strlen(name);
	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	if (!len)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		struct oui_entry *e = realloc(t->e, cap * sizeof *e);
		if (!e)
			return -1;
		t->e = e;
		t->cap = cap;
	}
	const char *copy = fp_arena_strndup(&o->names, name, len);
	if (!copy)
		return -1;
	t->e[t->n].prefix = v;
	t->e[t->n].name = copy;
	t->n++;
	return 0;
}

static int load_file(struct fp_oui *o, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[2048];
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		char *fld[3];
		if (csv_fields(line, fld, 3) < 3 || !strcmp(fld[0], "Registry"))
			continue;
		if (add_entry(o, fld[1], fld[2])) {
			sc_error("out of memory loading %s", path);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	uint64_t x = ((const struct oui_entry *)a)->prefix,
	         y = ((const struct oui_entry *)b)->prefix;
	return x < y ? -1 : x > y;
}

struct fp_oui *fp_oui_load(const char *dir)
{
	static const char *const files[] = {"oui36.csv", "iab.csv", "mam.csv", "oui.csv"};
	struct fp_oui *o = calloc(1, sizeof *o);
	if (!o) {
		sc_error("out of memory (oui)");
		return NULL;
	}
	o->t[0].bits = 36;
	o->t[1].bits = 28;
	o->t[2].bits = 24;
	int loaded = 0;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if (load_file(o, path) == 0)
			loaded++;
		else
			sc_warn("MAC vendor registry %s not readable; skipped", path);
	}
	unsigned long total = 0;
	for (int i = 0; i < 3; i++) {
		if (o->t[i].n > 1)
			qsort(o->t[i].e, o->t[i].n, sizeof *o->t[i].e, cmp_entry);
		total += o->t[i].n;
	}
	if (!loaded || !total) {
		sc_warn("no MAC vendor registry in %s (install ieee-data): mac_vendor "
		        "rules will not match",
		        dir);
		fp_oui_free(o);
		return NULL;
	}
	return o;
}

void fp_oui_free(struct fp_oui *o)
{
	if (!o)
		return;
	for (int i = 0; i < 3; i++)
		free(o->t[i].e);
	fp_arena_free(&o->names);
	free(o);
}

unsigned long fp_oui_count(const struct fp_oui *o)
{
	return o ? (unsigned long)(o->t[0].n + o->t[1].n + o->t[2].n) : 0;
}

/* 48 bits from "aa:bb:cc:dd:ee:ff", "aa-bb-..." or "aabbccddeeff". */
static int parse_mac(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;
	for (; *s && digits <= 12; s++) {
		if (*s == ':' || *s == '-' || *s == '.')
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		int d = isdigit((unsigned char)*s)
		            ? *s - '0'
		            : (tolower((unsigned char)*s) - 'a' + 10);
		v = v << 4 | (uint64_t)d;
		digits++;
	}
	if (digits != 12 || *s)
		return -1;
	*out = v;
	return 0;
}

const char *fp_oui_vendor(const struct fp_oui *o, const char *mac)
{
	uint64_t v;
	if (!o || !mac || parse_mac(mac, &v))
		return NULL;
	uint8_t first = (uint8_t)(v >> 40);
	if (first & 0x03) /* multicast or locally administered */
		return NULL;
	for (int i = 0; i < 3; i++) {
		const struct oui_table *t = &o->t[i];
		if (!t->n)
			continue;
		struct oui_entry key = {v >> (48 - t->bits), NULL};
		const struct oui_entry *e =
		    bsearch(&key, t->e, t->n, sizeof *t->e, cmp_entry);
		if (e)
			return e->name;
	}
	return NULL;
}
