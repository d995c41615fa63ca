-- Virtual machines and the hosts that are virtual.
--
-- A hypervisor's daemon reports its VM NICs (SelfReport.vm_nics: a tap on a
-- bridge and the MACs the bridge learned on it). Each VM is an inv.workloads
-- row of kind 'vm' under the hypervisor's host (parent_host), its NICs in
-- networks as [{network: bridge, mac, ifname, port_no}]. external_id:
--   vmid:<daemon id>:<vmid>  when the tap's name gives the VM id (Proxmox:
--                            tap<VMID>i<N>): one row per VM, all its NICs;
--                            VM ids are unique per hypervisor (per Proxmox
--                            cluster), the daemon id scopes them;
--   mac:<mac>                otherwise (libvirt vnet<N>, names that change on
--                            every start): the lowest MAC behind the tap,
--                            unique in the network, so a VM that moves to
--                            another hypervisor keeps its row.
-- The VM's own host (the one a scan found with that MAC) is tied to the
-- workload by its MAC identity key, at read time (inv.vm_of_host and the
-- views): a VM scanned before or after its hypervisor reports, or merged by
-- a user, is tied without any write.
--
-- Hosts whose MAC OUI is a hypervisor vendor's virtual NIC range are virtual
-- even when no hypervisor reports them: the list is this table, nowhere else.
CREATE TABLE inv.virtual_ouis (
    oui     text PRIMARY KEY CHECK (oui ~ '^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$'),
    vendor  text NOT NULL
);
INSERT INTO inv.virtual_ouis (oui, vendor) VALUES
    ('52:54:00', 'QEMU/KVM'),
    ('bc:24:11', 'Proxmox VE'),
    ('00:0c:29', 'VMware'),
    ('00:50:56', 'VMware'),
    ('00:05:69', 'VMware'),
    ('00:15:5d', 'Hyper-V'),
    ('08:00:27', 'VirtualBox'),
    ('00:16:3e', 'Xen'),
    ('00:1c:42', 'Parallels');
-- Reference data, the same for every tenant: no org_id, read by all.
GRANT SELECT ON inv.virtual_ouis TO scanopy_tenant;

-- A VM is found by its host's MAC keys through workloads_networks (0003).

-- The vendor whose virtual NIC a host's MAC is, or NULL. Runs as the caller:
-- row-level security applies.
CREATE OR REPLACE FUNCTION inv.host_virtual(p_host uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT o.vendor FROM inv.host_identities i
    JOIN inv.virtual_ouis o ON o.oui = left(i.value, 8)
    WHERE i.host_id = p_host AND i.kind = 'mac' ORDER BY i.value LIMIT 1
$$;

-- The VM workload a host is (by its MAC keys), newest first; NULL if none.
CREATE OR REPLACE FUNCTION inv.vm_of_host(p_host uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT w.id FROM inv.host_identities i
    JOIN inv.workloads w ON w.network_id = i.network_id AND w.kind = 'vm'
        AND w.networks @> jsonb_build_array(jsonb_build_object('mac', i.value))
    WHERE i.host_id = p_host AND i.kind = 'mac' AND w.parent_host IS DISTINCT FROM p_host
    ORDER BY w.last_seen DESC, w.id LIMIT 1
$$;

-- The host a VM workload is (by its NICs' MACs), or NULL.
CREATE OR REPLACE FUNCTION inv.host_of_vm(p_workload uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT i.host_id FROM inv.workloads w
    CROSS JOIN LATERAL jsonb_array_elements(w.networks) n
    JOIN inv.host_identities i ON i.network_id = w.network_id AND i.kind = 'mac'
        AND i.value = n->>'mac'
    WHERE w.id = p_workload AND w.kind = 'vm' AND i.host_id IS DISTINCT FROM w.parent_host
    ORDER BY i.last_seen DESC LIMIT 1
$$;

-- GET /hosts/{id}: a hypervisor's VMs, each with the host it is.
CREATE OR REPLACE FUNCTION inv.host_vms(p_host uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object('id', w.id, 'external_id', w.external_id,
        'name', coalesce(w.name, h.user_name, h.name), 'vmid', (w.labels->>'vmid')::bigint, 'state', w.state,
        'networks', w.networks, 'host_id', v.host_id, 'host_name', coalesce(h.user_name, h.name),
        'first_seen', w.first_seen, 'last_seen', w.last_seen) ORDER BY w.external_id), '[]')
    FROM inv.workloads w
    CROSS JOIN LATERAL (SELECT inv.host_of_vm(w.id) AS host_id) v
    LEFT JOIN inv.hosts h ON h.id = v.host_id
    WHERE w.parent_host = p_host AND w.kind = 'vm'
$$;

-- GET /hosts/{id}: the VM a host is and its hypervisor, or NULL.
CREATE OR REPLACE FUNCTION inv.host_hypervisor(p_host uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('workload_id', w.id, 'external_id', w.external_id,
        'vmid', (w.labels->>'vmid')::bigint, 'host_id', w.parent_host,
        'host_name', coalesce(h.user_name, h.name))
    FROM inv.workloads w LEFT JOIN inv.hosts h ON h.id = w.parent_host
    WHERE w.id = inv.vm_of_host(p_host)
$$;
