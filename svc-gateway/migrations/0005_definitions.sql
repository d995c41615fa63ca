-- An organisation's own fingerprint definitions: each a definition object as
-- the fingerprint service's loader reads it (id, name, category, match, ...),
-- validated by that loader before it is stored, and delivered to every
-- fingerprint replica through the scanopy_defs key-value bucket.
CREATE TABLE core.definitions (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    definition_id  text        NOT NULL,   -- the definition's own id (may replace a built-in one)
    body           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     uuid,
    UNIQUE (org_id, definition_id)
);

ALTER TABLE core.definitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.definitions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.definitions
    USING (org_id = current_setting('scanopy.org_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON core.definitions TO scanopy_tenant;
