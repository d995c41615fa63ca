-- The gateway reads sessions and schedules, and asks for ad-hoc runs, as the
-- unprivileged scanopy_tenant role, so row-level security applies.
DO $$
BEGIN
    CREATE ROLE scanopy_tenant NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another service's migration made it first
END $$;
GRANT USAGE ON SCHEMA sched TO scanopy_tenant;
GRANT SELECT, INSERT, UPDATE ON sched.schedules, sched.sessions TO scanopy_tenant;
