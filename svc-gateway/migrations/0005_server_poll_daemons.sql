-- ServerPoll daemons: the server calls them at `url` with a call key that
-- the server generates. The scheduler must present the key, so it is kept
-- sealed (AES-256-GCM under the gateway's secret key file, bound to the
-- daemon's id), not hashed; the prefix lets a user recognise it.
ALTER TABLE core.daemons ADD COLUMN url text
    CHECK (url IS NULL OR url ~ '^https?://[^/?#@]+(/.*)?$');
ALTER TABLE core.daemons ADD COLUMN call_key_sealed bytea;
ALTER TABLE core.daemons ADD COLUMN call_key_prefix text;
