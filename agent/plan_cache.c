#include "plan_cache.h"

#include "sc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_FILE "probe-plan.json"
#define PLAN_MAX (4 << 20)

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(PLAN_MAX + 1);
	size_t n = buf ? fread(buf, 1, PLAN_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > PLAN_MAX) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Written beside and renamed over, so a crash never leaves half a plan. */
static void save(const char *path, const char *text)
{
	char tmp[1100];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	size_t len = strlen(text);
	bool ok = f && fwrite(text, 1, len, f) == len;
	if (f && fclose(f))
		ok = false;
	if (!ok || rename(tmp, path)) {
		sc_warn("probe plan: cannot keep a copy in %s", path);
		remove(tmp);
	}
}

int plan_cache_get(struct client *c, const char *state_dir, struct scan_plan *plan)
{
	char path[1024], why[256];
	snprintf(path, sizeof path, "%s/" PLAN_FILE, state_dir);
	size_t len = 0;
	char *kept = read_file(path, &len);
	struct scan_plan cached;
	bool have = kept && scan_plan_parse(kept, len, &cached, why, sizeof why) == 0;
	free(kept);

	char *fresh = NULL;
	int rc = client_probe_plan(c, have ? cached.version : NULL, &fresh);
	if (rc == 0 &&
	    scan_plan_parse(fresh, strlen(fresh), plan, why, sizeof why) == 0) {
		if (!have || strcmp(cached.version, plan->version))
			sc_info(
			    "probe plan %s: %zu TCP and %zu UDP ports, %zu HTTP paths, "
			    "%zu protocol probes",
			    plan->version, plan->ntcp, plan->nudp, plan->npaths,
			    plan->nprobes);
		save(path, fresh);
		free(fresh);
		if (have)
			scan_plan_free(&cached);
		return 0;
	}
	if (rc == 0)
		sc_warn("probe plan from the gateway refused: %s", why);
	free(fresh);
	if (!have) {
		sc_warn("no probe plan: scanning with the built-in port and probe lists");
		return -1;
	}
	if (rc != 1)
		sc_info("probe plan: using the kept copy %s", cached.version);
	*plan = cached;
	return 0;
}
