-- ServerPoll daemons as the scheduler calls them: when next, and how the last
-- calls went (a daemon that does not answer is called again with backoff).
-- One row per daemon, locked (SKIP LOCKED) while a replica calls it.
CREATE TABLE sched.server_polls (
    daemon_id     uuid        PRIMARY KEY,
    org_id        uuid        NOT NULL,
    next_poll_at  timestamptz NOT NULL DEFAULT '-infinity',
    last_poll_at  timestamptz,
    failures      integer     NOT NULL DEFAULT 0,
    last_error    text
);
ALTER TABLE sched.server_polls ENABLE ROW LEVEL SECURITY;
ALTER TABLE sched.server_polls FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sched.server_polls USING
    (org_id = current_setting('scanopy.org_id', true)::uuid);
GRANT SELECT ON sched.server_polls TO scanopy_tenant;
