/* GET /api/v1/probe-plan: what daemons must send so that every fingerprint
 * definition's evidence can exist. scanopy-fingerprint derives it from its
 * definitions and keeps it in a JetStream key-value bucket (at start and after
 * every reload); this serves it as is. Its content hash is the ETag, so a
 * daemon holding the current plan gets 304 and no body. */
#include "http.h"
#include "reply.h"
#include "request.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result api_probe_plan(struct request *r)
{
	char *plan = NULL;
	int rc = sc_nats_kv_get(&r->gw->svc.nats, SC_KV_PLAN, "current", &plan);
	if (rc)
		return reply_error(
		    r, 503, "unavailable",
		    rc == 1 ? "no probe plan published yet (scanopy-fingerprint "
		              "publishes it when it starts)"
		            : "the probe plan cannot be read",
		    NULL);
	json_t *j = json_loads(plan, 0, NULL);
	const char *version = json_str(j, "plan_version");
	enum MHD_Result ret;
	char etag[80];
	if (!version) {
		ret = reply_error(r, 503, "unavailable",
		                  "the stored probe plan is invalid", NULL);
	} else {
		snprintf(etag, sizeof etag, "\"%s\"", version);
		request_add_header(r, "ETag", etag);
		const char *inm = request_header(r, "If-None-Match");
		if (inm && !strcmp(inm, etag))
			ret = reply_empty(r, 304);
		else
			ret = reply_bytes(r, 200, "application/json", plan, strlen(plan));
	}
	json_decref(j);
	free(plan);
	return ret;
}
