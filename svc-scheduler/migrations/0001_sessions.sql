-- Discovery schedules and the sessions they start. Sessions live here, not in
-- memory, so a restart of any process loses none.

CREATE TABLE sched.schedules (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid        NOT NULL,
    network_id        uuid        NOT NULL,
    daemon_id         uuid        NOT NULL,
    discovery_type    text        NOT NULL CHECK (discovery_type IN
                          ('self_report', 'network', 'snmp', 'docker', 'unified')),
    interval_seconds  integer     CHECK (interval_seconds >= 60),
    cron              text,
    time_zone         text        NOT NULL DEFAULT 'UTC',
    deep              boolean     NOT NULL DEFAULT false,
    -- how the daemon gets its jobs: over NATS (integrated daemons), by polling
    -- the gateway, or by the server calling it
    dispatch          text        NOT NULL DEFAULT 'nats' CHECK (dispatch IN ('nats', 'poll', 'server')),
    paused            boolean     NOT NULL DEFAULT false,
    next_run_at       timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (interval_seconds IS NOT NULL OR cron IS NOT NULL)
);
CREATE INDEX schedules_due ON sched.schedules (next_run_at) WHERE NOT paused;

CREATE TABLE sched.sessions (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id          uuid        NOT NULL,
    network_id      uuid        NOT NULL,
    daemon_id       uuid        NOT NULL,
    schedule_id     uuid        REFERENCES sched.schedules (id) ON DELETE SET NULL,
    discovery_type  text        NOT NULL,
    deep            boolean     NOT NULL DEFAULT false,
    dispatch        text        NOT NULL DEFAULT 'nats',
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN
                        ('pending', 'starting', 'running', 'completed', 'failed', 'cancelled')),
    started_by      text        NOT NULL,  -- 'schedule', or the user who asked
    progress        integer     NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    phase           text,
    reason          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    last_progress_at timestamptz
);
CREATE INDEX sessions_daemon_state ON sched.sessions (daemon_id, state);
CREATE INDEX sessions_org ON sched.sessions (org_id, network_id, created_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['schedules', 'sessions'] LOOP
        EXECUTE format('ALTER TABLE sched.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE sched.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON sched.%I USING '
                       '(org_id = current_setting(''scanopy.org_id'', true)::uuid)', t);
    END LOOP;
END $$;
