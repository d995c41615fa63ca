-- ServerPoll calls run outside any transaction, on a lease: a replica claims
-- a due daemon by stamping its row with a fresh token and an expiry (one
-- short statement), calls the daemon, and records what it learnt only while
-- the token is still the row's. A replica killed mid-call leaves a lease that
-- expires, and the daemon is claimable again by any replica.
ALTER TABLE sched.server_polls ADD COLUMN lease_token uuid,
    ADD COLUMN lease_until timestamptz;

