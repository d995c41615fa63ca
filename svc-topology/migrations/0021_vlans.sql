-- VLANs (issue 7). A QinQ inner (customer, C-VLAN) id is a VLAN of its own,
-- under the outer (service, S-VLAN) id it is carried in; a port's native and
-- tagged VLANs, as its switch reports them (Q-BRIDGE-MIB), are on the
-- interface with where and when they were learned. Idempotent: every step
-- checks what is there.

-- outer_vlan_id: 0 for a VLAN of its own (single-tagged, or a QinQ S-VLAN),
-- else the S-VLAN this C-VLAN was heard in. VLAN 100 inside S-VLAN 30 and
-- VLAN 100 on its own are different rows.
ALTER TABLE inv.vlans ADD COLUMN IF NOT EXISTS outer_vlan_id integer NOT NULL DEFAULT 0
    CONSTRAINT vlans_outer_vlan_id_check CHECK (outer_vlan_id BETWEEN 0 AND 4094);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'inv.vlans'::regclass
                   AND contype = 'p' AND array_length(conkey, 1) = 3) THEN
        ALTER TABLE inv.vlans DROP CONSTRAINT IF EXISTS vlans_pkey;
        ALTER TABLE inv.vlans ADD CONSTRAINT vlans_pkey
            PRIMARY KEY (network_id, outer_vlan_id, vlan_id);
    END IF;
END $$;

-- The C-VLANs addresses were already heard in (rows the migration's role can
-- see; later sightings add the rest).
INSERT INTO inv.vlans (org_id, network_id, outer_vlan_id, vlan_id, first_seen, last_seen)
SELECT org_id, network_id, vlan_id, inner_vlan_id, min(first_seen), max(last_seen)
FROM inv.addresses WHERE vlan_id IS NOT NULL AND inner_vlan_id IS NOT NULL
GROUP BY org_id, network_id, vlan_id, inner_vlan_id
ON CONFLICT (network_id, outer_vlan_id, vlan_id) DO NOTHING;

-- A port's VLANs: pvid, the native (untagged) one; tagged_vlans, those it
-- carries tagged, ascending; NULL both when never reported. vlans_source
-- says what reported them ('snmp': the device's Q-BRIDGE-MIB), by which
-- daemon, and when last.
ALTER TABLE inv.interfaces
    ADD COLUMN IF NOT EXISTS pvid integer CONSTRAINT interfaces_pvid_check CHECK (pvid BETWEEN 1 AND 4094),
    ADD COLUMN IF NOT EXISTS tagged_vlans integer[],
    ADD COLUMN IF NOT EXISTS vlans_source text,
    ADD COLUMN IF NOT EXISTS vlans_daemon_id uuid,
    ADD COLUMN IF NOT EXISTS vlans_seen timestamptz;

-- Which ports carry a VLAN (GET /vlans' port counts, /interfaces?vlan=):
-- the native one by a btree, the tagged ones by a GIN over the arrays.
CREATE INDEX IF NOT EXISTS interfaces_pvid ON inv.interfaces (network_id, pvid)
    WHERE pvid IS NOT NULL;
CREATE INDEX IF NOT EXISTS interfaces_tagged_vlans ON inv.interfaces USING gin (tagged_vlans)
    WHERE tagged_vlans IS NOT NULL;
