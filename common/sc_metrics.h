/* A small process-wide metrics registry rendered as Prometheus text. Metrics
 * are registered once at start-up and updated lock-free from any thread. */
#ifndef SC_METRICS_H
#define SC_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum sc_metric_kind { SC_METRIC_COUNTER, SC_METRIC_GAUGE };

struct sc_metric;

/* Returns the metric with that name, creating it; NULL when the registry is
 * full or the name is not a valid Prometheus metric name. */
struct sc_metric *sc_metric_register(enum sc_metric_kind kind, const char *name,
                                     const char *help);
void sc_metric_add(struct sc_metric *m, int64_t delta);
void sc_metric_set(struct sc_metric *m, int64_t value);
int64_t sc_metric_value(const struct sc_metric *m);

/* The registry in the Prometheus text exposition format; caller frees. */
char *sc_metrics_render(size_t *len);

#endif
