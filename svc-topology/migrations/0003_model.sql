-- The model: hosts named by identity keys rather than by one address, with
-- their interfaces, addresses, subnets, ports, services, SNMP interface
-- entries, what devices report about their neighbours (LLDP/CDP, FDB, ARP),
-- the L2 links inferred from that, VLANs, workloads, applications, user merges
-- and the change log. Every table carries org_id under row-level security.
--
-- The first cut (0001) keyed hosts by address; its rows are carried over
-- (address and MAC as identity keys, ports and services kept) and its tables
-- dropped. The batch ledger stays as it was.

CREATE TABLE inv.hosts2 (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid        NOT NULL,
    network_id   uuid        NOT NULL,
    kind         text        NOT NULL DEFAULT 'host'
                             CHECK (kind IN ('host', 'router', 'switch')),
    name         text,                  -- discovered name, best source wins
    name_source  text,                  -- snmp, lldp, self, dns, mdns, netbios, ssdp, dhcp, docker
    name_rank    integer     NOT NULL DEFAULT 0,
    name_at      timestamptz,
    sys_descr    text,
    sys_object_id text,
    os           text,
    is_daemon    boolean     NOT NULL DEFAULT false,
    -- What users typed: scans never write these.
    user_name    text,
    description  text,
    tags         text[]      NOT NULL DEFAULT '{}',
    -- field -> {daemon, evidence, at}: which daemon said what, from what, when.
    provenance   jsonb       NOT NULL DEFAULT '{}',
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL
);
CREATE INDEX hosts2_network ON inv.hosts2 (network_id, last_seen);

-- Identity keys: each (network, kind, value) names one host. kind is one of
-- ip, mac, snmp_engine, snmp_chassis, sysname, ssh_hostkey, tls_cert; reason
-- says which rule recorded it, from which evidence.
CREATE TABLE inv.host_identities (
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    kind        text        NOT NULL,
    value       text        NOT NULL,
    host_id     uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    reason      text        NOT NULL,
    daemon_id   uuid,
    bound_at    timestamptz NOT NULL,   -- observation time of the binding (newest wins)
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    PRIMARY KEY (network_id, kind, value)
);
CREATE INDEX host_identities_host ON inv.host_identities (host_id);

-- A user's merge: `other` became `into`. Later scans resolve other's keys to
-- `into`, because the keys moved with the merge; the row keeps the decision.
CREATE TABLE inv.host_merges (
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    other_id    uuid        PRIMARY KEY,
    into_id     uuid        NOT NULL,
    by_user     text,
    reason      text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX host_merges_into ON inv.host_merges (into_id);

CREATE TABLE inv.subnets (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    cidr        cidr        NOT NULL,
    kind        text        NOT NULL DEFAULT 'lan'
                            CHECK (kind IN ('lan', 'wifi', 'vpn', 'docker_bridge', 'vlan',
                                            'loopback', 'bridge', 'virtual', 'inferred')),
    vlan_id     integer,
    gateway     inet,
    source      text        NOT NULL,   -- self_report, docker, inferred
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    UNIQUE (network_id, cidr)
);
CREATE INDEX subnets_cidr ON inv.subnets USING gist (cidr inet_ops);

CREATE TABLE inv.interfaces (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    host_id     uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    name        text,
    mac         macaddr,
    if_index    integer,
    if_type     text,
    source      text        NOT NULL,
    daemon_id   uuid,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL
);
CREATE UNIQUE INDEX interfaces_host_name ON inv.interfaces (host_id, name) WHERE name IS NOT NULL;
CREATE UNIQUE INDEX interfaces_host_mac ON inv.interfaces (host_id, mac) WHERE name IS NULL;
CREATE INDEX interfaces_mac ON inv.interfaces (network_id, mac);

CREATE TABLE inv.addresses (
    org_id       uuid        NOT NULL,
    network_id   uuid        NOT NULL,
    ip           inet        NOT NULL,
    host_id      uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    mac          macaddr,
    subnet_id    uuid        REFERENCES inv.subnets (id) ON DELETE SET NULL,
    ttl          integer,
    source       text        NOT NULL,
    daemon_id    uuid,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    PRIMARY KEY (network_id, ip)
);
CREATE INDEX addresses_host ON inv.addresses (host_id);

CREATE TABLE inv.ports2 (
    host_id     uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    org_id      uuid        NOT NULL,
    protocol    text        NOT NULL CHECK (protocol IN ('tcp', 'udp')),
    port        integer     NOT NULL CHECK (port BETWEEN 1 AND 65535),
    status      text        NOT NULL,
    ip          inet,
    daemon_id   uuid,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    PRIMARY KEY (host_id, protocol, port)
);

CREATE TABLE inv.services2 (
    host_id        uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
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
    daemon_id      uuid,
    first_seen     timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL,
    PRIMARY KEY (host_id, protocol, port, definition_id)
);

-- IF-MIB rows as the device reported them.
CREATE TABLE inv.if_entries (
    host_id     uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    if_index    integer     NOT NULL,
    name        text,
    descr       text,
    alias       text,
    if_type     integer,
    mtu         integer,
    speed_bps   bigint,
    mac         macaddr,
    admin_up    boolean,
    oper_up     boolean,
    vlan_id     integer,
    daemon_id   uuid,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    PRIMARY KEY (host_id, if_index)
);

-- What a device says is cabled to one of its ports (LLDP/CDP remote table).
CREATE TABLE inv.neighbors (
    host_id            uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    org_id             uuid        NOT NULL,
    network_id         uuid        NOT NULL,
    local_port         text        NOT NULL,
    protocol           text        NOT NULL,
    remote_chassis_id  text        NOT NULL,
    remote_port_id     text        NOT NULL,
    remote_port_descr  text,
    remote_sys_name    text,
    remote_mgmt        text[]      NOT NULL DEFAULT '{}',
    remote_caps        integer,
    remote_port        text        NOT NULL,   -- the remote port's name as links show it
    daemon_id          uuid,
    first_seen         timestamptz NOT NULL,
    last_seen          timestamptz NOT NULL,
    PRIMARY KEY (host_id, local_port, remote_chassis_id, remote_port_id)
);
CREATE INDEX neighbors_network ON inv.neighbors (network_id);

CREATE TABLE inv.fdb (
    host_id     uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    mac         macaddr     NOT NULL,
    vlan_id     integer     NOT NULL DEFAULT 0,
    port        text        NOT NULL,   -- port name, else "ifIndex N" / "port N"
    status      integer,
    daemon_id   uuid,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    PRIMARY KEY (host_id, mac, vlan_id)
);
CREATE INDEX fdb_network ON inv.fdb (network_id, mac);

CREATE TABLE inv.arp (
    host_id     uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    ip          inet        NOT NULL,
    mac         macaddr     NOT NULL,
    if_index    integer,
    daemon_id   uuid,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    PRIMARY KEY (host_id, ip)
);

-- Cables between ports, inferred from the tables above (or typed by users).
-- a/b are ordered (a_host, a_port) < (b_host, b_port) so a cable has one row.
CREATE TABLE inv.links (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    a_host      uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    a_port      text        NOT NULL,
    b_host      uuid        NOT NULL REFERENCES inv.hosts2 (id) ON DELETE CASCADE,
    b_port      text        NOT NULL,
    source      text        NOT NULL,   -- lldp, cdp, fdb, user
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    UNIQUE (network_id, a_host, a_port, b_host, b_port)
);
CREATE INDEX links_b ON inv.links (b_host);

CREATE TABLE inv.vlans (
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    vlan_id     integer     NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    PRIMARY KEY (network_id, vlan_id)
);

-- Containers (and VMs) and the host they run on.
CREATE TABLE inv.workloads (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid        NOT NULL,
    network_id   uuid        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('container', 'vm')),
    external_id  text        NOT NULL,   -- Docker container id
    parent_host  uuid        REFERENCES inv.hosts2 (id) ON DELETE SET NULL,
    name         text,
    image        text,
    state        text,
    project      text,                   -- com.docker.compose.project
    labels       jsonb       NOT NULL DEFAULT '{}',
    ports        jsonb       NOT NULL DEFAULT '[]',
    networks     jsonb       NOT NULL DEFAULT '[]',  -- [{network, ip, mac}]
    services     jsonb       NOT NULL DEFAULT '[]',  -- matches on the container's own address
    daemon_id    uuid,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    UNIQUE (network_id, kind, external_id)
);
CREATE INDEX workloads_parent ON inv.workloads (parent_host);
CREATE INDEX workloads_networks ON inv.workloads USING gin (networks jsonb_path_ops);

CREATE TABLE inv.applications (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    name        text        NOT NULL,
    source      text        NOT NULL CHECK (source IN ('compose', 'label', 'user')),
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    UNIQUE (network_id, source, name)
);

CREATE TABLE inv.application_members (
    application_id  uuid    NOT NULL REFERENCES inv.applications (id) ON DELETE CASCADE,
    org_id          uuid    NOT NULL,
    workload_id     uuid    NOT NULL REFERENCES inv.workloads (id) ON DELETE CASCADE,
    role            text,                -- com.docker.compose.service
    PRIMARY KEY (application_id, workload_id)
);

-- Dependencies between members: inferred (same project and Docker network)
-- or typed by users.
CREATE TABLE inv.application_edges (
    application_id  uuid    NOT NULL REFERENCES inv.applications (id) ON DELETE CASCADE,
    org_id          uuid    NOT NULL,
    source_id       uuid    NOT NULL REFERENCES inv.workloads (id) ON DELETE CASCADE,
    target_id       uuid    NOT NULL REFERENCES inv.workloads (id) ON DELETE CASCADE,
    kind            text    NOT NULL DEFAULT 'depends',
    inferred        boolean NOT NULL,
    reason          text    NOT NULL,
    PRIMARY KEY (application_id, source_id, target_id)
);

-- The history: what changed, when, and which batch said so.
CREATE TABLE inv.changes (
    id          bigserial   PRIMARY KEY,
    org_id      uuid        NOT NULL,
    network_id  uuid        NOT NULL,
    at          timestamptz NOT NULL,
    kind        text        NOT NULL,   -- host_appeared, port_opened, port_closed, service_changed, ...
    host_id     uuid,
    detail      jsonb       NOT NULL DEFAULT '{}',
    daemon_id   uuid,
    sequence    bigint
);
CREATE INDEX changes_network_at ON inv.changes (network_id, at);
CREATE INDEX changes_host ON inv.changes (host_id, at);

-- Carry the first cut's rows over (old_id maps them, then goes).
ALTER TABLE inv.hosts2 ADD COLUMN old_id bigint;
INSERT INTO inv.hosts2 (org_id, network_id, name, name_source, name_rank, name_at, first_seen,
                        last_seen, old_id)
SELECT org_id, network_id, hostname, CASE WHEN hostname IS NOT NULL THEN 'self' END,
       CASE WHEN hostname IS NOT NULL THEN 50 ELSE 0 END, last_seen, first_seen, last_seen, id
FROM inv.hosts;
INSERT INTO inv.host_identities (org_id, network_id, kind, value, host_id, reason, bound_at,
                                 first_seen, last_seen)
SELECT n.org_id, n.network_id, 'ip', host(o.ip), n.id, 'ip within network (carried over)',
       o.last_seen, o.first_seen, o.last_seen
FROM inv.hosts o JOIN inv.hosts2 n ON n.old_id = o.id;
INSERT INTO inv.addresses (org_id, network_id, ip, host_id, mac, source, first_seen, last_seen)
SELECT n.org_id, n.network_id, o.ip, n.id, o.mac, 'scan', o.first_seen, o.last_seen
FROM inv.hosts o JOIN inv.hosts2 n ON n.old_id = o.id;
INSERT INTO inv.ports2 (host_id, org_id, protocol, port, status, first_seen, last_seen)
SELECT n.id, p.org_id, p.protocol, p.port, p.status, p.first_seen, p.last_seen
FROM inv.ports p JOIN inv.hosts2 n ON n.old_id = p.host_id;
INSERT INTO inv.services2 (host_id, org_id, protocol, port, definition_id, name, category, product,
                           version, confidence, evidence, first_seen, last_seen)
SELECT n.id, s.org_id, s.protocol, s.port, s.definition_id, s.name, s.category, s.product,
       s.version, s.confidence, s.evidence, s.first_seen, s.last_seen
FROM inv.services s JOIN inv.hosts2 n ON n.old_id = s.host_id;
ALTER TABLE inv.hosts2 DROP COLUMN old_id;

DROP TABLE inv.services;
DROP TABLE inv.ports;
DROP TABLE inv.hosts;
ALTER TABLE inv.hosts2 RENAME TO hosts;
ALTER TABLE inv.ports2 RENAME TO ports;
ALTER TABLE inv.services2 RENAME TO services;

-- Tenancy, as in 0001: enabled, forced, one policy per table.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['hosts', 'host_identities', 'host_merges', 'subnets', 'interfaces',
                             'addresses', 'ports', 'services', 'if_entries', 'neighbors', 'fdb',
                             'arp', 'links', 'vlans', 'workloads', 'applications',
                             'application_members', 'application_edges', 'changes'] LOOP
        EXECUTE format('ALTER TABLE inv.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE inv.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON inv.%I USING '
                       '(org_id = current_setting(''scanopy.org_id'', true)::uuid)', t);
    END LOOP;
END $$;

-- The gateway works as scanopy_tenant for users (reads, their own fields,
-- merges); row-level security keeps it inside the caller's organisation.
GRANT SELECT, INSERT, UPDATE, DELETE ON inv.hosts, inv.host_identities, inv.host_merges,
    inv.subnets, inv.interfaces, inv.addresses, inv.ports, inv.services, inv.if_entries,
    inv.neighbors, inv.fdb, inv.arp, inv.links, inv.vlans, inv.workloads, inv.applications,
    inv.application_members, inv.application_edges, inv.changes TO scanopy_tenant;
GRANT SELECT ON inv.batches TO scanopy_tenant;
GRANT USAGE ON SEQUENCE inv.changes_id_seq TO scanopy_tenant;
