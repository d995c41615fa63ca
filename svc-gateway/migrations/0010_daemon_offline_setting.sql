-- When a daemon counts as offline: one setting, the gateway's
-- daemon_offline_after_s, which each gateway replica records here at start.
-- The gateway announces a daemon offline (event, `offline` in lists) after
-- it; the scheduler reads it here and fails the daemon's open sessions after
-- the same time (unless given its own offline_seconds), so the UI and the
-- scheduler agree. Not tenant data: no org_id, no policy, read by the
-- services' own role only.
CREATE TABLE core.daemon_offline_setting (
    id           integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    after_s      integer NOT NULL CHECK (after_s > 0),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
