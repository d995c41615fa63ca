#include "sc_metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_METRICS_MAX 64

struct sc_metric {
	enum sc_metric_kind kind;
	char name[96];
	char help[160];
	_Atomic int64_t value;
};

static struct sc_metric registry[SC_METRICS_MAX];
static size_t registry_len;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static int valid_name(const char *name)
{
	if (!*name || strlen(name) >= sizeof registry[0].name)
		return 0;
	for (const char *p = name; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		         *p == '_' || *p == ':' || (p != name && *p >= '0' && *p <= '9');
		if (!ok)
			return 0;
	}
	return 1;
}

struct sc_metric *sc_metric_register(enum sc_metric_kind kind, const char *name,
                                     const char *help)
{
	if (!valid_name(name))
		return NULL;
	struct sc_metric *m = NULL;
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < registry_len && !m; i++)
		if (!strcmp(registry[i].name, name))
			m = &registry[i];
	if (!m && registry_len < SC_METRICS_MAX) {
		m = &registry[registry_len++];
		m->kind = kind;
		snprintf(m->name, sizeof m->name, "%s", name);
		snprintf(m->help, sizeof m->help, "%s", help);
		atomic_store(&m->value, 0);
	}
	pthread_mutex_unlock(&registry_lock);
	return m;
}

void sc_metric_add(struct sc_metric *m, int64_t delta)
{
	if (m)
		atomic_fetch_add(&m->value, delta);
}

void sc_metric_set(struct sc_metric *m, int64_t value)
{
	if (m)
		atomic_store(&m->value, value);
}

int64_t sc_metric_value(const struct sc_metric *m)
{
	return m ? atomic_load(&((struct sc_metric *)m)->value) : 0;
}

char *sc_metrics_render(size_t *len)
{
	pthread_mutex_lock(&registry_lock);
	size_t n = registry_len;
	pthread_mutex_unlock(&registry_lock);

	size_t cap = 64 + n * 400, used = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct sc_metric *m = &registry[i];
		int w =
		    snprintf(out + used, cap - used,
		             "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", m->name, m->help,
		             m->name, m->kind == SC_METRIC_COUNTER ? "counter" : "gauge",
		             m->name, (long long)sc_metric_value(m));
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
	if (len)
		*len = used;
	return out;
}
