-- Every state a session passes through, with when: the timings a user sees
-- and the proof that a session went pending -> starting -> running -> done.
CREATE TABLE sched.session_events (
    id          bigserial   PRIMARY KEY,
    org_id      uuid        NOT NULL,
    session_id  uuid        NOT NULL REFERENCES sched.sessions (id) ON DELETE CASCADE,
    state       text        NOT NULL,
    reason      text,
    at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX session_events_session ON sched.session_events (session_id, id);
ALTER TABLE sched.session_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE sched.session_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sched.session_events USING
    (org_id = current_setting('scanopy.org_id', true)::uuid);
GRANT SELECT, INSERT ON sched.session_events TO scanopy_tenant;
GRANT USAGE ON SEQUENCE sched.session_events_id_seq TO scanopy_tenant;

CREATE FUNCTION sched.record_session_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state THEN
        INSERT INTO sched.session_events (org_id, session_id, state, reason)
        VALUES (NEW.org_id, NEW.id, NEW.state, NEW.reason);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_state AFTER INSERT OR UPDATE OF state ON sched.sessions
    FOR EACH ROW EXECUTE FUNCTION sched.record_session_state();
