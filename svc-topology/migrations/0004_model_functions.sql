-- Set-based maintenance of the model, shared by the topology service (after
-- each batch) and the gateway (a user's merge). SECURITY INVOKER: row-level
-- security applies to whoever calls them. Each is a pure function of the
-- stored observations and identities, so the order batches arrived in does
-- not change the outcome.

-- Merges host `other` into `into`: every row of other's moves (newest facts
-- win where both have one), users' fields fill in where `into` has none, and
-- the decision is recorded. Callers hold the network's advisory lock.
CREATE OR REPLACE FUNCTION inv.merge_hosts(p_into uuid, p_other uuid, p_reason text, p_by text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE o inv.hosts;
BEGIN
    IF p_into = p_other THEN RETURN; END IF;
    SELECT * INTO o FROM inv.hosts WHERE id = p_other;
    IF NOT FOUND THEN RETURN; END IF;
    UPDATE inv.hosts h SET
        name = CASE WHEN o.name_rank > h.name_rank OR (o.name_rank = h.name_rank AND
                    (o.name_at, o.name) > (h.name_at, h.name)) THEN o.name ELSE h.name END,
        name_source = CASE WHEN o.name_rank > h.name_rank OR (o.name_rank = h.name_rank AND
                    (o.name_at, o.name) > (h.name_at, h.name)) THEN o.name_source ELSE h.name_source END,
        name_at = GREATEST(h.name_at, o.name_at),
        name_rank = GREATEST(h.name_rank, o.name_rank),
        kind = CASE WHEN h.kind = 'host' THEN o.kind ELSE h.kind END,
        sys_descr = coalesce(h.sys_descr, o.sys_descr),
        sys_object_id = coalesce(h.sys_object_id, o.sys_object_id),
        os = coalesce(h.os, o.os),
        is_daemon = h.is_daemon OR o.is_daemon,
        user_name = coalesce(h.user_name, o.user_name),
        description = coalesce(h.description, o.description),
        tags = ARRAY(SELECT DISTINCT unnest(h.tags || o.tags) ORDER BY 1),
        provenance = o.provenance || h.provenance,
        first_seen = LEAST(h.first_seen, o.first_seen),
        last_seen = GREATEST(h.last_seen, o.last_seen)
    WHERE h.id = p_into;

    UPDATE inv.host_identities SET host_id = p_into WHERE host_id = p_other;
    UPDATE inv.addresses SET host_id = p_into WHERE host_id = p_other;
    -- Interfaces: same name (or, unnamed, same MAC) is the same interface.
    UPDATE inv.interfaces t SET mac = coalesce(t.mac, s.mac), if_index = coalesce(t.if_index, s.if_index),
        first_seen = LEAST(t.first_seen, s.first_seen), last_seen = GREATEST(t.last_seen, s.last_seen)
    FROM inv.interfaces s WHERE s.host_id = p_other AND t.host_id = p_into
        AND ((s.name IS NOT NULL AND t.name = s.name) OR (s.name IS NULL AND t.name IS NULL AND t.mac = s.mac));
    DELETE FROM inv.interfaces s WHERE s.host_id = p_other AND EXISTS (SELECT 1 FROM inv.interfaces t
        WHERE t.host_id = p_into AND ((s.name IS NOT NULL AND t.name = s.name)
                                      OR (s.name IS NULL AND t.name IS NULL AND t.mac = s.mac)));
    -- An unnamed interface whose MAC a named one has is that one.
    DELETE FROM inv.interfaces s WHERE s.host_id = p_other AND s.name IS NULL AND EXISTS (
        SELECT 1 FROM inv.interfaces t WHERE t.host_id = p_into AND t.mac = s.mac);
    UPDATE inv.interfaces SET host_id = p_into WHERE host_id = p_other;
    DELETE FROM inv.interfaces s WHERE s.host_id = p_into AND s.name IS NULL AND EXISTS (
        SELECT 1 FROM inv.interfaces t WHERE t.host_id = p_into AND t.name IS NOT NULL AND t.mac = s.mac);

    INSERT INTO inv.ports (host_id, org_id, protocol, port, status, ip, daemon_id, first_seen, last_seen)
    SELECT p_into, org_id, protocol, port, status, ip, daemon_id, first_seen, last_seen
    FROM inv.ports WHERE host_id = p_other
    ON CONFLICT (host_id, protocol, port) DO UPDATE SET
        status = CASE WHEN EXCLUDED.last_seen > inv.ports.last_seen THEN EXCLUDED.status ELSE inv.ports.status END,
        first_seen = LEAST(inv.ports.first_seen, EXCLUDED.first_seen),
        last_seen = GREATEST(inv.ports.last_seen, EXCLUDED.last_seen);
    DELETE FROM inv.ports WHERE host_id = p_other;
    INSERT INTO inv.services (host_id, org_id, protocol, port, definition_id, name, category, product,
                              version, confidence, evidence, daemon_id, first_seen, last_seen)
    SELECT p_into, org_id, protocol, port, definition_id, name, category, product, version,
           confidence, evidence, daemon_id, first_seen, last_seen
    FROM inv.services WHERE host_id = p_other
    ON CONFLICT (host_id, protocol, port, definition_id) DO UPDATE SET
        product = CASE WHEN EXCLUDED.last_seen > inv.services.last_seen THEN EXCLUDED.product ELSE inv.services.product END,
        version = CASE WHEN EXCLUDED.last_seen > inv.services.last_seen THEN EXCLUDED.version ELSE inv.services.version END,
        first_seen = LEAST(inv.services.first_seen, EXCLUDED.first_seen),
        last_seen = GREATEST(inv.services.last_seen, EXCLUDED.last_seen);
    DELETE FROM inv.services WHERE host_id = p_other;
    INSERT INTO inv.if_entries SELECT p_into, org_id, network_id, if_index, name, descr, alias, if_type,
        mtu, speed_bps, mac, admin_up, oper_up, vlan_id, daemon_id, first_seen, last_seen
    FROM inv.if_entries WHERE host_id = p_other ON CONFLICT DO NOTHING;
    DELETE FROM inv.if_entries WHERE host_id = p_other;
    INSERT INTO inv.neighbors SELECT p_into, org_id, network_id, local_port, protocol, remote_chassis_id,
        remote_port_id, remote_port_descr, remote_sys_name, remote_mgmt, remote_caps, remote_port,
        daemon_id, first_seen, last_seen
    FROM inv.neighbors WHERE host_id = p_other ON CONFLICT DO NOTHING;
    DELETE FROM inv.neighbors WHERE host_id = p_other;
    INSERT INTO inv.fdb SELECT p_into, org_id, network_id, mac, vlan_id, port, status, daemon_id,
        first_seen, last_seen
    FROM inv.fdb WHERE host_id = p_other ON CONFLICT DO NOTHING;
    DELETE FROM inv.fdb WHERE host_id = p_other;
    INSERT INTO inv.arp SELECT p_into, org_id, network_id, ip, mac, if_index, daemon_id, first_seen, last_seen
    FROM inv.arp WHERE host_id = p_other ON CONFLICT DO NOTHING;
    DELETE FROM inv.arp WHERE host_id = p_other;
    UPDATE inv.workloads SET parent_host = p_into WHERE parent_host = p_other;
    UPDATE inv.changes SET host_id = p_into WHERE host_id = p_other;
    UPDATE inv.host_merges SET into_id = p_into WHERE into_id = p_other;
    DELETE FROM inv.links WHERE a_host = p_other OR b_host = p_other;

    INSERT INTO inv.host_merges (org_id, network_id, other_id, into_id, by_user, reason)
    VALUES (o.org_id, o.network_id, p_other, p_into, p_by, p_reason)
    ON CONFLICT (other_id) DO UPDATE SET into_id = EXCLUDED.into_id;
    DELETE FROM inv.hosts WHERE id = p_other;
END $$;

-- The port name a MAC-addressed port shows: the interface holding that MAC
-- (named), else the MAC itself.
CREATE OR REPLACE FUNCTION inv.port_of_mac(p_host uuid, p_mac macaddr)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT name FROM inv.interfaces WHERE host_id = p_host AND mac = p_mac
                     AND name IS NOT NULL ORDER BY name LIMIT 1), p_mac::text)
$$;

-- Cables of a network, recomputed from what devices report:
--  * LLDP/CDP: a device's neighbour entry names the far end's chassis (or
--    management address, or system name) and port; either side suffices.
--  * FDB: a switch port, not already explained by LLDP and not an uplink,
--    whose forwarding table holds exactly one learned MAC leads to the host
--    with that MAC. Uplinks are ports whose LLDP neighbour is a switch (a host
--    with its own FDB, or announcing the bridge capability) or that carry
--    more than one MAC.
-- User-typed links (source 'user') are kept.
CREATE OR REPLACE FUNCTION inv.rebuild_links(p_network uuid)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS new_links (a_host uuid, a_port text, b_host uuid, b_port text,
        source text, first_seen timestamptz, last_seen timestamptz, org_id uuid) ON COMMIT DROP;
    TRUNCATE new_links;

    INSERT INTO new_links
    SELECT nb.host_id, nb.local_port, r.host_id, nb.remote_port, nb.protocol, nb.first_seen,
           nb.last_seen, nb.org_id
    FROM inv.neighbors nb
    CROSS JOIN LATERAL (
        SELECT i.host_id FROM inv.host_identities i
        WHERE i.network_id = p_network AND (
            (i.kind = 'snmp_chassis' AND i.value = lower(nb.remote_chassis_id)) OR
            (i.kind = 'mac' AND i.value = lower(nb.remote_chassis_id)) OR
            (i.kind = 'ip' AND i.value = ANY (nb.remote_mgmt)) OR
            (i.kind = 'sysname' AND i.value = lower(nb.remote_sys_name)))
        ORDER BY CASE i.kind WHEN 'snmp_chassis' THEN 0 WHEN 'mac' THEN 1 WHEN 'ip' THEN 2 ELSE 3 END
        LIMIT 1) r
    WHERE nb.network_id = p_network AND r.host_id <> nb.host_id;

    INSERT INTO new_links
    WITH ports AS (
        SELECT f.host_id, f.port, count(DISTINCT f.mac) AS macs, min(f.mac::text)::macaddr AS mac,
               min(f.first_seen) AS first_seen, max(f.last_seen) AS last_seen, min(f.org_id::text)::uuid AS org_id
        FROM inv.fdb f WHERE f.network_id = p_network AND coalesce(f.status, 3) <> 4
        GROUP BY f.host_id, f.port),
    switches AS (SELECT DISTINCT host_id FROM inv.fdb WHERE network_id = p_network)
    SELECT p.host_id, p.port, m.host_id, inv.port_of_mac(m.host_id, p.mac), 'fdb', p.first_seen,
           p.last_seen, p.org_id
    FROM ports p
    CROSS JOIN LATERAL (SELECT i.host_id FROM inv.host_identities i WHERE i.network_id = p_network
                        AND i.kind = 'mac' AND i.value = p.mac::text) m
    WHERE p.macs = 1 AND m.host_id <> p.host_id
      AND NOT EXISTS (SELECT 1 FROM new_links l WHERE (l.a_host = p.host_id AND l.a_port = p.port)
                                                   OR (l.b_host = p.host_id AND l.b_port = p.port))
      AND NOT EXISTS (SELECT 1 FROM inv.neighbors nb WHERE nb.host_id = p.host_id AND nb.local_port = p.port
                      AND (coalesce(nb.remote_caps, 0) & 4 <> 0 OR EXISTS (
                          SELECT 1 FROM new_links l JOIN switches s ON s.host_id = l.b_host
                          WHERE l.a_host = p.host_id AND l.a_port = p.port)))
      -- the far host is not a switch whose own uplink this is
      AND NOT EXISTS (SELECT 1 FROM switches s WHERE s.host_id = m.host_id);

    -- One row per cable, ends in a fixed order.
    CREATE TEMP TABLE IF NOT EXISTS canon_links (LIKE new_links) ON COMMIT DROP;
    TRUNCATE canon_links;
    INSERT INTO canon_links
    SELECT CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN a_host ELSE b_host END,
           CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN a_port ELSE b_port END,
           CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN b_host ELSE a_host END,
           CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN b_port ELSE a_port END,
           min(source), min(first_seen), max(last_seen), min(org_id::text)::uuid
    FROM new_links GROUP BY 1, 2, 3, 4;

    DELETE FROM inv.links l WHERE l.network_id = p_network AND l.source <> 'user'
        AND NOT EXISTS (SELECT 1 FROM canon_links c WHERE c.a_host = l.a_host AND c.a_port = l.a_port
                        AND c.b_host = l.b_host AND c.b_port = l.b_port);
    INSERT INTO inv.links (org_id, network_id, a_host, a_port, b_host, b_port, source, first_seen, last_seen)
    SELECT org_id, p_network, a_host, a_port, b_host, b_port, source, first_seen, last_seen FROM canon_links
    ON CONFLICT (network_id, a_host, a_port, b_host, b_port) DO UPDATE SET
        source = EXCLUDED.source, last_seen = GREATEST(inv.links.last_seen, EXCLUDED.last_seen);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Subnets and roles of a network:
--  * an address outside every known subnet gets an inferred /24 (/64 for IPv6);
--  * each address belongs to the smallest known subnet holding it;
--  * a host with addresses in two or more subnets routes between them (kind
--    router, unless it is a switch), and its address in a subnet is that
--    subnet's gateway unless a daemon reported its default gateway there;
--  * a host with a forwarding table is a switch.
CREATE OR REPLACE FUNCTION inv.rebuild_l3(p_network uuid)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inv.subnets (org_id, network_id, cidr, kind, source, first_seen, last_seen)
    SELECT min(a.org_id::text)::uuid, p_network,
           network(set_masklen(a.ip, CASE WHEN family(a.ip) = 4 THEN 24 ELSE 64 END)), 'inferred',
           'inferred', min(a.first_seen), max(a.last_seen)
    FROM inv.addresses a
    WHERE a.network_id = p_network AND NOT EXISTS (
        SELECT 1 FROM inv.subnets s WHERE s.network_id = p_network AND s.cidr >>= a.ip)
      AND NOT (a.ip << '127.0.0.0/8'::inet OR a.ip = '::1'::inet)
    GROUP BY 3
    ON CONFLICT (network_id, cidr) DO NOTHING;

    UPDATE inv.addresses a SET subnet_id = x.best
    FROM (SELECT a2.network_id, a2.ip, (SELECT s.id FROM inv.subnets s WHERE s.network_id = p_network
                  AND s.cidr >>= a2.ip ORDER BY masklen(s.cidr) DESC LIMIT 1) AS best
          FROM inv.addresses a2 WHERE a2.network_id = p_network) x
    WHERE a.network_id = p_network AND x.network_id = a.network_id AND x.ip = a.ip
      AND a.subnet_id IS DISTINCT FROM x.best;

    UPDATE inv.hosts h SET kind = 'switch'
    WHERE h.network_id = p_network AND h.kind <> 'switch'
      AND EXISTS (SELECT 1 FROM inv.fdb f WHERE f.host_id = h.id);
    UPDATE inv.hosts h SET kind = 'router'
    WHERE h.network_id = p_network AND h.kind = 'host'
      AND (SELECT count(DISTINCT a.subnet_id) FROM inv.addresses a
           JOIN inv.subnets s ON s.id = a.subnet_id AND s.kind NOT IN ('docker_bridge', 'loopback', 'virtual')
           WHERE a.host_id = h.id) >= 2;
    UPDATE inv.subnets s SET gateway = x.gw
    FROM (SELECT s2.id, (SELECT a.ip FROM inv.addresses a JOIN inv.hosts h ON h.id = a.host_id
                         AND h.kind = 'router' WHERE a.subnet_id = s2.id ORDER BY a.ip LIMIT 1) AS gw
          FROM inv.subnets s2 WHERE s2.network_id = p_network
            AND (s2.source <> 'self_report' OR s2.gateway IS NULL)) x
    WHERE s.id = x.id AND x.gw IS NOT NULL AND s.gateway IS DISTINCT FROM x.gw;
END $$;

-- Applications from compose projects: one per project label, its containers
-- as members, and an inferred dependency between every two members of a
-- project attached to a common Docker network (both directions are one edge,
-- from the lower to the higher name).
CREATE OR REPLACE FUNCTION inv.rebuild_applications(p_network uuid)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inv.applications (org_id, network_id, name, source, first_seen, last_seen)
    SELECT min(w.org_id::text)::uuid, p_network, w.project, 'compose', min(w.first_seen), max(w.last_seen)
    FROM inv.workloads w WHERE w.network_id = p_network AND w.project IS NOT NULL
    GROUP BY w.project
    ON CONFLICT (network_id, source, name) DO UPDATE SET
        last_seen = GREATEST(inv.applications.last_seen, EXCLUDED.last_seen);
    DELETE FROM inv.applications a WHERE a.network_id = p_network AND a.source = 'compose'
        AND NOT EXISTS (SELECT 1 FROM inv.workloads w WHERE w.network_id = p_network AND w.project = a.name);
    DELETE FROM inv.application_members m USING inv.applications a, inv.workloads w
    WHERE m.application_id = a.id AND a.network_id = p_network AND a.source = 'compose'
      AND w.id = m.workload_id AND w.project IS DISTINCT FROM a.name;
    INSERT INTO inv.application_members (application_id, org_id, workload_id, role)
    SELECT a.id, w.org_id, w.id, w.labels ->> 'com.docker.compose.service'
    FROM inv.workloads w JOIN inv.applications a ON a.network_id = p_network AND a.source = 'compose'
        AND a.name = w.project
    WHERE w.network_id = p_network
    ON CONFLICT (application_id, workload_id) DO UPDATE SET role = EXCLUDED.role;
    DELETE FROM inv.application_edges e USING inv.applications a
    WHERE e.application_id = a.id AND a.network_id = p_network AND e.inferred;
    INSERT INTO inv.application_edges (application_id, org_id, source_id, target_id, kind, inferred, reason)
    SELECT DISTINCT ON (a.id, x.id, y.id) a.id, a.org_id, x.id, y.id, 'depends', true,
           'same compose project and Docker network ' || (nx.value ->> 'network')
    FROM inv.applications a
    JOIN inv.workloads x ON x.network_id = p_network AND x.project = a.name
    JOIN inv.workloads y ON y.network_id = p_network AND y.project = a.name
        AND (coalesce(x.name, x.external_id), x.external_id) < (coalesce(y.name, y.external_id), y.external_id)
    CROSS JOIN LATERAL jsonb_array_elements(x.networks) nx
    WHERE a.network_id = p_network AND a.source = 'compose'
      AND EXISTS (SELECT 1 FROM jsonb_array_elements(y.networks) ny
                  WHERE ny.value ->> 'network' = nx.value ->> 'network')
    ORDER BY a.id, x.id, y.id, nx.value ->> 'network'
    ON CONFLICT DO NOTHING;
END $$;
