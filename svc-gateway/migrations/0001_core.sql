-- Tenants and the people, networks and daemons that belong to them. Secrets
-- (passwords, API keys) are stored only as hashes.

CREATE TABLE core.organizations (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE core.users (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    email          text        NOT NULL,
    password_hash  text        NOT NULL,  -- argon2id encoded string
    role           text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email)
);

CREATE TABLE core.networks (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

CREATE TABLE core.daemons (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    network_id    uuid        NOT NULL REFERENCES core.networks (id) ON DELETE CASCADE,
    name          text        NOT NULL,
    mode          text        NOT NULL CHECK (mode IN ('daemon_poll', 'server_poll', 'integrated')),
    version       text,
    capabilities  jsonb       NOT NULL DEFAULT '{}',
    last_seen     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX daemons_network ON core.daemons (org_id, network_id);

-- User keys (scope 'user') act as their user; daemon keys (scope 'daemon') are
-- bound to one network. Only a SHA-256 of the key is kept; the prefix lets a
-- user recognise a key in lists.
CREATE TABLE core.api_keys (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid        NOT NULL REFERENCES core.organizations (id) ON DELETE CASCADE,
    scope       text        NOT NULL CHECK (scope IN ('user', 'daemon')),
    user_id     uuid        REFERENCES core.users (id) ON DELETE CASCADE,
    network_id  uuid        REFERENCES core.networks (id) ON DELETE CASCADE,
    prefix      text        NOT NULL,
    key_hash    bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz,
    CHECK ((scope = 'user' AND user_id IS NOT NULL) OR
           (scope = 'daemon' AND network_id IS NOT NULL))
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'networks', 'daemons', 'api_keys'] LOOP
        EXECUTE format('ALTER TABLE core.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE core.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON core.%I USING '
                       '(org_id = current_setting(''scanopy.org_id'', true)::uuid)', t);
    END LOOP;
END $$;
