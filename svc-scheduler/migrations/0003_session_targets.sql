-- What an ad-hoc discovery asked for: its targets (CIDRs or addresses; empty
-- means the daemon's interfaced subnets) and counts reported by the daemon.
ALTER TABLE sched.sessions ADD COLUMN targets text[] NOT NULL DEFAULT '{}';
ALTER TABLE sched.sessions ADD COLUMN hosts_found integer NOT NULL DEFAULT 0;
ALTER TABLE sched.sessions ADD COLUMN ports_found integer NOT NULL DEFAULT 0;
CREATE INDEX sessions_dispatch ON sched.sessions (daemon_id, created_at)
    WHERE state = 'pending';
