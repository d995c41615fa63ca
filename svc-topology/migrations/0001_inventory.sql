-- The first cut of the inventory: the batch ledger that makes applying a batch
-- idempotent, and hosts, ports and services keyed by address. Host identity
-- beyond "one address, one host" arrives with its own migration.

-- One row per applied batch: (daemon_id, sequence) is a batch's identity, so a
-- redelivered batch finds its row and changes nothing.
CREATE TABLE inv.batches (
    daemon_id     uuid        NOT NULL,
    sequence      bigint      NOT NULL,
    org_id        uuid        NOT NULL,
    network_id    uuid        NOT NULL,
    session_id    uuid,
    observations  integer     NOT NULL,
    matches       integer     NOT NULL,
    sent_at       timestamptz,
    applied_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (daemon_id, sequence)
);
CREATE INDEX batches_org_network ON inv.batches (org_id, network_id, applied_at);

CREATE TABLE inv.hosts (
    id          bigserial   PRIMARY KEY,
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    ip          inet        NOT NULL,
    mac         macaddr,
    hostname    text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (network_id, ip)
);
CREATE INDEX hosts_org ON inv.hosts (org_id, network_id);

CREATE TABLE inv.ports (
    host_id     bigint      NOT NULL REFERENCES inv.hosts (id) ON DELETE CASCADE,
    org_id      uuid        NOT NULL,
    protocol    text        NOT NULL CHECK (protocol IN ('tcp', 'udp')),
    port        integer     NOT NULL CHECK (port BETWEEN 1 AND 65535),
    status      text        NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host_id, protocol, port)
);

CREATE TABLE inv.services (
    host_id        bigint      NOT NULL REFERENCES inv.hosts (id) ON DELETE CASCADE,
    org_id         uuid        NOT NULL,
    protocol       text        NOT NULL,
    port           integer     NOT NULL,
    definition_id  text        NOT NULL,
    name           text        NOT NULL,
    category       text,
    product        text,
    version        text,
    confidence     integer     NOT NULL,
    evidence       jsonb       NOT NULL DEFAULT '[]',
    first_seen     timestamptz NOT NULL DEFAULT now(),
    last_seen      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host_id, protocol, port, definition_id)
);

-- Tenancy: every row carries org_id and is visible only to the organisation
-- named by the transaction's scanopy.org_id setting. FORCE applies the policy
-- to the owning role too; only superusers bypass it.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['batches', 'hosts', 'ports', 'services'] LOOP
        EXECUTE format('ALTER TABLE inv.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE inv.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON inv.%I USING '
                       '(org_id = current_setting(''scanopy.org_id'', true)::uuid)', t);
    END LOOP;
END $$;
