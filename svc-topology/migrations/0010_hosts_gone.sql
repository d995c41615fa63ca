-- Hosts that disappeared: not seen for longer than the topology service's
-- threshold (host_gone_after_s). The sweep that finds them (by the index on
-- network_id, last_seen) sets gone_at and records one host_disappeared
-- change; seeing the host again clears it.
ALTER TABLE inv.hosts ADD COLUMN gone_at timestamptz;
