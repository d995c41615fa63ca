-- Where each VM ran, as runs of sightings, so that its change log is the
-- same whatever order its hypervisors' reports arrive in (apply_vms.c).
--
-- A VM's sightings (a hypervisor's report naming it: that host, at the
-- report's time), ordered by (time, host), fall into runs: consecutive
-- sightings on one host. Its change log is a function of the runs alone:
-- vm_appeared at the first run's first sighting, then one vm_moved {from,
-- to} at the first sighting of each later run, each stamped with that
-- sighting's time and batch (daemon, sequence). A report applied late (a
-- redelivery, a daemon's backlog, two topology replicas) adds its sighting
-- where it belongs in time, and the change log is brought to the new runs'
-- by difference (inv.vm_sight): the new node's report first, then the old
-- node's older one, logs the same vm_moved as the other order.
--
-- Only a run's first and last sightings are kept (a VM reported every
-- minute for a year is two rows, not half a million). A late sighting on
-- another host strictly inside a run (the VM went and came back, reported
-- out of order) splits it at the sightings kept: the run's first and last;
-- a sighting between them that was not kept cannot be known, so the move
-- back is logged at the run's last sighting, where in order it would be at
-- the first one after the late sighting. The two agree whenever the VM was
-- seen once on the host after coming back before the late report arrived.
--
-- Rows of VMs from before this migration are seeded from their change log.
CREATE TABLE inv.vm_runs (
    org_id       uuid        NOT NULL,
    network_id   uuid        NOT NULL,
    workload_id  uuid        NOT NULL REFERENCES inv.workloads (id) ON DELETE CASCADE,
    host_id      uuid        NOT NULL,
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    -- {detail: {vm, vmid, name}, daemon, sequence} of its first and last sightings
    first_by     jsonb       NOT NULL,
    last_by      jsonb       NOT NULL,
    PRIMARY KEY (workload_id, first_at, host_id),
    CHECK (last_at >= first_at)
);
ALTER TABLE inv.vm_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE inv.vm_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inv.vm_runs USING
    (org_id = current_setting('scanopy.org_id', true)::uuid);
CREATE POLICY network_access ON inv.vm_runs AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR network_id = ANY ((SELECT current_setting('scanopy.network_ids', true)::uuid[])::uuid[]));
GRANT SELECT, INSERT, UPDATE, DELETE ON inv.vm_runs TO scanopy_tenant;

-- The change log a VM's runs make: [{at, host, from, by}], in time order.
-- Two runs of one host next to each other (after a merge of two hosts) are
-- no move.
CREATE FUNCTION inv.vm_run_changes(p_workload uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('at', x.first_at, 'host', x.host_id,
        'from', x.prev, 'by', x.first_by) ORDER BY x.first_at, x.host_id), '[]')
    FROM (SELECT r.first_at, r.host_id, r.first_by,
                 lag(r.host_id) OVER (ORDER BY r.first_at, r.host_id) AS prev
          FROM inv.vm_runs r WHERE r.workload_id = p_workload) x
    WHERE x.prev IS DISTINCT FROM x.host_id
$$;

-- Whether sighting batch a ({daemon, sequence}) comes before b: of two
-- batches that saw the same thing at the same time, the one kept.
CREATE FUNCTION inv.vm_by_before(a jsonb, b jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (coalesce(a->>'daemon', ''), coalesce(nullif(a->>'sequence', '')::bigint, 0))
         < (coalesce(b->>'daemon', ''), coalesce(nullif(b->>'sequence', '')::bigint, 0))
$$;

-- One sighting of VM p_workload on p_host at p_at, by p_by ({detail,
-- daemon, sequence}): the runs take it, the change log follows them. The
-- caller holds the network's lock (inv.lock_network), as every writer does.
CREATE FUNCTION inv.vm_sight(p_network uuid, p_workload uuid, p_host uuid,
                             p_at timestamptz, p_by jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r inv.vm_runs;
    nx inv.vm_runs;
    v_org uuid;
    before jsonb;
BEGIN
    SELECT org_id INTO v_org FROM inv.workloads WHERE id = p_workload;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- first sighting by time, whatever order reports arrive in
    UPDATE inv.workloads SET first_seen = p_at WHERE id = p_workload AND first_seen > p_at;
    SELECT * INTO r FROM inv.vm_runs WHERE workload_id = p_workload
        AND (first_at, host_id) <= (p_at, p_host) ORDER BY first_at DESC, host_id DESC LIMIT 1;
    IF r.workload_id IS NOT NULL AND r.host_id = p_host AND r.last_at >= p_at THEN
        -- within a run of this host: nothing new, unless this is its first or
        -- last sighting again from another batch (the same report resent
        -- under a new sequence, another replica's): the least batch is kept,
        -- so which arrived first does not show
        IF p_at = r.last_at AND inv.vm_by_before(p_by, r.last_by) THEN
            UPDATE inv.vm_runs SET last_by = p_by
            WHERE workload_id = p_workload AND first_at = r.first_at AND host_id = r.host_id;
        END IF;
        IF p_at > r.first_at OR NOT inv.vm_by_before(p_by, r.first_by) THEN
            RETURN;
        END IF;
        before := inv.vm_run_changes(p_workload);
        UPDATE inv.vm_runs SET first_by = p_by
        WHERE workload_id = p_workload AND first_at = r.first_at AND host_id = r.host_id;
    ELSIF r.workload_id IS NOT NULL AND r.host_id = p_host THEN -- the run goes on: no change
        UPDATE inv.vm_runs SET last_at = p_at, last_by = p_by
        WHERE workload_id = p_workload AND first_at = r.first_at AND host_id = r.host_id;
        RETURN;
    ELSE
        before := inv.vm_run_changes(p_workload);
    END IF;
    IF r.host_id = p_host THEN
        NULL; -- the first sighting's batch, above
    ELSIF r.workload_id IS NOT NULL AND (r.last_at, r.host_id) > (p_at, p_host) THEN
        -- strictly inside another host's run: split it at its kept sightings
        UPDATE inv.vm_runs SET last_at = first_at, last_by = first_by
        WHERE workload_id = p_workload AND first_at = r.first_at AND host_id = r.host_id;
        INSERT INTO inv.vm_runs VALUES (r.org_id, r.network_id, p_workload, r.host_id,
            r.last_at, r.last_at, r.last_by, r.last_by);
        INSERT INTO inv.vm_runs VALUES (v_org, p_network, p_workload, p_host, p_at, p_at,
            p_by, p_by);
    ELSE
        SELECT * INTO nx FROM inv.vm_runs WHERE workload_id = p_workload
            AND (first_at, host_id) > (p_at, p_host) ORDER BY first_at, host_id LIMIT 1;
        IF nx.workload_id IS NOT NULL AND nx.host_id = p_host THEN -- the next run starts earlier
            UPDATE inv.vm_runs SET first_at = p_at, first_by = p_by
            WHERE workload_id = p_workload AND first_at = nx.first_at AND host_id = nx.host_id;
        ELSE
            INSERT INTO inv.vm_runs VALUES (v_org, p_network, p_workload, p_host, p_at, p_at,
                p_by, p_by);
        END IF;
    END IF;
    -- the change log by difference: what the runs no longer make goes, what
    -- they now make comes
    WITH a AS (SELECT e FROM jsonb_array_elements(inv.vm_run_changes(p_workload)) e),
         b AS (SELECT e FROM jsonb_array_elements(before) e),
         gone AS (SELECT e FROM b EXCEPT SELECT e FROM a),
         del AS (DELETE FROM inv.changes c USING gone g WHERE c.network_id = p_network
             AND c.kind = CASE WHEN g.e->>'from' IS NULL THEN 'vm_appeared' ELSE 'vm_moved' END
             AND c.host_id = (g.e->>'host')::uuid AND c.at = (g.e->>'at')::timestamptz
             AND c.detail->>'vm' = g.e->'by'->'detail'->>'vm'
             AND c.detail->>'from' IS NOT DISTINCT FROM g.e->>'from')
    INSERT INTO inv.changes (org_id, network_id, at, kind, host_id, detail, daemon_id, sequence)
    SELECT v_org, p_network, (n.e->>'at')::timestamptz,
           CASE WHEN n.e->>'from' IS NULL THEN 'vm_appeared' ELSE 'vm_moved' END,
           (n.e->>'host')::uuid,
           coalesce(n.e->'by'->'detail', '{}') || CASE WHEN n.e->>'from' IS NULL THEN '{}'
               ELSE jsonb_build_object('from', n.e->'from', 'to', n.e->'host') END,
           nullif(n.e->'by'->>'daemon', '')::uuid, nullif(n.e->'by'->>'sequence', '')::bigint
    FROM (SELECT e FROM a EXCEPT SELECT e FROM b) n ORDER BY (n.e->>'at')::timestamptz;
END $$;

-- Two hosts merged (inv.merge_hosts records it here): the runs on the one
-- merged away are the kept one's, as its changes are.
CREATE FUNCTION inv.vm_runs_merged() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inv.vm_runs r SET host_id = NEW.into_id WHERE r.host_id = NEW.other_id
        AND NOT EXISTS (SELECT 1 FROM inv.vm_runs x WHERE x.workload_id = r.workload_id
                        AND x.first_at = r.first_at AND x.host_id = NEW.into_id);
    DELETE FROM inv.vm_runs WHERE host_id = NEW.other_id;
    RETURN NULL;
END $$;
CREATE TRIGGER vm_runs_merged AFTER INSERT OR UPDATE OF into_id ON inv.host_merges
    FOR EACH ROW EXECUTE FUNCTION inv.vm_runs_merged();

-- The VMs known before: a run per change of theirs (appeared, moved), the
-- last one lasting until the row's last sighting; a VM with no change
-- logged, one run on its host.
INSERT INTO inv.vm_runs (org_id, network_id, workload_id, host_id, first_at, last_at,
                         first_by, last_by)
SELECT w.org_id, w.network_id, w.id, c.host_id, c.at,
       CASE WHEN c.nxt IS NULL THEN greatest(w.last_seen, c.at) ELSE c.at END,
       jsonb_build_object('detail', c.detail - 'from' - 'to', 'daemon', c.daemon_id,
                          'sequence', c.sequence),
       jsonb_build_object('detail', c.detail - 'from' - 'to', 'daemon', c.daemon_id,
                          'sequence', c.sequence)
FROM inv.workloads w
JOIN LATERAL (SELECT DISTINCT ON (x.at, x.host_id) x.*,
                     lead(x.at) OVER (ORDER BY x.at, x.host_id) AS nxt
              FROM inv.changes x WHERE x.network_id = w.network_id
                AND x.kind IN ('vm_appeared', 'vm_moved') AND x.host_id IS NOT NULL
                AND x.detail->>'vm' = w.external_id
              ORDER BY x.at, x.host_id, x.id) c ON true
WHERE w.kind = 'vm'
ON CONFLICT DO NOTHING;
INSERT INTO inv.vm_runs (org_id, network_id, workload_id, host_id, first_at, last_at,
                         first_by, last_by)
SELECT w.org_id, w.network_id, w.id, w.parent_host, w.first_seen,
       greatest(w.first_seen, w.last_seen),
       jsonb_build_object('detail', jsonb_strip_nulls(jsonb_build_object('vm', w.external_id,
           'vmid', (w.labels->>'vmid')::bigint, 'name', w.name)), 'daemon', w.daemon_id,
           'sequence', NULL),
       jsonb_build_object('detail', jsonb_strip_nulls(jsonb_build_object('vm', w.external_id,
           'vmid', (w.labels->>'vmid')::bigint, 'name', w.name)), 'daemon', w.daemon_id,
           'sequence', NULL)
FROM inv.workloads w
WHERE w.kind = 'vm' AND w.parent_host IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM inv.vm_runs r WHERE r.workload_id = w.id);

-- Proxmox VE containers (LXC) are guests of kind 'vm' too, labelled guest
-- 'lxc' (apply_vms.c): like a VM each has its own MACs on its node's bridge,
-- is a host the scan finds, migrates in the cluster, and shares the
-- cluster's VM id space. GET /hosts/{id} says which a guest is.
CREATE OR REPLACE FUNCTION inv.host_vms(p_host uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object('id', w.id, 'external_id', w.external_id,
        'name', coalesce(w.name, h.user_name, h.name), 'vmid', (w.labels->>'vmid')::bigint,
        'guest', coalesce(w.labels->>'guest', 'vm'),
        'cluster', w.labels->>'cluster', 'holder', w.labels->>'holder',
        'evidence', w.labels->>'evidence', 'state', w.state,
        'networks', w.networks, 'host_id', v.host_id, 'host_name', coalesce(h.user_name, h.name),
        'first_seen', w.first_seen, 'last_seen', w.last_seen) ORDER BY w.external_id), '[]')
    FROM inv.workloads w
    CROSS JOIN LATERAL (SELECT inv.host_of_vm(w.id) AS host_id) v
    LEFT JOIN inv.hosts h ON h.id = v.host_id
    WHERE w.parent_host = p_host AND w.kind = 'vm'
$$;

CREATE OR REPLACE FUNCTION inv.host_hypervisor(p_host uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('workload_id', w.id, 'external_id', w.external_id,
        'name', w.name, 'vmid', (w.labels->>'vmid')::bigint,
        'guest', coalesce(w.labels->>'guest', 'vm'), 'state', w.state,
        'host_id', w.parent_host, 'host_name', coalesce(h.user_name, h.name))
    FROM inv.workloads w LEFT JOIN inv.hosts h ON h.id = w.parent_host
    WHERE w.id = inv.vm_of_host(p_host)
$$;
