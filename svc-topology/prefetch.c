/* Before a batch is applied, every identity key its observations name is
 * collected (normalised as the appliers normalise them) and looked up in one
 * query, so resolving a host asks the database nothing it could have asked
 * once. A key missed here is looked up when resolved, as before. */
#include "prefetch.h"

#include "apply_internal.h"
#include "identity.h"
#include "resolve.h"
#include "wbuf.h"

#include <string.h>

struct keys {
	struct pgarr kinds, values;
};

static void take(struct keys *k, const struct ident_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		pgarr_add(&k->kinds, s->key[i].kind);
		pgarr_add(&k->values, s->key[i].value);
	}
}

/* A set of addresses (and MACs) named by an observation. */
static void ips(struct keys *k, const char *a, const char *b, const char *mac)
{
	struct ident_set s = {.self = true};
	ident_add_ip(&s, a, "");
	ident_add_ip(&s, b, "");
	ident_add_mac(&s, mac, "");
	take(k, &s);
}

static void neighbor(struct keys *k, const Scanopy__V1__NeighborEntry *n)
{
	struct ident_set s = {.self = true};
	char chassis[136];
	ident_add_ip(&s, n->device_ip, "");
	if (n->remote_chassis_id && *n->remote_chassis_id)
		neighbor_far_keys(n, &s, chassis);
	take(k, &s);
}

static void observation(struct keys *k, const Scanopy__V1__Observation *o)
{
	switch (o->kind_case) {
	case SCANOPY__V1__OBSERVATION__KIND_HOST:
		ips(k, o->host->ip, NULL, o->host->mac);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_PORT:
		ips(k, o->port->ip, NULL, NULL);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_NAME:
		ips(k, o->name->ip, NULL, NULL);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_TLS:
		ips(k, o->tls->ip, NULL, NULL);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM:
		ips(k, o->snmp_system->ip, NULL, NULL);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_IF_ENTRY:
		ips(k, o->if_entry->device_ip, NULL, o->if_entry->mac);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_NEIGHBOR:
		neighbor(k, o->neighbor);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_FDB:
		ips(k, o->fdb->device_ip, NULL, NULL);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_ARP:
		ips(k, o->arp->device_ip, o->arp->ip, o->arp->mac);
		break;
	case SCANOPY__V1__OBSERVATION__KIND_CONTAINER:
		ips(k, o->container->host_ip, NULL, NULL);
		break;
	default:
		break;
	}
}

int prefetch_keys(struct batch_ctx *b, const Scanopy__V1__ClassifiedBatch *cb)
{
	struct keys k = {{0}, {0}};
	for (size_t i = 0; i < cb->batch->n_observations; i++)
		observation(&k, cb->batch->observations[i]);
	for (size_t i = 0; i < cb->n_matches; i++)
		ips(&k, cb->matches[i]->ip, NULL, NULL);
	int rc = k.kinds.failed || k.values.failed
	             ? -1
	             : key_cache_prefetch(b, &k.kinds, &k.values);
	pgarr_free(&k.kinds);
	pgarr_free(&k.values);
	return rc;
}
