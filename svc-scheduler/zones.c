/* A small cache of loaded time zones: schedules share a handful of zones,
 * and a zone file is read once per process. */
#include "sc_tz.h"
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zone_entry {
	char *name;
	struct sc_tz *tz;
	struct zone_entry *next;
};

struct zone_cache {
	struct zone_entry *head;
};

struct zone_cache *zone_cache_new(void)
{
	return calloc(1, sizeof(struct zone_cache));
}

void zone_cache_free(struct zone_cache *zc)
{
	if (!zc)
		return;
	for (struct zone_entry *e = zc->head, *n; e; e = n) {
		n = e->next;
		free(e->name);
		sc_tz_free(e->tz);
		free(e);
	}
	free(zc);
}

const struct sc_tz *zone_get(struct zone_cache *zc, const char *name, char *err,
                             size_t errlen)
{
	for (struct zone_entry *e = zc->head; e; e = e->next)
		if (!strcmp(e->name, name))
			return e->tz;
	struct sc_tz *tz = sc_tz_load(name, err, errlen);
	if (!tz)
		return NULL;
	struct zone_entry *e = calloc(1, sizeof *e);
	if (!e || !(e->name = strdup(name))) {
		free(e);
		sc_tz_free(tz);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->tz = tz;
	e->next = zc->head;
	zc->head = e;
	return tz;
}
