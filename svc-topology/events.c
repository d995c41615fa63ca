#include "events.h"

#include "event.pb-c.h"
#include "sc_batch.h"
#include "sc_log.h"

#include <stdio.h>
#include <stdlib.h>

/* Publishes a TopologyChanged event on scanopy.events.<org>.<network>. */
static int publish(struct sc_nats *n, const char *org, const char *network,
                   Scanopy__V1__TopologyChanged *t)
{
	char subject[192];
	if (sc_subject(subject, sizeof subject, "scanopy.events", org, network))
		return -1;
	Scanopy__V1__Event e = SCANOPY__V1__EVENT__INIT;
	e.at_ms = sc_now_ms();
	e.has_at_ms = 1;
	e.org_id = (char *)org;
	e.network_id = (char *)network;
	e.kind_case = SCANOPY__V1__EVENT__KIND_TOPOLOGY;
	e.topology = t;
	size_t len = scanopy__v1__event__get_packed_size(&e);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -1;
	scanopy__v1__event__pack(&e, buf);
	natsStatus s = natsConnection_Publish(n->nc, subject, buf, (int)len);
	free(buf);
	if (s != NATS_OK) {
		sc_warn("event on %s not sent: %s", subject, natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

int event_topology_changed(struct sc_nats *n, const char *org, const char *network,
                           const char *daemon, uint64_t sequence,
                           const struct batch_counts *c)
{
	Scanopy__V1__TopologyChanged t = SCANOPY__V1__TOPOLOGY_CHANGED__INIT;
	t.daemon_id = (char *)daemon;
	t.sequence = sequence;
	t.has_sequence = 1;
	t.hosts_added = c->hosts_added;
	t.has_hosts_added = 1;
	t.hosts_updated = c->hosts_updated;
	t.has_hosts_updated = 1;
	t.services_changed = c->services_changed;
	t.has_services_changed = 1;
	t.links_changed = c->links_changed;
	t.has_links_changed = 1;
	t.hosts_disappeared = c->hosts_disappeared;
	t.has_hosts_disappeared = c->hosts_disappeared > 0;
	t.hosts_reappeared = c->hosts_reappeared;
	t.has_hosts_reappeared = c->hosts_reappeared > 0;
	t.hosts_not_missed = c->hosts_not_missed;
	t.has_hosts_not_missed = c->hosts_not_missed > 0;
	return publish(n, org, network, &t);
}

int event_hosts_disappeared(struct sc_nats *n, const char *org, const char *network,
                            unsigned count)
{
	Scanopy__V1__TopologyChanged t = SCANOPY__V1__TOPOLOGY_CHANGED__INIT;
	t.hosts_disappeared = count;
	t.has_hosts_disappeared = 1;
	return publish(n, org, network, &t);
}
