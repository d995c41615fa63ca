/* libFuzzer target: what a Docker-compatible API (or anything pretending to
 * be one) answers: container lists and inspects, network lists, the
 * multiplexed exec stream and the probe's HTTP text. */
#include "docker_parse.h"
#include "fuzz_sink_stub.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *text = malloc(n + 1);
	if (!text)
		return 0;
	size_t l = docker_demux(d, n, text, n + 1);
	struct dk_http h;
	docker_parse_probe(text, &h);
	(void)l;
	free(text);
	json_t *j = json_loadb((const char *)d, n, 0, NULL);
	size_t i;
	json_t *item;
	json_array_foreach(j, i, item)
	{
		struct dk_container c;
		if (docker_parse_container(item, item, "h", &c) == 0) {
			sink_container(NULL, &c.c);
			docker_container_free(&c);
		}
		struct dk_network nw;
		if (docker_parse_network(item, "h", &nw) == 0) {
			sink_docker_network(NULL, &nw.n);
			docker_network_free(&nw);
		}
	}
	json_decref(j);
	return 0;
}
