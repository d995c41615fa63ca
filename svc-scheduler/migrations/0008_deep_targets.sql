-- Deep per target: the CIDRs or addresses a run scans on every TCP port
-- (1-65535) while its other targets get the light scan. Empty: none beyond
-- what `deep` says.
ALTER TABLE sched.sessions ADD COLUMN deep_targets text[] NOT NULL DEFAULT '{}';
ALTER TABLE sched.schedules ADD COLUMN deep_targets text[] NOT NULL DEFAULT '{}';
