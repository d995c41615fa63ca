-- Views under constant ingestion (0007): while a daemon keeps scanning, a
-- network's generation keeps moving and its rendered views are almost never
-- current. The gateway may then serve the last rendering, saying how far
-- behind it is, but never one that misses a user's own edit: a rename, tags,
-- a split, a merge, an application must show at once.
--
-- user_generation is the generation of the network's latest such edit: a
-- rendering of an older generation must not be served. inv.view_touch, which
-- the triggers of 0007 and 0012 and inv.split_host (0011) call, now records
-- it; the topology service's applies call inv.view_touch_scan instead, which
-- bumps the generation only. A caller that does not say which it is gets the
-- strict one.
ALTER TABLE inv.view_state ADD COLUMN user_generation bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION inv.view_touch(org uuid, net uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO inv.view_state AS s (network_id, org_id, user_generation)
    VALUES (net, org, 1)
    ON CONFLICT (network_id) DO UPDATE SET generation = s.generation + 1,
                                          user_generation = s.generation + 1,
                                          changed_at = now()
$$;

CREATE FUNCTION inv.view_touch_scan(org uuid, net uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO inv.view_state AS s (network_id, org_id) VALUES (net, org)
    ON CONFLICT (network_id) DO UPDATE SET generation = s.generation + 1,
                                          changed_at = now()
$$;
