-- The batch a kept sweep came in (its daemon is already kept): the
-- host_disappeared change a sweep causes names that sweep's daemon and
-- batch, whichever batch made the mark (the sweep's coverage, or a late
-- sighting re-checking the sweeps since), so replaying the same batches in
-- any order logs the same change. Sweeps kept before this have none, and
-- their changes name the batch that marked them, as before.
ALTER TABLE inv.scan_coverage ADD COLUMN sequence bigint;
