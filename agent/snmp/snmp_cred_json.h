/* SNMP credentials in JSON, as the gateway hands them out with a job and as
 * scanopy-collect reads them from a file:
 *   {"version": "v1"|"v2c"|"v3", "community": "...", "username": "...",
 *    "auth_protocol": "SHA", "auth_key": "...", "priv_protocol": "AES",
 *    "priv_key": "...", "scope": ["10.0.0.0/24", ...]}
 * The credentials point into the JSON: keep it alive while they are used. */
#ifndef SNMP_CRED_JSON_H
#define SNMP_CRED_JSON_H

#include "job.pb-c.h"

#include <jansson.h>

struct snmp_creds {
	Scanopy__V1__SnmpCredential *v;
	Scanopy__V1__SnmpCredential **ptr;
	char ***scopes;
	size_t n;
};

/* From a JSON array; entries that are not objects or name an unknown
 * version are skipped with a warning. -1 when memory runs out. */
int snmp_creds_from_json(const json_t *arr, struct snmp_creds *out);
void snmp_creds_free(struct snmp_creds *c);

#endif
