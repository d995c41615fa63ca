-- When each API key last authenticated a request (user and daemon keys),
-- for GET /api/v1/api-keys. Written at most once a minute per key.
ALTER TABLE core.api_keys ADD COLUMN last_used_at timestamptz;
