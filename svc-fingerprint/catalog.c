/* The set's definitions as a JSON catalogue: what the gateway lists as the
 * built-in definitions (the fingerprint service publishes it beside the
 * probe plan). */
#include "fp.h"
#include "model.h"

#include <jansson.h>

char *fp_catalog_json(const struct fp_set *s)
{
	json_t *defs = json_array();
	for (size_t i = 0; defs && i < s->ndefs; i++) {
		const struct fp_def *d = &s->defs[i];
		json_t *ports = json_array();
		for (int p = 0; ports && p < d->nports; p++) {
			char buf[16];
			json_array_append_new(ports, json_string(fp_port_str(
			                                 d->ports[p], buf, sizeof buf)));
		}
		json_array_append_new(
		    defs,
		    json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:o*}", "id",
		              d->id, "name", d->name, "category", d->category, "vendor",
		              d->vendor, "product", d->product, "description",
		              d->description, "tier", fp_tier_name(d->tier), "scope",
		              d->host_scope ? "host" : "port", "ports", ports));
	}
	json_t *j = defs ? json_pack("{s:s, s:o}", "definitions_version", s->version,
	                             "definitions", defs)
	                 : NULL;
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}
