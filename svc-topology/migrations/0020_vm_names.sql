-- Virtual machines: their names, who holds their taps, and migration within
-- a Proxmox VE cluster (see apply_vms.c).
--
-- A hypervisor's daemon now reports each VM's name (Proxmox qemu-server
-- config, libvirt domain XML), kept in inv.workloads.name, the process that
-- holds its tap (labels.holder: a hypervisor's, e.g. kvm, qemu-system-x86;
-- absent when the daemon could not read it, which labels.evidence says) and
-- the Proxmox cluster's name (labels.cluster). A clustered Proxmox VM is
-- keyed vmid:cluster:<cluster>:<vmid>, so its row follows it from node to
-- node; rows keyed by daemon before are re-keyed on the next report.

-- GET /hosts/{id}: a hypervisor's VMs, each with its name, evidence and the
-- host it is.
CREATE OR REPLACE FUNCTION inv.host_vms(p_host uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object('id', w.id, 'external_id', w.external_id,
        'name', coalesce(w.name, h.user_name, h.name), 'vmid', (w.labels->>'vmid')::bigint,
        'cluster', w.labels->>'cluster', 'holder', w.labels->>'holder',
        'evidence', w.labels->>'evidence', 'state', w.state,
        'networks', w.networks, 'host_id', v.host_id, 'host_name', coalesce(h.user_name, h.name),
        'first_seen', w.first_seen, 'last_seen', w.last_seen) ORDER BY w.external_id), '[]')
    FROM inv.workloads w
    CROSS JOIN LATERAL (SELECT inv.host_of_vm(w.id) AS host_id) v
    LEFT JOIN inv.hosts h ON h.id = v.host_id
    WHERE w.parent_host = p_host AND w.kind = 'vm'
$$;

-- GET /hosts/{id}: the VM a host is (with its name) and its hypervisor, or NULL.
CREATE OR REPLACE FUNCTION inv.host_hypervisor(p_host uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('workload_id', w.id, 'external_id', w.external_id,
        'name', w.name, 'vmid', (w.labels->>'vmid')::bigint, 'state', w.state,
        'host_id', w.parent_host, 'host_name', coalesce(h.user_name, h.name))
    FROM inv.workloads w LEFT JOIN inv.hosts h ON h.id = w.parent_host
    WHERE w.id = inv.vm_of_host(p_host)
$$;

-- The newest VM report applied per hypervisor host and daemon: a report
-- older than it (delivered late, replayed) marks the VMs it names that have
-- no newer sighting as stopped rather than running, since the newer report
-- did not name them (apply_vms.c); so the newest report wins whatever the
-- order of arrival.
CREATE TABLE inv.vm_reports (
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    host_id     uuid        NOT NULL REFERENCES inv.hosts (id) ON DELETE CASCADE,
    daemon_id   uuid        NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (host_id, daemon_id)
);
ALTER TABLE inv.vm_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE inv.vm_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inv.vm_reports USING
    (org_id = current_setting('scanopy.org_id', true)::uuid);
CREATE POLICY network_access ON inv.vm_reports AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR network_id = ANY ((SELECT current_setting('scanopy.network_ids', true)::uuid[])::uuid[]));
GRANT SELECT, INSERT, UPDATE, DELETE ON inv.vm_reports TO scanopy_tenant;
