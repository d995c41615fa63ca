-- A host row is rewritten by every batch that sees it again (last_seen), and
-- by the gone and name rules. Its indexes held last_seen (network_id,
-- last_seen) and, through the GIN index on tags, an entry for every host,
-- tagged or not; so every rewrite added an entry to each of its three
-- indexes. Now no index holds a column scans change: the per-network index
-- is on network_id alone (the hosts list sorts a network's hosts in memory;
-- the stale rule reads them all anyway), the tags index holds only tagged
-- hosts (the ?tag= filter says tags <> '{}'), and new pages keep room for the
-- new version on the row's own page (a HOT update: no index entry at all).
DROP INDEX IF EXISTS inv.hosts2_network;
CREATE INDEX IF NOT EXISTS hosts_network ON inv.hosts (network_id);
DROP INDEX IF EXISTS inv.hosts_tags;
CREATE INDEX IF NOT EXISTS hosts_tags ON inv.hosts USING gin (tags) WHERE tags <> '{}';
ALTER TABLE inv.hosts SET (fillfactor = 80);
