-- History (issue 7): no flapping. A host is gone missed_by_scan only once two
-- complete liveness sweeps covering all its addresses, both started after it
-- was last seen, did not hear it (coverage.h); one lost ARP exchange logs
-- nothing. The sweeps are kept here, one row per sweep (its start and
-- targets name it: a redelivered or resent coverage is the same row), so how
-- many sweeps missed a host is a function of the set of observations applied,
-- never of the order they came in or of how often: the host's last_seen and
-- these rows decide it.
--
-- targets: the canonical CIDRs (coverage_cidr), sorted, without duplicates.
-- Rows older than any host can still need are pruned as sweeps come in
-- (coverage.c).
CREATE TABLE inv.scan_coverage (
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    started_at  timestamptz NOT NULL,
    targets     cidr[]      NOT NULL,
    finished_at timestamptz NOT NULL CHECK (finished_at >= started_at),
    daemon_id   uuid,
    PRIMARY KEY (network_id, started_at, targets)
);

ALTER TABLE inv.scan_coverage ENABLE ROW LEVEL SECURITY;
ALTER TABLE inv.scan_coverage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inv.scan_coverage USING
    (org_id = current_setting('scanopy.org_id', true)::uuid);
CREATE POLICY network_access ON inv.scan_coverage AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR network_id = ANY ((SELECT current_setting('scanopy.network_ids', true)::uuid[])::uuid[]));
GRANT SELECT ON inv.scan_coverage TO scanopy_tenant;
