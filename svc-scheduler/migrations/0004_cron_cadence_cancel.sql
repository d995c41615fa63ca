-- Schedules: a name, per-schedule targets, every Nth run deep, a record of
-- the runs, and why the scheduler paused one it could not compute. A schedule
-- has either an interval or a cron expression, never both.
ALTER TABLE sched.schedules ADD COLUMN name text;
ALTER TABLE sched.schedules ADD COLUMN targets text[] NOT NULL DEFAULT '{}';
ALTER TABLE sched.schedules ADD COLUMN deep_every integer NOT NULL DEFAULT 0
    CHECK (deep_every BETWEEN 0 AND 1000);
ALTER TABLE sched.schedules ADD COLUMN run_count bigint NOT NULL DEFAULT 0;
ALTER TABLE sched.schedules ADD COLUMN last_run_at timestamptz;
ALTER TABLE sched.schedules ADD COLUMN last_error text;
ALTER TABLE sched.schedules ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE sched.schedules ADD CONSTRAINT schedules_one_kind
    CHECK (interval_seconds IS NULL OR cron IS NULL);
CREATE INDEX schedules_daemon ON sched.schedules (org_id, network_id, daemon_id);

-- Sessions: a summary, a cancel the daemon has not yet acknowledged, and the
-- NATS dispatch's retries with backoff.
ALTER TABLE sched.sessions ADD COLUMN summary text;
ALTER TABLE sched.sessions ADD COLUMN cancel_pending boolean NOT NULL DEFAULT false;
ALTER TABLE sched.sessions ADD COLUMN dispatch_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE sched.sessions ADD COLUMN next_dispatch_at timestamptz;
CREATE INDEX sessions_schedule ON sched.sessions (schedule_id);
CREATE INDEX sessions_open ON sched.sessions (state)
    WHERE state IN ('pending', 'starting', 'running');

GRANT DELETE ON sched.schedules TO scanopy_tenant;

-- Test only (scanopy-scheduler --test-clock): the scheduler reads "now" from
-- this row instead of the system clock, so tests can move time for several
-- replicas at once. Empty and unused otherwise.
CREATE TABLE sched.test_clock (
    id  integer     PRIMARY KEY CHECK (id = 1),
    now timestamptz NOT NULL
);
