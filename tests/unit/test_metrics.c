#include "sc_metrics.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void counters_render_as_prometheus_text(void **state)
{
	(void)state;
	struct sc_metric *m =
	    sc_metric_register(SC_METRIC_COUNTER, "t_batches_total", "batches");
	assert_non_null(m);
	assert_ptr_equal(sc_metric_register(SC_METRIC_COUNTER, "t_batches_total", "x"),
	                 m);
	sc_metric_add(m, 3);
	sc_metric_add(m, 4);
	struct sc_metric *g = sc_metric_register(SC_METRIC_GAUGE, "t_depth", "depth");
	sc_metric_set(g, -2);
	size_t len;
	char *text = sc_metrics_render(&len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_non_null(
	    strstr(text, "# TYPE t_batches_total counter\nt_batches_total 7\n"));
	assert_non_null(strstr(text, "# TYPE t_depth gauge\nt_depth -2\n"));
	free(text);
}

static void invalid_names_are_refused(void **state)
{
	(void)state;
	assert_null(sc_metric_register(SC_METRIC_COUNTER, "9lives", ""));
	assert_null(sc_metric_register(SC_METRIC_COUNTER, "a b", ""));
	assert_null(sc_metric_register(SC_METRIC_COUNTER, "", ""));
	sc_metric_add(NULL, 1); /* a failed registration must not crash callers */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(counters_render_as_prometheus_text),
	    cmocka_unit_test(invalid_names_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
