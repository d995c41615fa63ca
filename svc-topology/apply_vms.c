/* A hypervisor's virtual machines (SelfReport.vm_nics), as workloads of kind
 * 'vm' under the daemon's host. external_id (see migrations 0017, 0020):
 *   "vmid:cluster:<cluster>:<vmid>"  a Proxmox VE VM of a cluster (VM ids
 *       are unique in it), so a VM migrated to another node is the same row,
 *       moved to that node's host ('vm_moved');
 *   "vmid:<daemon>:<vmid>"  a standalone Proxmox node's VM;
 *   "mac:<lowest MAC behind the tap>"  otherwise (libvirt vnet<N>).
 * All of a VM's NICs are one row. The VM's own host is tied by its MAC keys
 * at read time. VMs this daemon reported before on this host and not now
 * are stopped (their taps are gone); the newest report wins, so a VM that
 * moved is not stopped by its old node's reports, whatever their order, and
 * a report older than the hypervisor's newest (inv.vm_reports) marks what
 * only it names as stopped, not running. The change log is made from each
 * VM's runs of sightings (migration 0024, inv.vm_sight): vm_appeared at its
 * first sighting, vm_moved at the first on each new host, the same in every
 * order of arrival and under redelivery.
 *
 * A Proxmox VE container (LXC; guest "lxc": a veth veth<VMID>i<N> whose
 * lxc/<VMID>.conf the daemon found) is a row of kind 'vm' too, labelled
 * guest 'lxc': like a VM it has its own MACs on the node's bridge, is a host
 * of its own the scan finds, and migrates in the cluster; VMs and
 * containers share a cluster's id space, so it is keyed as a VM is. */
#include "apply_internal.h"
#include "identity.h"
#include "sc_pg.h"
#include "sc_utf8.h"
#include "wbuf.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reported text worth keeping: valid UTF-8, no control character, at most
 * max bytes (a daemon's report is trusted no more than a packet). */
static const char *text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n && n <= max && sc_utf8_label(s, n) ? s : NULL;
}

/* A Proxmox cluster's name as corosync takes it, or NULL. */
static const char *cluster_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!n || n > 64)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return NULL;
	return s;
}

/* Adds one NIC to its VM's entry in vms (external_id -> {networks, vmid,
 * name, holder, unread}); a Proxmox VM keyed by cluster is also noted in
 * renames (its key before 0020 -> its key now). */
static int group_nic(json_t *vms, json_t *renames, const char *daemon,
                     const char *cluster, const Scanopy__V1__VmNic *v)
{
	char key[160], low[18] = "", m[18];
	/* a Proxmox container's veth: its name gives its id (veth<VMID>i<N>) */
	bool lxc = v->guest && !strcmp(v->guest, "lxc");
	if (lxc &&
	    (!v->has_vmid || !text_ok(v->ifname, 15) || strncmp(v->ifname, "veth", 4)))
		return 0;
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
	if (v->has_vmid && cluster) {
		snprintf(key, sizeof key, "vmid:cluster:%s:%u", cluster, v->vmid);
		if (daemon && *daemon) {
			char old[128];
			snprintf(old, sizeof old, "vmid:%s:%u", daemon, v->vmid);
			json_object_set_new(renames, old, json_string(key));
		}
	} else if (v->has_vmid && daemon && *daemon)
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
	if (lxc) /* a container: its conf, not a holder, says it is one */
		json_object_set_new(vm, "lxc", json_string(v->ifname));
	const char *name = text_ok(v->name, 128), *holder = text_ok(v->holder, 15);
	if (name && !json_object_get(vm, "name"))
		json_object_set_new(vm, "name", json_string(name));
	if (holder && !json_object_get(vm, "holder"))
		json_object_set_new(vm, "holder", json_string(holder));
	const char *tap = text_ok(v->ifname, 15) ? v->ifname : "?";
	if (!holder && !lxc) /* the daemon could not see who holds this tap */
		json_object_set_new(vm, "unread", json_string(tap));
	int rc = json_array_extend(json_object_get(vm, "networks"), nets) ? -1 : 0;
	json_decref(nets);
	return rc;
}

/* labels: vmid, cluster, holder and the evidence the VM is one. */
static json_t *vm_labels(json_t *vm, const char *cluster)
{
	json_t *vmid = json_object_get(vm, "vmid"), *labels = json_object();
	const char *holder = json_string_value(json_object_get(vm, "holder"));
	const char *unread = json_string_value(json_object_get(vm, "unread"));
	const char *lxc = json_string_value(json_object_get(vm, "lxc"));
	char ev[200];
	if (vmid)
		json_object_set_new(
		    labels, "vmid",
		    json_sprintf("%lld", (long long)json_integer_value(vmid)));
	if (vmid && cluster)
		json_object_set_new(labels, "cluster", json_string(cluster));
	if (holder)
		json_object_set_new(labels, "holder", json_string(holder));
	if (lxc) {
		json_object_set_new(labels, "guest", json_string("lxc"));
		snprintf(
		    ev, sizeof ev,
		    "a veth on a bridge (%s) named as Proxmox VE names a container's, "
		    "its config in the cluster's lxc directory",
		    lxc);
	} else if (unread)
		snprintf(ev, sizeof ev,
		         "a tap on a bridge (%s) whose holder the daemon could not read "
		         "(no permission): taken for a VM's, a VPN's would look the same",
		         unread);
	else
		snprintf(ev, sizeof ev, "a tap on a bridge held by %s, a hypervisor",
		         holder ? holder : "?");
	json_object_set_new(labels, "evidence", json_string(ev));
	return labels;
}

/* Notes this report as the hypervisor's newest unless one newer was applied:
 * then *stale is set, and what this report alone names is not running. A
 * report of no VM only moves the time of a hypervisor's known before (a
 * daemon that never reported a VM gets no row). */
static int note_report(struct batch_ctx *b, const char *hypervisor, bool any, bool *stale)
{
	const char *p[] = {b->org, b->network, hypervisor, b->daemon, b->seen};
	if (!any)
		return batch_exec(
		    b,
		    "UPDATE inv.vm_reports SET at = to_timestamp($5) WHERE "
		    "host_id = $3 AND daemon_id = $4 AND at < to_timestamp($5) "
		    "AND org_id = $1 AND network_id = $2",
		    5, p);
	PGresult *r = batch_query(
	    b,
	    "INSERT INTO inv.vm_reports (org_id, network_id, host_id, daemon_id, at) "
	    "VALUES ($1, $2, $3, $4, to_timestamp($5)) ON CONFLICT (host_id, daemon_id) "
	    "DO UPDATE SET at = greatest(inv.vm_reports.at, EXCLUDED.at) RETURNING at > "
	    "to_timestamp($5)",
	    5, p);
	if (!r)
		return -1;
	*stale = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	return 0;
}

/* This report's sighting of VM `key` on `parent` (migration 0024): its
 * runs take it and its change log follows them, vm_appeared at its first
 * sighting and a vm_moved {from, to} at each first sighting on another
 * host, whatever order the reports arrive in. */
static int sight_vm(struct batch_ctx *b, const char *parent, const char *key, json_t *vm,
                    const char *vname)
{
	json_t *by = json_pack("{s:{s:s, s:O?, s:s?}, s:s?, s:s}", "detail", "vm", key,
	                       "vmid", json_object_get(vm, "vmid"), "name", vname,
	                       "daemon", b->daemon && *b->daemon ? b->daemon : NULL,
	                       "sequence", b->seq_text);
	char *bt = by ? json_dumps(by, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(by);
	if (!bt)
		return -1;
	const char *p[] = {b->network, key, parent, b->seen, bt};
	int rc = batch_exec(b,
	                    "SELECT inv.vm_sight($1, w.id, $3, to_timestamp($4), "
	                    "$5::jsonb) FROM inv.workloads w WHERE w.network_id = $1 "
	                    "AND w.kind = 'vm' AND w.external_id = $2",
	                    5, p);
	free(bt);
	return rc;
}

static int upsert_vm(struct batch_ctx *b, const char *parent, const char *key, json_t *vm,
                     const char *cluster, bool stale)
{
	json_t *vmid = json_object_get(vm, "vmid");
	const char *vname = json_string_value(json_object_get(vm, "name"));
	char name[160];
	if (vname)
		snprintf(name, sizeof name, "%s", vname);
	else if (vmid)
		snprintf(name, sizeof name, "%s %lld",
		         json_object_get(vm, "lxc") ? "CT" : "VM",
		         (long long)json_integer_value(vmid));
	json_t *labels = vm_labels(vm, cluster);
	char *lt = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
	char *nt = json_dumps(json_object_get(vm, "networks"), JSON_COMPACT);
	json_decref(labels);
	int rc = -1;
	if (lt && nt) {
		const char *p[] = {b->org,
		                   b->network,
		                   key,
		                   parent,
		                   vname || vmid ? name : NULL,
		                   lt,
		                   nt,
		                   b->daemon,
		                   b->seen,
		                   stale ? "stopped" : "running"};
		rc = batch_exec(
		    b,
		    "INSERT INTO inv.workloads (org_id, network_id, kind, external_id, "
		    "parent_host, name, state, labels, networks, daemon_id, first_seen, "
		    "last_seen) VALUES ($1, $2, 'vm', $3, $4, $5, $10, $6, $7, $8, "
		    "to_timestamp($9), to_timestamp($9)) ON CONFLICT (network_id, kind, "
		    "external_id) DO UPDATE SET parent_host = EXCLUDED.parent_host, name "
		    "= coalesce(EXCLUDED.name, inv.workloads.name), state = "
		    "EXCLUDED.state, "
		    "labels = EXCLUDED.labels, networks = EXCLUDED.networks, daemon_id = "
		    "EXCLUDED.daemon_id, last_seen = EXCLUDED.last_seen WHERE "
		    "EXCLUDED.last_seen >= inv.workloads.last_seen",
		    10, p);
		if (rc == 0)
			rc = sight_vm(b, parent, key, vm, vname);
	}
	free(lt);
	free(nt);
	return rc;
}

/* A clustered Proxmox node's VMs were keyed by its daemon before 0020: their
 * rows take the cluster key (unless a row has it already), history kept. */
static int rekey(struct batch_ctx *b, json_t *renames)
{
	if (!json_object_size(renames))
		return 0;
	char *rt = json_dumps(renames, JSON_COMPACT);
	if (!rt)
		return -1;
	const char *p[] = {b->network, rt};
	int rc = batch_exec(b,
	                    "UPDATE inv.workloads w SET external_id = m.value FROM "
	                    "jsonb_each_text($2::jsonb) m WHERE w.network_id = $1 AND "
	                    "w.kind = 'vm' AND w.external_id = m.key AND NOT EXISTS "
	                    "(SELECT 1 FROM inv.workloads x WHERE x.network_id = $1 AND "
	                    "x.kind = 'vm' AND x.external_id = m.value)",
	                    2, p);
	free(rt);
	return rc;
}

int apply_vm_nics(struct batch_ctx *b, const char *hypervisor,
                  const Scanopy__V1__SelfReport *sr)
{
	json_t *vms = json_object(), *keys = json_array(), *renames = json_object();
	const char *cluster = cluster_ok(sr->vm_cluster);
	int rc = 0;
	for (size_t i = 0; i < sr->n_vm_nics && rc == 0; i++)
		rc = group_nic(vms, renames, b->daemon, cluster, sr->vm_nics[i]);
	bool stale = false;
	if (rc == 0)
		rc = rekey(b, renames);
	if (rc == 0)
		rc = note_report(b, hypervisor, json_object_size(vms) > 0, &stale);
	const char *key;
	json_t *vm;
	json_object_foreach(vms, key, vm)
	{
		if (rc == 0)
			rc = upsert_vm(b, hypervisor, key, vm, cluster, stale);
		json_array_append_new(keys, json_string(key));
	}
	/* This daemon's VMs on this host that it no longer reports. A VM that
	 * moved is under another host, or was reported later: not stopped. */
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
	json_decref(renames);
	if (sr->n_vm_nics)
		b->touched_workloads = true;
	return rc;
}
