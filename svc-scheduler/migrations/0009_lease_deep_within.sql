-- ServerPoll calls run outside any transaction, on a lease: a replica claims
-- a due daemon by stamping its row with a fresh token and an expiry (one
-- short statement), calls the daemon, and records what it learnt only while
-- the token is still the row's. A replica killed mid-call leaves a lease that
-- expires, and the daemon is claimable again by any replica.
ALTER TABLE sched.server_polls ADD COLUMN lease_token uuid,
    ADD COLUMN lease_until timestamptz;

-- Deep targets lie within the job's targets: deep_outside(deep, targets) is
-- the first deep target within none of the targets (an address or a CIDR
-- within a CIDR, or equal), or NULL. A run whose targets are empty scans the
-- daemon's own subnets; the gateway checks its deep targets against those
-- when the run is asked for. Rows from before, whose deep targets the daemon
-- scanned in addition to the targets, get them added to their targets: what
-- they scan is unchanged, and the rule holds for every row.
CREATE FUNCTION sched.deep_outside(deep text[], targets text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    d text;
    ok boolean;
BEGIN
    FOREACH d IN ARRAY coalesce(deep, '{}') LOOP
        BEGIN
            SELECT EXISTS (SELECT 1 FROM unnest(targets) t
                           WHERE d::inet <<= t::inet) INTO ok;
        EXCEPTION WHEN invalid_text_representation THEN
            ok := false;
        END;
        IF NOT ok THEN
            RETURN d;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

UPDATE sched.sessions SET targets = targets || ARRAY(SELECT d FROM
    unnest(deep_targets) d WHERE sched.deep_outside(ARRAY[d], targets) IS NOT NULL)
    WHERE cardinality(targets) > 0 AND sched.deep_outside(deep_targets, targets) IS NOT NULL;
UPDATE sched.schedules SET targets = targets || ARRAY(SELECT d FROM
    unnest(deep_targets) d WHERE sched.deep_outside(ARRAY[d], targets) IS NOT NULL)
    WHERE cardinality(targets) > 0 AND sched.deep_outside(deep_targets, targets) IS NOT NULL;
ALTER TABLE sched.sessions ADD CONSTRAINT deep_targets_within CHECK
    (cardinality(targets) = 0 OR sched.deep_outside(deep_targets, targets) IS NULL);
ALTER TABLE sched.schedules ADD CONSTRAINT deep_targets_within CHECK
    (cardinality(targets) = 0 OR sched.deep_outside(deep_targets, targets) IS NULL);
