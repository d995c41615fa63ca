-- An https ServerPoll daemon's public key pin (curl's "sha256//<base64>",
-- several separated by ';' while a certificate is rotated): the scheduler
-- trusts the daemon by it, so a self-signed certificate needs no authority.
-- Public, not a secret. Meaningless on a plain http URL.
ALTER TABLE core.daemons ADD COLUMN tls_pin text
    CHECK (tls_pin IS NULL OR (tls_pin ~ '^sha256//[A-Za-z0-9+/]{43}=(;sha256//[A-Za-z0-9+/]{43}=)*$'
                               AND url ~ '^https://'));
