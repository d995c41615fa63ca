-- Per-network access (the gateway's 0004_memberships_network_access.sql):
-- when a transaction's scanopy.network_ids lists networks, only their
-- schedules and sessions (and those sessions' events) are visible.
CREATE POLICY network_access ON sched.schedules AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR network_id = ANY ((SELECT current_setting('scanopy.network_ids', true)::uuid[])::uuid[]));
CREATE POLICY network_access ON sched.sessions AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR network_id = ANY ((SELECT current_setting('scanopy.network_ids', true)::uuid[])::uuid[]));
CREATE POLICY network_access ON sched.session_events AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR EXISTS (SELECT 1 FROM sched.sessions s WHERE s.id = session_id));
