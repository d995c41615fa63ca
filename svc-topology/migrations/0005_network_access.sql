-- Per-network access (the gateway's 0004_memberships_network_access.sql):
-- when a transaction's scanopy.network_ids lists networks, only their rows
-- are visible. Tables with a network_id are held to the list; the others
-- through their parent row, which is.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT c.table_name FROM information_schema.columns c
             JOIN information_schema.tables b USING (table_schema, table_name)
             WHERE c.table_schema = 'inv' AND b.table_type = 'BASE TABLE'
               AND c.column_name = 'network_id'
    LOOP
        EXECUTE format('CREATE POLICY network_access ON inv.%I AS RESTRICTIVE USING ('
                       'coalesce(current_setting(''scanopy.network_ids'', true), '''') = '''' '
                       'OR network_id = ANY ((SELECT current_setting(''scanopy.network_ids'', '
                       'true)::uuid[])::uuid[]))', t);
    END LOOP;
END $$;

CREATE POLICY network_access ON inv.ports AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR EXISTS (SELECT 1 FROM inv.hosts h WHERE h.id = host_id));
CREATE POLICY network_access ON inv.services AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR EXISTS (SELECT 1 FROM inv.hosts h WHERE h.id = host_id));
CREATE POLICY network_access ON inv.application_members AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR EXISTS (SELECT 1 FROM inv.applications a WHERE a.id = application_id));
CREATE POLICY network_access ON inv.application_edges AS RESTRICTIVE USING (
    coalesce(current_setting('scanopy.network_ids', true), '') = ''
    OR EXISTS (SELECT 1 FROM inv.applications a WHERE a.id = application_id));
