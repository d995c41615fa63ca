-- History (issue 7): why a host is gone, which addresses a liveness sweep
-- ever heard, and the VLAN a sighting was tagged with.
--
-- gone_reason: 'stale' (not seen for host_gone_after_s, gone.c) or
-- 'missed_by_scan' (a complete sweep covering all its addresses did not hear
-- it, coverage.c); NULL while not gone. Rows marked before this migration
-- are stale ones (read as coalesce(gone_reason, 'stale')).
ALTER TABLE inv.hosts ADD COLUMN gone_reason text
    CHECK (gone_reason IN ('stale', 'missed_by_scan'));

-- swept_at: the newest observation time this address answered a liveness
-- sweep (ARP, ICMP echo, TCP discovery, NDP). Only such an address tells a
-- sweep's silence apart from a host the sweep could never see (one known
-- from SNMP tables, the FDB, Docker or passive listening alone).
-- vlan_id / inner_vlan_id: the 802.1Q tag (QinQ: outer, inner) of the newest
-- tagged frame the address was heard in; an untagged sighting keeps them.
ALTER TABLE inv.addresses ADD COLUMN swept_at timestamptz,
    ADD COLUMN vlan_id integer CHECK (vlan_id BETWEEN 1 AND 4094),
    ADD COLUMN inner_vlan_id integer CHECK (inner_vlan_id BETWEEN 1 AND 4094);
CREATE INDEX addresses_vlan ON inv.addresses (network_id, vlan_id) WHERE vlan_id IS NOT NULL;
