/* A hypervisor's virtual machines (SelfReport.vm_nics), as workloads of kind
 * 'vm' under the daemon's host. external_id (see migration 0017):
 * "vmid:<daemon>:<vmid>" when the tap's name gives the VM id, all of that
 * VM's NICs in one row; otherwise "mac:<lowest MAC behind the tap>". The
 * VM's own host is tied by its MAC keys at read time. VMs this daemon
 * reported before and not now are stopped (their taps are gone). */
#include "apply_internal.h"
#include "changes.h"
#include "identity.h"
#include "sc_pg.h"
#include "wbuf.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds one NIC to its VM's entry in vms (external_id -> {networks, vmid}). */
static int group_nic(json_t *vms, const char *daemon, const Scanopy__V1__VmNic *v)
{
	char key[128], low[18] = "", m[18];
	json_t *nets = json_array();
	for (size_t i = 0; i < v->n_macs; i++) {
		if (!v->macs[i] || ident_mac_normalise(v->macs[i], m))
			continue;
		if (!*low || strcmp(m, low) < 0)
			memcpy(low, m, sizeof m);
		json_array_append_new(
		    nets, json_pack("{s:s?, s:s, s:s?, s:i}", "network", v->bridge, "mac",
		                    m, "ifname", v->ifname, "port_no", (int)v->port_no));
	}
	if (v->has_vmid && daemon && *daemon)
		snprintf(key, sizeof key, "vmid:%s:%u", daemon, v->vmid);
	else if (*low)
		snprintf(key, sizeof key, "mac:%s", low);
	else { /* a silent VM with no id in its tap's name: nothing stable */
		json_decref(nets);
		return 0;
	}
	if (!json_array_size(nets)) /* a VM id but nothing learned yet */
		json_array_append_new(nets, json_pack("{s:s?, s:s?, s:i}", "network",
		                                      v->bridge, "ifname", v->ifname,
		                                      "port_no", (int)v->port_no));
	json_t *vm = json_object_get(vms, key);
	if (!vm) {
		vm = json_pack("{s:[]}", "networks");
		if (v->has_vmid)
			json_object_set_new(vm, "vmid", json_integer(v->vmid));
		json_object_set_new(vms, key, vm);
	}
	int rc = json_array_extend(json_object_get(vm, "networks"), nets) ? -1 : 0;
	json_decref(nets);
	return rc;
}

static int upsert_vm(struct batch_ctx *b, const char *parent, const char *key, json_t *vm)
{
	json_t *vmid = json_object_get(vm, "vmid");
	char name[32], idtext[16];
	json_t *labels = json_object();
	if (vmid) {
		snprintf(idtext, sizeof idtext, "%lld",
		         (long long)json_integer_value(vmid));
		snprintf(name, sizeof name, "VM %s", idtext);
		json_object_set_new(labels, "vmid", json_string(idtext));
	}
	char *lt = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
	char *nt = json_dumps(json_object_get(vm, "networks"), JSON_COMPACT);
	json_decref(labels);
	int rc = -1;
	if (lt && nt) {
		const char *p[] = {b->org, b->network,         key,
		                   parent, vmid ? name : NULL, lt,
		                   nt,     b->daemon,          b->seen};
		PGresult *r = batch_query(
		    b,
		    "INSERT INTO inv.workloads (org_id, network_id, kind, external_id, "
		    "parent_host, name, state, labels, networks, daemon_id, first_seen, "
		    "last_seen) VALUES ($1, $2, 'vm', $3, $4, $5, 'running', $6, $7, $8, "
		    "to_timestamp($9), to_timestamp($9)) ON CONFLICT (network_id, kind, "
		    "external_id) DO UPDATE SET parent_host = EXCLUDED.parent_host, name "
		    "= coalesce(EXCLUDED.name, inv.workloads.name), state = 'running', "
		    "labels = EXCLUDED.labels, networks = EXCLUDED.networks, daemon_id = "
		    "EXCLUDED.daemon_id, last_seen = EXCLUDED.last_seen WHERE "
		    "EXCLUDED.last_seen >= inv.workloads.last_seen RETURNING (xmax = 0)",
		    9, p);
		rc = r ? 0 : -1;
		if (r && PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t")) {
			json_t *detail =
			    json_pack("{s:s, s:O?}", "vm", key, "vmid", vmid);
			char *d = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
			rc = d ? change_log(b, "vm_appeared", parent, d) : -1;
			free(d);
			json_decref(detail);
		}
		PQclear(r);
	}
	free(lt);
	free(nt);
	return rc;
}

int apply_vm_nics(struct batch_ctx *b, const char *hypervisor,
                  const Scanopy__V1__SelfReport *sr)
{
	json_t *vms = json_object(), *keys = json_array();
	int rc = 0;
	for (size_t i = 0; i < sr->n_vm_nics && rc == 0; i++)
		rc = group_nic(vms, b->daemon, sr->vm_nics[i]);
	const char *key;
	json_t *vm;
	json_object_foreach(vms, key, vm)
	{
		if (rc == 0)
			rc = upsert_vm(b, hypervisor, key, vm);
		json_array_append_new(keys, json_string(key));
	}
	/* This daemon's VMs on this host that it no longer reports. */
	char *kt = rc == 0 ? json_dumps(keys, JSON_COMPACT) : NULL;
	if (kt) {
		const char *p[] = {b->network, hypervisor, b->daemon, kt, b->seen};
		rc = batch_exec(b,
		                "UPDATE inv.workloads SET state = 'stopped' WHERE "
		                "network_id = $1 AND parent_host = $2 AND kind = 'vm' "
		                "AND daemon_id = $3 AND state <> 'stopped' AND NOT "
		                "($4::jsonb ? external_id) AND last_seen < "
		                "to_timestamp($5)",
		                5, p);
	} else if (rc == 0)
		rc = -1;
	free(kt);
	json_decref(vms);
	json_decref(keys);
	if (sr->n_vm_nics)
		b->touched_workloads = true;
	return rc;
}
