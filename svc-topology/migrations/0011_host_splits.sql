-- A user's split: identity keys taken off a host that wrongly joined two
-- machines, into a host of their own. The keys move, so later scans resolve
-- them to the new host; the pair is recorded as kept apart, so a report that
-- names keys of both (an SNMP or self report) no longer joins them again.
CREATE TABLE inv.host_splits (
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    a_id        uuid        NOT NULL,
    b_id        uuid        NOT NULL,
    by_user     text,
    reason      text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id <> b_id)
);
CREATE INDEX host_splits_b ON inv.host_splits (b_id);

ALTER TABLE inv.host_splits ENABLE ROW LEVEL SECURITY;
ALTER TABLE inv.host_splits FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inv.host_splits USING
    (org_id = current_setting('scanopy.org_id', true)::uuid);
CREATE POLICY network_access ON inv.host_splits AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR network_id = ANY ((SELECT current_setting('scanopy.network_ids', true)::uuid[])::uuid[]));
GRANT SELECT, INSERT, UPDATE, DELETE ON inv.host_splits TO scanopy_tenant;

-- True when a user split a from b (either way round).
CREATE OR REPLACE FUNCTION inv.kept_apart(p_a uuid, p_b uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM inv.host_splits
                   WHERE (a_id = p_a AND b_id = p_b) OR (a_id = p_b AND b_id = p_a))
$$;

-- A merge (by a user, who overrides an earlier split, or by a scan) carries
-- the other host's splits over to the host it became.
CREATE OR REPLACE FUNCTION inv.host_merged_splits() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM inv.host_splits WHERE (a_id = NEW.other_id AND b_id = NEW.into_id)
                                   OR (a_id = NEW.into_id AND b_id = NEW.other_id);
    INSERT INTO inv.host_splits (org_id, network_id, a_id, b_id, by_user, reason, at)
    SELECT org_id, network_id, CASE WHEN a_id = NEW.other_id THEN NEW.into_id ELSE a_id END,
           CASE WHEN b_id = NEW.other_id THEN NEW.into_id ELSE b_id END, by_user, reason, at
    FROM inv.host_splits WHERE a_id = NEW.other_id OR b_id = NEW.other_id
    ON CONFLICT DO NOTHING;
    DELETE FROM inv.host_splits WHERE a_id = NEW.other_id OR b_id = NEW.other_id;
    RETURN NULL;
END $$;
CREATE TRIGGER host_merges_splits AFTER INSERT OR UPDATE ON inv.host_merges
    FOR EACH ROW EXECUTE FUNCTION inv.host_merged_splits();

-- Takes the keys p_keys (a JSON array of {kind, value}) off p_host into a
-- new host, with the addresses of its ip keys and of its mac keys, the
-- interfaces of its mac keys, and the ports and services seen on the
-- addresses that moved. Every key must be the host's and at least one must
-- stay: else nothing changes and problem says why (not_found, not_its_keys,
-- no_key_left). Takes the network's lock, as every writer of its model.
CREATE OR REPLACE FUNCTION inv.split_host(p_host uuid, p_keys json, p_by text,
                                          OUT new_id uuid, OUT network_id uuid,
                                          OUT problem text)
LANGUAGE plpgsql AS $$
DECLARE
    h inv.hosts;
    named integer;
    moved integer;
    total integer;
BEGIN
    SELECT * INTO h FROM inv.hosts WHERE id = p_host;
    IF NOT FOUND THEN
        problem := 'not_found';
        RETURN;
    END IF;
    network_id := h.network_id;
    PERFORM pg_advisory_xact_lock(hashtextextended('inv:' || h.network_id::text, 0));
    SELECT count(*) INTO named FROM json_to_recordset(p_keys) AS k(kind text, value text);
    SELECT count(*) INTO moved FROM inv.host_identities i
    JOIN json_to_recordset(p_keys) AS k(kind text, value text)
      ON i.kind = k.kind AND i.value = k.value
    WHERE i.host_id = p_host;
    SELECT count(*) INTO total FROM inv.host_identities WHERE host_id = p_host;
    IF named = 0 OR moved <> named THEN
        problem := 'not_its_keys';
        RETURN;
    END IF;
    IF moved = total THEN
        problem := 'no_key_left';
        RETURN;
    END IF;

    new_id := gen_random_uuid();
    INSERT INTO inv.hosts (id, org_id, network_id, kind, provenance, first_seen, last_seen)
    VALUES (new_id, h.org_id, h.network_id, 'host', '{}', h.first_seen, h.last_seen);
    UPDATE inv.host_identities i SET host_id = new_id, reason = 'split off by a user'
    FROM json_to_recordset(p_keys) AS k(kind text, value text)
    WHERE i.host_id = p_host AND i.kind = k.kind AND i.value = k.value;
    UPDATE inv.addresses a SET host_id = new_id WHERE a.host_id = p_host AND (
        host(a.ip) IN (SELECT value FROM inv.host_identities WHERE host_id = new_id AND kind = 'ip')
        OR a.mac::text IN (SELECT value FROM inv.host_identities WHERE host_id = new_id AND kind = 'mac'));
    UPDATE inv.interfaces f SET host_id = new_id WHERE f.host_id = p_host
        AND f.mac::text IN (SELECT value FROM inv.host_identities WHERE host_id = new_id AND kind = 'mac');
    -- Ports seen on a moved address go with it, and so do their services and
    -- the users' application members naming those services (0008).
    WITH mp AS (
        UPDATE inv.ports p SET host_id = new_id WHERE p.host_id = p_host
            AND p.ip IN (SELECT ip FROM inv.addresses WHERE host_id = new_id)
        RETURNING protocol, port),
    ms AS (
        UPDATE inv.services s SET host_id = new_id FROM mp
        WHERE s.host_id = p_host AND s.protocol = mp.protocol AND s.port = mp.port
        RETURNING 1)
    UPDATE inv.application_user_members m SET host_id = new_id FROM mp
    WHERE m.host_id = p_host AND m.kind = 'service' AND m.protocol = mp.protocol
      AND m.port = mp.port;
    DELETE FROM inv.links WHERE a_host = p_host OR b_host = p_host;

    INSERT INTO inv.host_splits (org_id, network_id, a_id, b_id, by_user, reason)
    VALUES (h.org_id, h.network_id, p_host, new_id, p_by, 'split by a user');
    PERFORM inv.view_touch(h.org_id, h.network_id); -- its views are out of date (0007)
END $$;
