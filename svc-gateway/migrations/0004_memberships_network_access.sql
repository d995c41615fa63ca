-- Organisations for MSPs (issue 8): a user belongs to many organisations with
-- a role in each, and members and viewers can be restricted to listed
-- networks. core.users keeps its org_id (the home organisation, where the
-- account was made) and role (its role there when made); memberships are
-- what access is decided on.
CREATE TABLE core.memberships (
    org_id        uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    user_id       uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    role          text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    -- false: a member or viewer sees only the networks of core.network_access
    -- (admins and owners always see every network).
    all_networks  boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON core.memberships (user_id);

INSERT INTO core.memberships (org_id, user_id, role, created_at)
SELECT org_id, id, role, created_at FROM core.users;

-- A user made in an organisation is its member (setup, POST /users, and
-- anything that inserts users directly).
CREATE FUNCTION core.user_home_membership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core.memberships (org_id, user_id, role)
    VALUES (NEW.org_id, NEW.id, NEW.role) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER user_home_membership AFTER INSERT ON core.users
    FOR EACH ROW EXECUTE FUNCTION core.user_home_membership();

-- The networks a restricted member or viewer may see.
CREATE TABLE core.network_access (
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL REFERENCES core.networks (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES core.memberships (org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX network_access_user ON core.network_access (org_id, user_id);

ALTER TABLE core.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.memberships
    USING (org_id = current_setting('scanopy.org_id', true)::uuid);
ALTER TABLE core.network_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.network_access FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.network_access
    USING (org_id = current_setting('scanopy.org_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON core.memberships, core.network_access TO scanopy_tenant;

-- An organisation sees the users who are its members, wherever their account
-- was made (reading only: changes go through the membership).
CREATE POLICY member_of_tenant ON core.users FOR SELECT
    USING (EXISTS (SELECT 1 FROM core.memberships m WHERE m.user_id = users.id
                   AND m.org_id = current_setting('scanopy.org_id', true)::uuid));

-- Per-network access, in the database: the gateway sets scanopy.network_ids
-- per transaction to the networks a restricted caller may see (a daemon key:
-- its one network) as a uuid[] literal, or leaves it empty for all. A
-- restrictive policy on every table with a network holds rows to that list,
-- so no route can forget the check. The list is read once per statement
-- (an InitPlan), not per row.
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT c.table_name, c.column_name FROM information_schema.columns c
             JOIN information_schema.tables b USING (table_schema, table_name)
             WHERE c.table_schema = 'core' AND b.table_type = 'BASE TABLE'
               AND (c.column_name = 'network_id' OR (c.table_name = 'networks' AND c.column_name = 'id'))
    LOOP
        EXECUTE format('CREATE POLICY network_access ON core.%I AS RESTRICTIVE USING ('
                       'coalesce(current_setting(''scanopy.network_ids'', true), '''') = '''' '
                       'OR %I IS NULL OR %I = ANY ((SELECT current_setting(''scanopy.network_ids'', '
                       'true)::uuid[])::uuid[]))', t.table_name, t.column_name, t.column_name);
    END LOOP;
END $$;
