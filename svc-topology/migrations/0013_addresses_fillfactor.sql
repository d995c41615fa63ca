-- An address row is rewritten after it is written: the next sighting moves
-- its last_seen, rebuild_l3 places it in its subnet. None of these changes a
-- column an index of addresses holds, so with room left on the row's page
-- the new version goes there (a HOT update) and no index gets a new entry;
-- on full pages every rewrite added one to each index. New pages are filled
-- to 70%.
ALTER TABLE inv.addresses SET (fillfactor = 70);
