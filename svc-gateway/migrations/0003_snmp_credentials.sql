-- SNMP credentials per network (issue 5). Secrets (community, auth and
-- privacy keys) are sealed by the gateway with AES-256-GCM (secretbox.c,
-- key in the gateway's secret file) and only ever leave it in the job a
-- daemon of the network receives; the API never returns them.
CREATE TABLE core.snmp_credentials (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    network_id     uuid        NOT NULL REFERENCES core.networks (id) ON DELETE CASCADE,
    name           text        NOT NULL DEFAULT '',
    version        text        NOT NULL CHECK (version IN ('v1', 'v2c', 'v3')),
    username       text        NOT NULL DEFAULT '',
    auth_protocol  text        NOT NULL DEFAULT '',
    priv_protocol  text        NOT NULL DEFAULT '',
    scope          text[]      NOT NULL DEFAULT '{}',
    position       integer     NOT NULL DEFAULT 0,  -- tried in this order
    secret         bytea       NOT NULL,            -- sealed JSON of the secrets
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX snmp_credentials_network ON core.snmp_credentials (network_id, position);

ALTER TABLE core.snmp_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.snmp_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.snmp_credentials
    USING (org_id = current_setting('scanopy.org_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON core.snmp_credentials TO scanopy_tenant;
