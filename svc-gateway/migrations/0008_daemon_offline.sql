-- Daemons that went silent: a "daemon" event with online false once a
-- daemon has not been heard from for the gateway's daemon_offline_after_s.
-- A periodic sweep of each gateway replica claims each such transition here,
-- in one UPDATE (row locks: of two replicas, one claims it, the other's
-- WHERE no longer holds), so the event goes out once.
--
-- offline_at: when the daemon's current absence was announced. An absence
-- begins at last_seen; a daemon heard from since (last_seen > offline_at,
-- whoever wrote last_seen: heartbeat, ingest, the scheduler's polls) is back,
-- and its next absence is announced again. No index: the sweep reads the
-- daemons table whole (small), and one on last_seen would cost every
-- heartbeat its HOT update.
ALTER TABLE core.daemons ADD COLUMN offline_at timestamptz;

-- The sweep runs on the gateway's own connection, not as a tenant: this
-- policy lets that role (the one running the migrations) see every
-- organisation's daemons, only inside a transaction that says it is the
-- sweep (scanopy.sweep = 'daemons', set locally); tenant transactions run as
-- scanopy_tenant, which it does not name.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY offline_sweep ON core.daemons TO %I USING '
                   '(current_setting(''scanopy.sweep'', true) = ''daemons'')',
                   current_user);
END $$;
