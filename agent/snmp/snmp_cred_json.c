#include "snmp_cred_json.h"
#include "sc_log.h"

#include <stdlib.h>
#include <string.h>

static char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return (char *)(s ? s : "");
}

int snmp_creds_from_json(const json_t *arr, struct snmp_creds *out)
{
	memset(out, 0, sizeof *out);
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	if (!n)
		return 0;
	out->v = calloc(n, sizeof *out->v);
	out->ptr = calloc(n, sizeof *out->ptr);
	out->scopes = calloc(n, sizeof *out->scopes);
	if (!out->v || !out->ptr || !out->scopes) {
		snmp_creds_free(out);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		if (!json_is_object(o))
			continue;
		const char *ver = str(o, "version");
		Scanopy__V1__SnmpCredential c = SCANOPY__V1__SNMP_CREDENTIAL__INIT;
		if (!strcmp(ver, "v1") || !strcmp(ver, "1"))
			c.version = SCANOPY__V1__SNMP_VERSION__SNMP_V1;
		else if (!strcmp(ver, "v2c") || !strcmp(ver, "2c") || !strcmp(ver, "2"))
			c.version = SCANOPY__V1__SNMP_VERSION__SNMP_V2C;
		else if (!strcmp(ver, "v3") || !strcmp(ver, "3"))
			c.version = SCANOPY__V1__SNMP_VERSION__SNMP_V3;
		else {
			sc_warn(
			    "snmp: skipping a credential with version '%s' (v1, v2c, v3)",
			    ver);
			continue;
		}
		c.has_version = 1;
		c.community = str(o, "community");
		c.username = str(o, "username");
		c.auth_protocol = str(o, "auth_protocol");
		c.auth_key = str(o, "auth_key");
		c.priv_protocol = str(o, "priv_protocol");
		c.priv_key = str(o, "priv_key");
		const json_t *sc = json_object_get(o, "scope");
		size_t ns = json_is_array(sc) ? json_array_size(sc) : 0;
		if (ns) {
			char **s = calloc(ns, sizeof *s);
			if (!s) {
				snmp_creds_free(out);
				return -1;
			}
			size_t k = 0;
			for (size_t j = 0; j < ns; j++)
				if (json_is_string(json_array_get(sc, j)))
					s[k++] = (char *)json_string_value(
					    json_array_get(sc, j));
			out->scopes[out->n] = s;
			c.scope = s;
			c.n_scope = k;
		}
		out->v[out->n] = c;
		out->ptr[out->n] = &out->v[out->n];
		out->n++;
	}
	return 0;
}

void snmp_creds_free(struct snmp_creds *c)
{
	for (size_t i = 0; c->scopes && i < c->n; i++)
		free(c->scopes[i]);
	free(c->scopes);
	free(c->ptr);
	free(c->v);
	memset(c, 0, sizeof *c);
}
