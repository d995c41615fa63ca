-- Applications users define, and users' own fields on inferred ones.
--
-- Scans (inv.rebuild_applications) write inv.applications' discovered
-- columns, inv.application_members and the inferred inv.application_edges;
-- they never write what this migration adds: a user's name, description and
-- tags of any application, the members users add (workloads, hosts, or one
-- service of a host, by host, protocol and port, so a re-fingerprinted
-- service stays a member), and the dependencies users draw between
-- applications (optionally from and to one of their members). User-created
-- applications have source 'user', which rebuilds never select.

ALTER TABLE inv.applications
    ADD COLUMN user_name   text,
    ADD COLUMN description text,
    ADD COLUMN tags        text[] NOT NULL DEFAULT '{}',
    ADD COLUMN created_by  uuid;

CREATE TABLE inv.application_user_members (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id  uuid        NOT NULL REFERENCES inv.applications (id) ON DELETE CASCADE,
    org_id          uuid        NOT NULL,
    network_id      uuid        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('workload', 'host', 'service')),
    workload_id     uuid        REFERENCES inv.workloads (id) ON DELETE CASCADE,
    host_id         uuid        REFERENCES inv.hosts (id) ON DELETE CASCADE,
    protocol        text,
    port            integer,
    role            text,
    added_by        uuid,
    added_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'workload' AND workload_id IS NOT NULL AND host_id IS NULL AND port IS NULL)
        OR (kind = 'host' AND host_id IS NOT NULL AND workload_id IS NULL AND port IS NULL)
        OR (kind = 'service' AND host_id IS NOT NULL AND workload_id IS NULL
            AND protocol IN ('tcp', 'udp') AND port BETWEEN 1 AND 65535))
);
CREATE UNIQUE INDEX application_user_members_one ON inv.application_user_members
    (application_id, kind, coalesce(workload_id, host_id), coalesce(protocol, ''), coalesce(port, 0));
CREATE INDEX application_user_members_host ON inv.application_user_members (host_id);
CREATE INDEX application_user_members_workload ON inv.application_user_members (workload_id);

-- "source depends on target": between two applications of one network, each
-- end narrowed to one of its application's user members when given.
CREATE TABLE inv.application_dependencies (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id          uuid        NOT NULL,
    network_id      uuid        NOT NULL,
    source_app      uuid        NOT NULL REFERENCES inv.applications (id) ON DELETE CASCADE,
    target_app      uuid        NOT NULL REFERENCES inv.applications (id) ON DELETE CASCADE,
    source_member   uuid        REFERENCES inv.application_user_members (id) ON DELETE CASCADE,
    target_member   uuid        REFERENCES inv.application_user_members (id) ON DELETE CASCADE,
    kind            text        NOT NULL DEFAULT 'depends',
    description     text,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (source_app <> target_app OR source_member IS DISTINCT FROM target_member)
);
CREATE UNIQUE INDEX application_dependencies_one ON inv.application_dependencies
    (source_app, target_app, coalesce(source_member, source_app), coalesce(target_member, target_app));
CREATE INDEX application_dependencies_target ON inv.application_dependencies (target_app);
CREATE INDEX application_dependencies_network ON inv.application_dependencies (network_id);

-- Tenancy and per-network access as every inv table (0003, 0006).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['application_user_members', 'application_dependencies'] LOOP
        EXECUTE format('ALTER TABLE inv.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE inv.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON inv.%I USING '
                       '(org_id = current_setting(''scanopy.org_id'', true)::uuid)', t);
        EXECUTE format('CREATE POLICY network_access ON inv.%I AS RESTRICTIVE USING ('
                       'coalesce(current_setting(''scanopy.network_ids'', true), '''') = '''' '
                       'OR network_id = ANY ((SELECT current_setting(''scanopy.network_ids'', '
                       'true)::uuid[])::uuid[]))', t);
    END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON inv.application_user_members,
    inv.application_dependencies TO scanopy_tenant;

-- A host merged into another (inv.merge_hosts, a scan's or a user's,
-- records the merge and then deletes the host): the members users made of
-- it follow it to the host it became part of, rather than going with it. A
-- member that host already has absorbs the duplicate and its dependencies.
CREATE OR REPLACE FUNCTION inv.user_members_follow_merge() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_into uuid;
    v_old uuid[];
    v_new uuid[];
BEGIN
    SELECT into_id INTO v_into FROM inv.host_merges WHERE other_id = OLD.id;
    IF v_into IS NULL THEN
        RETURN OLD;
    END IF;
    SELECT array_agg(m.id), array_agg(k.id) INTO v_old, v_new
    FROM inv.application_user_members m
    JOIN inv.application_user_members k ON k.application_id = m.application_id AND k.kind = m.kind
        AND k.host_id = v_into AND k.protocol IS NOT DISTINCT FROM m.protocol
        AND k.port IS NOT DISTINCT FROM m.port
    WHERE m.host_id = OLD.id;
    IF v_old IS NOT NULL THEN
        UPDATE inv.application_dependencies d SET source_member = t.new_id
        FROM unnest(v_old, v_new) AS t (old_id, new_id)
        WHERE d.source_member = t.old_id AND NOT EXISTS (
            SELECT 1 FROM inv.application_dependencies e WHERE e.source_app = d.source_app
              AND e.target_app = d.target_app AND e.source_member = t.new_id
              AND e.target_member IS NOT DISTINCT FROM d.target_member);
        UPDATE inv.application_dependencies d SET target_member = t.new_id
        FROM unnest(v_old, v_new) AS t (old_id, new_id)
        WHERE d.target_member = t.old_id AND NOT EXISTS (
            SELECT 1 FROM inv.application_dependencies e WHERE e.source_app = d.source_app
              AND e.target_app = d.target_app AND e.target_member = t.new_id
              AND e.source_member IS NOT DISTINCT FROM d.source_member);
        DELETE FROM inv.application_user_members WHERE id = ANY (v_old);
    END IF;
    UPDATE inv.application_user_members SET host_id = v_into WHERE host_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER user_members_follow_merge BEFORE DELETE ON inv.hosts
    FOR EACH ROW EXECUTE FUNCTION inv.user_members_follow_merge();

-- A compose project that is gone takes its application with it, unless a
-- user has made it theirs (a name, a description, tags, members or
-- dependencies of their own): that application stays, stale, with what the
-- user gave it.
CREATE OR REPLACE FUNCTION inv.application_kept(p_app uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM inv.applications a WHERE a.id = p_app
                   AND (a.user_name IS NOT NULL OR a.description IS NOT NULL
                        OR a.tags <> '{}'))
        OR EXISTS (SELECT 1 FROM inv.application_user_members m WHERE m.application_id = p_app)
        OR EXISTS (SELECT 1 FROM inv.application_dependencies d
                   WHERE p_app IN (d.source_app, d.target_app))
$$;

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
        AND NOT EXISTS (SELECT 1 FROM inv.workloads w WHERE w.network_id = p_network AND w.project = a.name)
        AND NOT inv.application_kept(a.id);
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
