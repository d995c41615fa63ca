-- The gateway reads the inventory as the unprivileged scanopy_tenant role, so
-- row-level security decides what each organisation sees.
DO $$
BEGIN
    CREATE ROLE scanopy_tenant NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another service's migration made it first
END $$;
GRANT USAGE ON SCHEMA inv TO scanopy_tenant;
GRANT SELECT ON ALL TABLES IN SCHEMA inv TO scanopy_tenant;
