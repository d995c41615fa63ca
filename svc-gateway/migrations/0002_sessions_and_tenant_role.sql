-- Login sessions, and the unprivileged role every tenant-scoped request runs
-- as (SET LOCAL ROLE), so row-level security applies even when the gateway's
-- own connection belongs to a privileged role.

DO $$
BEGIN
    CREATE ROLE scanopy_tenant NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another service's migration made it first
END $$;

CREATE TABLE core.user_sessions (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    token_hash  bytea       NOT NULL UNIQUE,   -- SHA-256 of the cookie value
    csrf_token  text        NOT NULL,          -- echoed in X-CSRF-Token on unsafe methods
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

ALTER TABLE core.user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.user_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.user_sessions
    USING (org_id = current_setting('scanopy.org_id', true)::uuid);

ALTER TABLE core.api_keys ADD COLUMN name text;
ALTER TABLE core.daemons ADD COLUMN hostname text;

-- Organisations are visible to their own members only.
ALTER TABLE core.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.organizations
    USING (id = current_setting('scanopy.org_id', true)::uuid);

GRANT USAGE ON SCHEMA core TO scanopy_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA core TO scanopy_tenant;

-- The gateway's own login role switches to scanopy_tenant per request.
GRANT scanopy_tenant TO CURRENT_USER;
