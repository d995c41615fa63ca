-- The four views of each network, rendered ahead of the requests.
--
-- view_state.generation counts the changes to a network's model: every
-- transaction that changes what a view shows bumps it (inv.view_touch: the
-- topology service once per applied set, the triggers below for users'
-- edits and merges). view_cache holds each view as rendered from one
-- snapshot of the model at one generation; the gateway serves it only while
-- its generation is the network's and no node's stale flag has flipped
-- since (fresh_until), and renders the view itself otherwise.
--
-- Tenancy as everywhere (enabled, forced, per organisation and network),
-- and one more policy: the role that runs this migration (the topology
-- service's) lists every organisation's networks, to refresh their views and
-- sweep their hosts. The gateway, as scanopy_tenant, sees only its caller's.
CREATE TABLE inv.view_state (
    network_id  uuid PRIMARY KEY,
    org_id      uuid        NOT NULL,
    generation  bigint      NOT NULL DEFAULT 1,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inv.view_cache (
    network_id  uuid        NOT NULL,
    view        text        NOT NULL CHECK (view IN ('l2', 'l3', 'workloads', 'applications')),
    org_id      uuid        NOT NULL,
    generation  bigint      NOT NULL,
    built_at    timestamptz NOT NULL,
    fresh_until timestamptz, -- NULL: no node of the network can turn stale
    build_ms    integer     NOT NULL,
    -- The whole reply ({"view", "network_id", "generated_at", "nodes",
    -- "edges"}), gzip: megabytes of JSON at 10,000 hosts, a tenth of that
    -- to read, and sent as it is to clients that accept gzip.
    doc         bytea       NOT NULL,
    PRIMARY KEY (network_id, view)
);
-- Compressed already: stored as it is.
ALTER TABLE inv.view_cache ALTER COLUMN doc SET STORAGE EXTERNAL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['view_state', 'view_cache'] LOOP
        EXECUTE format('ALTER TABLE inv.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE inv.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY service_all ON inv.%I TO %I USING (true)', t,
                       current_user);
        EXECUTE format('CREATE POLICY tenant_isolation ON inv.%I USING '
                       '(org_id = current_setting(''scanopy.org_id'', true)::uuid)', t);
        EXECUTE format('CREATE POLICY network_access ON inv.%I AS RESTRICTIVE USING ('
                       'coalesce(current_setting(''scanopy.network_ids'', true), '''') = '''' '
                       'OR network_id = ANY ((SELECT current_setting(''scanopy.network_ids'', '
                       'true)::uuid[])::uuid[]))', t);
    END LOOP;
END $$;

-- The gateway reads the caches; its users' edits bump the generation.
GRANT SELECT ON inv.view_cache TO scanopy_tenant;
GRANT SELECT, INSERT, UPDATE ON inv.view_state TO scanopy_tenant;

-- A change to the network's model: its rendered views are out of date.
CREATE FUNCTION inv.view_touch(org uuid, net uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO inv.view_state AS s (network_id, org_id) VALUES (net, org)
    ON CONFLICT (network_id) DO UPDATE SET generation = s.generation + 1,
                                          changed_at = now()
$$;

-- Users' edits and merges change the views without the topology service:
-- a host renamed, a host deleted (merged into another). Scans never write
-- user_name and never delete hosts, so these cost the applies nothing.
CREATE FUNCTION inv.view_touch_host() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM inv.view_touch(OLD.org_id, OLD.network_id);
    ELSE
        PERFORM inv.view_touch(NEW.org_id, NEW.network_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER view_touch_rename AFTER UPDATE OF user_name ON inv.hosts FOR EACH ROW
    WHEN (OLD.user_name IS DISTINCT FROM NEW.user_name)
    EXECUTE FUNCTION inv.view_touch_host();
CREATE TRIGGER view_touch_delete AFTER DELETE ON inv.hosts FOR EACH ROW
    EXECUTE FUNCTION inv.view_touch_host();
