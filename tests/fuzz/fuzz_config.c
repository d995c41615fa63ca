/* libFuzzer target: a configuration file with hostile contents. */
#include "sc_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fuzz-config.%d.json", getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	char *s = NULL;
	long n = 0;
	bool b = false;
	struct sc_option opts[] = {
	    {"nats_url", SC_OPT_STR, "x", "", &s, 0, 0},
	    {"http_port", SC_OPT_INT, "1", "", &n, 1, 65535},
	    {"verbose", SC_OPT_BOOL, "false", "", &b, 0, 0},
	};
	char err[256];
	int npos;
	char *argv[] = {"fuzz", "--config", path, NULL};
	sc_config_load(opts, 3, NULL, 3, argv, &npos, err, sizeof err);
	sc_config_free(opts, 3);
	return 0;
}
