-- A host merge (inv.merge_hosts, 0004) and a port's VLANs (0021): when both
-- hosts have the same interface, the merged one keeps the VLANs of the newer
-- report, whichever host had it, as a report arriving for it would; until
-- now into's were kept even when other's were newer. Everything else as in
-- 0004. A split (inv.split_host, 0011) moves whole interface rows, so an
-- interface's VLANs stay those of one report either way.

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
    -- Its VLANs are those of the newer report, as when a report arrives
    -- (0021): all five fields from one side, other's only when they were
    -- reported later (a tie keeps into's). Every SET reads t as it was.
    UPDATE inv.interfaces t SET mac = coalesce(t.mac, s.mac), if_index = coalesce(t.if_index, s.if_index),
        first_seen = LEAST(t.first_seen, s.first_seen), last_seen = GREATEST(t.last_seen, s.last_seen),
        pvid = CASE WHEN s.vlans_seen > coalesce(t.vlans_seen, '-infinity') THEN s.pvid ELSE t.pvid END,
        tagged_vlans = CASE WHEN s.vlans_seen > coalesce(t.vlans_seen, '-infinity')
                            THEN s.tagged_vlans ELSE t.tagged_vlans END,
        vlans_source = CASE WHEN s.vlans_seen > coalesce(t.vlans_seen, '-infinity')
                            THEN s.vlans_source ELSE t.vlans_source END,
        vlans_daemon_id = CASE WHEN s.vlans_seen > coalesce(t.vlans_seen, '-infinity')
                               THEN s.vlans_daemon_id ELSE t.vlans_daemon_id END,
        vlans_seen = CASE WHEN s.vlans_seen > coalesce(t.vlans_seen, '-infinity')
                          THEN s.vlans_seen ELSE t.vlans_seen END
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

