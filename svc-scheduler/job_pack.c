/* A claimed session as the Job protobuf its daemon runs, whichever way it is
 * handed over (NATS or a ServerPoll call), with the network's SNMP
 * credentials opened for it: like the gateway's DaemonPoll jobs, the secrets
 * travel only inside the job. */
#include "job.pb-c.h"
#include "sc_job.h"
#include "sc_log.h"
#include "sc_pg.h"
#include "scheduler.h"
#include "secretbox.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS 64
#define MAX_CREDS 32

/* The credentials of one job, opened; owns what the Job points to. */
struct job_creds {
	Scanopy__V1__SnmpCredential cred[MAX_CREDS];
	Scanopy__V1__SnmpCredential *ptr[MAX_CREDS];
	char *scope[MAX_CREDS][16];
	json_t *secret[MAX_CREDS];
	size_t n;
};

static Scanopy__V1__SnmpVersion snmp_version_of(const char *v)
{
	if (!v)
		return SCANOPY__V1__SNMP_VERSION__SNMP_UNKNOWN;
	if (!strcmp(v, "v1"))
		return SCANOPY__V1__SNMP_VERSION__SNMP_V1;
	if (!strcmp(v, "v2c"))
		return SCANOPY__V1__SNMP_VERSION__SNMP_V2C;
	if (!strcmp(v, "v3"))
		return SCANOPY__V1__SNMP_VERSION__SNMP_V3;
	return SCANOPY__V1__SNMP_VERSION__SNMP_UNKNOWN;
}

/* A member of the opened secret, or NULL (proto2 strings may be absent). */
static char *secret_of(json_t *sec, const char *name)
{
	const char *v = json_string_value(json_object_get(sec, name));
	return v && *v ? (char *)v : NULL;
}

/* Opens one sealed credential (an element of SCHED_JOB_SNMP) into c. */
static int cred_open(const struct scheduler *s, const char *network_id, json_t *e,
                     struct job_creds *c)
{
	char plain[2048];
	const char *sealed = json_string_value(json_object_get(e, "sealed"));
	if (!sealed ||
	    secretbox_open_hex(s->secret_key, network_id, sealed, plain, sizeof plain))
		return -1;
	json_t *sec = json_loads(plain, 0, NULL);
	OPENSSL_cleanse(plain, sizeof plain);
	if (!sec)
		return -1;
	size_t i = c->n;
	Scanopy__V1__SnmpCredential *k = &c->cred[i];
	scanopy__v1__snmp_credential__init(k);
	k->version = snmp_version_of(json_string_value(json_object_get(e, "version")));
	k->has_version = 1;
	k->username = (char *)json_string_value(json_object_get(e, "username"));
	k->auth_protocol = (char *)json_string_value(json_object_get(e, "auth_protocol"));
	k->priv_protocol = (char *)json_string_value(json_object_get(e, "priv_protocol"));
	k->community = secret_of(sec, "community");
	k->auth_key = secret_of(sec, "auth_key");
	k->priv_key = secret_of(sec, "priv_key");
	json_t *scope = json_object_get(e, "scope"), *one;
	size_t j;
	json_array_foreach(scope, j, one)
	{
		if (k->n_scope < 16 && json_is_string(one))
			c->scope[i][k->n_scope++] = (char *)json_string_value(one);
	}
	k->scope = c->scope[i];
	c->secret[i] = sec;
	c->ptr[i] = k;
	c->n++;
	return 0;
}

/* The network's SNMP credentials, still sealed, in the order they are tried
 * (a JSON array; NULL when there are none or the gateway's schema is not
 * there yet). */
static json_t *creds_sealed(const struct scheduler *s, const char *network_id)
{
	const char *p[] = {network_id};
	PGresult *r = sc_pg_query(
	    s->svc.pg, "SELECT to_regclass('core.snmp_credentials') IS NOT NULL", 0,
	    NULL);
	bool have = r && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!have)
		return NULL;
	r = sc_pg_query(
	    s->svc.pg,
	    "SELECT json_agg(json_build_object('version', c.version, 'username', "
	    "c.username, 'auth_protocol', c.auth_protocol, 'priv_protocol', "
	    "c.priv_protocol, 'scope', c.scope, 'sealed', encode(c.secret, 'hex')) "
	    "ORDER BY c.position, c.created_at) FROM core.snmp_credentials c WHERE "
	    "c.network_id = $1",
	    1, p);
	json_t *all = r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)
	                  ? json_loads(PQgetvalue(r, 0, 0), 0, NULL)
	                  : NULL;
	PQclear(r);
	return all;
}

/* Opens the sealed credentials into c; those that do not open with this key
 * are left out, as the gateway does. */
static void creds_open(const struct scheduler *s, const char *network_id, json_t *all,
                       struct job_creds *c)
{
	size_t i;
	json_t *e;
	json_array_foreach(all, i, e)
	{
		if (c->n == MAX_CREDS)
			break;
		if (!s->have_secret_key || cred_open(s, network_id, e, c))
			sc_warn("an SNMP credential of network %s does not open with the "
			        "secret key; it is left out of the job",
			        network_id);
	}
}

static void creds_free(struct job_creds *c)
{
	for (size_t i = 0; i < c->n; i++) {
		/* The packed job held copies; wipe the opened secrets. */
		char *v[] = {c->cred[i].community, c->cred[i].auth_key,
		             c->cred[i].priv_key};
		for (size_t j = 0; j < sizeof v / sizeof *v; j++)
			if (v[j])
				OPENSSL_cleanse(v[j], strlen(v[j]));
		json_decref(c->secret[i]);
	}
}

uint8_t *sched_job_pack(const struct scheduler *s, PGresult *r, int row, size_t *len)
{
	Scanopy__V1__Job job = SCANOPY__V1__JOB__INIT;
	job.session_id = PQgetvalue(r, row, 0);
	job.job_id = job.session_id;
	job.org_id = PQgetvalue(r, row, 1);
	job.network_id = PQgetvalue(r, row, 2);
	job.daemon_id = PQgetvalue(r, row, 3);
	job.type = sc_job_type_of(PQgetvalue(r, row, 4));
	job.has_type = 1;
	job.deep = PQgetvalue(r, row, 5)[0] == 't';
	job.has_deep = 1;
	job.deadline_ms = strtoll(PQgetvalue(r, row, 7), NULL, 10);
	job.has_deadline_ms = 1;
	char *targets = strdup(PQgetvalue(r, row, 6)), *save = NULL, *list[MAX_TARGETS];
	char *deep = strdup(PQgetvalue(r, row, 8)), *deep_list[MAX_TARGETS];
	struct job_creds *creds = calloc(1, sizeof *creds);
	/* Only SNMP and unified runs take credentials. */
	json_t *sealed = job.type == SCANOPY__V1__JOB_TYPE__JOB_SNMP ||
	                         job.type == SCANOPY__V1__JOB_TYPE__JOB_UNIFIED
	                     ? creds_sealed(s, job.network_id)
	                     : NULL;
	uint8_t *buf = NULL;
	if (!targets || !deep || !creds)
		goto out;
	for (char *t = strtok_r(targets, " ", &save); t && job.n_targets < MAX_TARGETS;
	     t = strtok_r(NULL, " ", &save))
		list[job.n_targets++] = t;
	job.targets = list;
	for (char *t = strtok_r(deep, " ", &save); t && job.n_deep_targets < MAX_TARGETS;
	     t = strtok_r(NULL, " ", &save))
		deep_list[job.n_deep_targets++] = t;
	job.deep_targets = deep_list;
	creds_open(s, job.network_id, sealed, creds);
	job.snmp_credentials = creds->ptr;
	job.n_snmp_credentials = creds->n;
	*len = scanopy__v1__job__get_packed_size(&job);
	buf = malloc(*len ? *len : 1);
	if (buf)
		scanopy__v1__job__pack(&job, buf);
out:
	if (creds)
		creds_free(creds);
	free(creds);
	json_decref(sealed);
	free(targets);
	free(deep);
	return buf;
}
