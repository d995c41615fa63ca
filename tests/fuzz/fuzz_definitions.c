/* libFuzzer target: bytes as a definitions file, after a fixed file that
 * declares categories and a probe (so the fuzzer can reach rule checking).
 * A hostile file must be refused with a reason, never crash, leak or stall;
 * one that loads must give a probe plan. */
#include "fp.h"
#include "sc_log.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static const char prelude[] =
    "format: 1\n"
    "categories: [Database, WebServer, Unknown]\n"
    "probes:\n"
    "  - {id: ping, protocol: tcp, payload: \"PING\\r\\n\", ports: [7]}\n"
    "  - {id: q, protocol: udp, payload_hex: 00 01, ports: [9]}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	if (!quiet) {
		sc_log_init("fuzz_definitions");
		sc_log_set_level("error");
		quiet = 1;
	}
	const char *names[] = {"prelude.yaml", "fuzz.yaml"};
	const char *texts[] = {prelude, (const char *)data};
	size_t lens[] = {sizeof prelude - 1, size};
	struct fp_set *s = NULL;
	char *errors = NULL;
	if (fp_set_load_buffers(names, texts, lens, 2, NULL, &s, &errors) == 0) {
		char *plan = fp_plan_json(s);
		free(plan);
		fp_set_unref(s);
	}
	free(errors);
	return 0;
}
