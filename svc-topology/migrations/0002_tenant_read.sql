-- The gateway reads the inventory as the unprivileged scanopy_tenant role, so
-- row-level security decides what each organisation sees.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scanopy_tenant') THEN
        CREATE ROLE scanopy_tenant NOLOGIN NOBYPASSRLS;
    END IF;
END $$;
GRANT USAGE ON SCHEMA inv TO scanopy_tenant;
GRANT SELECT ON ALL TABLES IN SCHEMA inv TO scanopy_tenant;
