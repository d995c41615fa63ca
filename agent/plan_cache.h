/* The daemon's copy of the probe plan. Before each network scan it asks the
 * gateway with the version it holds (an unchanged plan costs one round trip
 * and no body) and keeps what it got in the state directory, so a daemon that
 * cannot reach the gateway still scans with the last plan it had. */
#ifndef AGENT_PLAN_CACHE_H
#define AGENT_PLAN_CACHE_H

#include "client.h"
#include "scan_plan.h"

/* Fills plan (scan_plan_free it) with the current plan: 0, or -1 when there
 * is none at all (the scan then runs with the engine's built-in lists). */
int plan_cache_get(struct client *c, const char *state_dir, struct scan_plan *plan);

#endif
