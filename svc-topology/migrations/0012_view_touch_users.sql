-- More users' edits that change the views without the topology service (as
-- 0007's renames and deletes): a host's tags (view nodes carry them and
-- ?tag= filters on them), and users' applications, their members and their
-- dependencies (the applications view). Scans write none of these columns or
-- tables, except applications rows, which only the triggers' WHEN clauses on
-- users' fields and users' rows let through.
CREATE TRIGGER view_touch_tags AFTER UPDATE OF tags ON inv.hosts FOR EACH ROW
    WHEN (OLD.tags IS DISTINCT FROM NEW.tags)
    EXECUTE FUNCTION inv.view_touch_host();

CREATE TRIGGER view_touch_app_fields AFTER UPDATE OF user_name, description, tags
    ON inv.applications FOR EACH ROW
    WHEN (OLD.user_name IS DISTINCT FROM NEW.user_name
          OR OLD.description IS DISTINCT FROM NEW.description
          OR OLD.tags IS DISTINCT FROM NEW.tags)
    EXECUTE FUNCTION inv.view_touch_host();
CREATE TRIGGER view_touch_app_new AFTER INSERT ON inv.applications FOR EACH ROW
    WHEN (NEW.source = 'user')
    EXECUTE FUNCTION inv.view_touch_host();
CREATE TRIGGER view_touch_app_gone AFTER DELETE ON inv.applications FOR EACH ROW
    WHEN (OLD.source = 'user')
    EXECUTE FUNCTION inv.view_touch_host();
CREATE TRIGGER view_touch_app_members AFTER INSERT OR UPDATE OR DELETE
    ON inv.application_user_members FOR EACH ROW
    EXECUTE FUNCTION inv.view_touch_host();
CREATE TRIGGER view_touch_app_dependencies AFTER INSERT OR UPDATE OR DELETE
    ON inv.application_dependencies FOR EACH ROW
    EXECUTE FUNCTION inv.view_touch_host();
