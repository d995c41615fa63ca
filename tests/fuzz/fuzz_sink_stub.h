/* A sink for fuzz targets: every observation is packed (exercising what the
 * daemon would send) and dropped. Include in exactly one file per target. */
#include "sink.h"

#include <stdlib.h>

int sink_emit(struct sink *s, const Scanopy__V1__Observation *o)
{
	(void)s;
	size_t n = scanopy__v1__observation__get_packed_size(o);
	uint8_t *b = malloc(n ? n : 1);
	if (b)
		scanopy__v1__observation__pack(o, b);
	free(b);
	return 0;
}
void sink_set_tap(struct sink *s, sink_tap_fn fn, void *arg)
{
	(void)s;
	(void)fn;
	(void)arg;
}
