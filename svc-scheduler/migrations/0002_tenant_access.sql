-- The gateway reads sessions and schedules, and asks for ad-hoc runs, as the
-- unprivileged scanopy_tenant role, so row-level security applies.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scanopy_tenant') THEN
        CREATE ROLE scanopy_tenant NOLOGIN NOBYPASSRLS;
    END IF;
END $$;
GRANT USAGE ON SCHEMA sched TO scanopy_tenant;
GRANT SELECT, INSERT, UPDATE ON sched.schedules, sched.sessions TO scanopy_tenant;
