-- The rebuilds of 0004 as joins over whole sets instead of one lookup per row
-- (a LATERAL search of the identities per neighbour entry, a function call
-- per forwarding-table port, a subquery per address and per host), and
-- writes only of rows that change, so a rebuild of an unchanged network
-- leaves no dead rows behind. Same rules, same results; and a cable whose far
-- end changed is recorded in the history as link_moved.

-- Cables of a network (rules in 0004): a neighbour entry's far end is the
-- host of its best key (chassis, then MAC, then management address, then
-- name); a single-MAC forwarding-table port that is no uplink leads to that
-- MAC's host. Returns how many cables were added, changed or removed.
CREATE OR REPLACE FUNCTION inv.rebuild_links(p_network uuid)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE n integer; d integer;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS new_links (a_host uuid, a_port text, b_host uuid, b_port text,
        source text, first_seen timestamptz, last_seen timestamptz, org_id uuid) ON COMMIT DROP;
    TRUNCATE new_links;

    INSERT INTO new_links
    WITH nk AS (
        SELECT nb.host_id, nb.local_port, nb.remote_chassis_id, nb.remote_port_id, k.kind, k.value, k.pri
        FROM inv.neighbors nb
        CROSS JOIN LATERAL (VALUES ('snmp_chassis', lower(nb.remote_chassis_id), 0),
                                   ('mac', lower(nb.remote_chassis_id), 1),
                                   ('sysname', lower(nb.remote_sys_name), 3)) AS k(kind, value, pri)
        WHERE nb.network_id = p_network AND k.value IS NOT NULL
        UNION ALL
        SELECT nb.host_id, nb.local_port, nb.remote_chassis_id, nb.remote_port_id, 'ip', m, 2
        FROM inv.neighbors nb CROSS JOIN unnest(nb.remote_mgmt) AS m
        WHERE nb.network_id = p_network),
    best AS (
        SELECT DISTINCT ON (nk.host_id, nk.local_port, nk.remote_chassis_id, nk.remote_port_id)
               nk.host_id, nk.local_port, nk.remote_chassis_id, nk.remote_port_id, i.host_id AS far
        FROM nk JOIN inv.host_identities i
          ON i.network_id = p_network AND i.kind = nk.kind AND i.value = nk.value
        ORDER BY nk.host_id, nk.local_port, nk.remote_chassis_id, nk.remote_port_id, nk.pri, i.host_id)
    SELECT nb.host_id, nb.local_port, b.far, nb.remote_port, nb.protocol, nb.first_seen,
           nb.last_seen, nb.org_id
    FROM inv.neighbors nb
    JOIN best b ON b.host_id = nb.host_id AND b.local_port = nb.local_port
        AND b.remote_chassis_id = nb.remote_chassis_id AND b.remote_port_id = nb.remote_port_id
    WHERE nb.network_id = p_network AND b.far <> nb.host_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 1000 THEN  -- plans over many cables need the temp table's size
        ANALYZE new_links;
    END IF;

    INSERT INTO new_links
    WITH ports AS (
        SELECT f.host_id, f.port, count(DISTINCT f.mac) AS macs, min(f.mac::text)::macaddr AS mac,
               min(f.first_seen) AS first_seen, max(f.last_seen) AS last_seen, min(f.org_id::text)::uuid AS org_id
        FROM inv.fdb f WHERE f.network_id = p_network AND coalesce(f.status, 3) <> 4
        GROUP BY f.host_id, f.port),
    switches AS (SELECT DISTINCT host_id FROM inv.fdb WHERE network_id = p_network),
    named AS (SELECT DISTINCT ON (i.host_id, i.mac) i.host_id, i.mac, i.name FROM inv.interfaces i
              WHERE i.network_id = p_network AND i.name IS NOT NULL AND i.mac IS NOT NULL
              ORDER BY i.host_id, i.mac, i.name),
    -- ports whose LLDP neighbour is a switch: uplinks
    uplinks AS (
        SELECT nb.host_id, nb.local_port FROM inv.neighbors nb
        WHERE nb.network_id = p_network AND coalesce(nb.remote_caps, 0) & 4 <> 0
        UNION
        SELECT l.a_host, l.a_port FROM new_links l JOIN switches s ON s.host_id = l.b_host
        JOIN inv.neighbors nb ON nb.host_id = l.a_host AND nb.local_port = l.a_port)
    SELECT p.host_id, p.port, m.host_id, coalesce(nm.name, p.mac::text), 'fdb', p.first_seen,
           p.last_seen, p.org_id
    FROM ports p
    JOIN inv.host_identities m ON m.network_id = p_network AND m.kind = 'mac' AND m.value = p.mac::text
    LEFT JOIN named nm ON nm.host_id = m.host_id AND nm.mac = p.mac
    WHERE p.macs = 1 AND m.host_id <> p.host_id
      AND NOT EXISTS (SELECT 1 FROM new_links l WHERE l.a_host = p.host_id AND l.a_port = p.port)
      AND NOT EXISTS (SELECT 1 FROM new_links l WHERE l.b_host = p.host_id AND l.b_port = p.port)
      AND NOT EXISTS (SELECT 1 FROM uplinks u WHERE u.host_id = p.host_id AND u.local_port = p.port)
      AND NOT EXISTS (SELECT 1 FROM switches s WHERE s.host_id = m.host_id);

    CREATE TEMP TABLE IF NOT EXISTS canon_links (LIKE new_links) ON COMMIT DROP;
    TRUNCATE canon_links;
    INSERT INTO canon_links
    SELECT CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN a_host ELSE b_host END,
           CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN a_port ELSE b_port END,
           CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN b_host ELSE a_host END,
           CASE WHEN (a_host::text, a_port) <= (b_host::text, b_port) THEN b_port ELSE a_port END,
           min(source), min(first_seen), max(last_seen), min(org_id::text)::uuid
    FROM new_links GROUP BY 1, 2, 3, 4;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 1000 THEN
        ANALYZE canon_links;
    END IF;

    -- A cable end (host, port) whose far end is no longer the one it had:
    -- the cable moved (a change for the history; a new or a lost cable alone
    -- is none).
    INSERT INTO inv.changes (org_id, network_id, at, kind, host_id, detail)
    WITH old_ends AS (
        SELECT l.org_id, l.a_host AS h, l.a_port AS p, l.b_host AS fh, l.b_port AS fp
        FROM inv.links l WHERE l.network_id = p_network AND l.source <> 'user'
        UNION ALL
        SELECT l.org_id, l.b_host, l.b_port, l.a_host, l.a_port
        FROM inv.links l WHERE l.network_id = p_network AND l.source <> 'user'),
    new_ends AS (
        SELECT c.a_host AS h, c.a_port AS p, c.b_host AS fh, c.b_port AS fp FROM canon_links c
        UNION ALL
        SELECT c.b_host, c.b_port, c.a_host, c.a_port FROM canon_links c)
    SELECT o.org_id, p_network, now(), 'link_moved', o.h,
           jsonb_build_object('port', o.p, 'from', jsonb_build_object('host_id', o.fh, 'port', o.fp),
                              'to', jsonb_build_object('host_id', n.fh, 'port', n.fp))
    FROM old_ends o JOIN new_ends n ON n.h = o.h AND n.p = o.p
    WHERE (n.fh, n.fp) <> (o.fh, o.fp)
      AND NOT EXISTS (SELECT 1 FROM new_ends k WHERE k.h = o.h AND k.p = o.p AND k.fh = o.fh
                      AND k.fp = o.fp)
      AND NOT EXISTS (SELECT 1 FROM old_ends k WHERE k.h = n.h AND k.p = n.p AND k.fh = n.fh
                      AND k.fp = n.fp);

    DELETE FROM inv.links l WHERE l.network_id = p_network AND l.source <> 'user'
        AND NOT EXISTS (SELECT 1 FROM canon_links c WHERE c.a_host = l.a_host AND c.a_port = l.a_port
                        AND c.b_host = l.b_host AND c.b_port = l.b_port);
    GET DIAGNOSTICS d = ROW_COUNT;
    INSERT INTO inv.links (org_id, network_id, a_host, a_port, b_host, b_port, source, first_seen, last_seen)
    SELECT org_id, p_network, a_host, a_port, b_host, b_port, source, first_seen, last_seen FROM canon_links
    ON CONFLICT (network_id, a_host, a_port, b_host, b_port) DO UPDATE SET
        source = EXCLUDED.source, last_seen = GREATEST(inv.links.last_seen, EXCLUDED.last_seen)
    WHERE inv.links.source IS DISTINCT FROM EXCLUDED.source OR inv.links.last_seen < EXCLUDED.last_seen;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n + d;
END $$;

-- Subnets and roles of a network (rules in 0004). p_all: every address is
-- placed again (subnets, merges or moved addresses changed); otherwise only
-- addresses without a subnet yet (new ones), and the roles of their hosts:
-- a set that only adds hosts costs what it added, not the network's size.
CREATE OR REPLACE FUNCTION inv.rebuild_l3(p_network uuid, p_all boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE v_hosts uuid[];
BEGIN
    INSERT INTO inv.subnets (org_id, network_id, cidr, kind, source, first_seen, last_seen)
    SELECT min(a.org_id::text)::uuid, p_network,
           network(set_masklen(a.ip, CASE WHEN family(a.ip) = 4 THEN 24 ELSE 64 END)), 'inferred',
           'inferred', min(a.first_seen), max(a.last_seen)
    FROM inv.addresses a
    WHERE a.network_id = p_network AND a.subnet_id IS NULL AND NOT EXISTS (
        SELECT 1 FROM inv.subnets s WHERE s.network_id = p_network AND s.cidr >>= a.ip)
      AND NOT (a.ip << '127.0.0.0/8'::inet OR a.ip = '::1'::inet)
    GROUP BY 3
    ON CONFLICT (network_id, cidr) DO NOTHING;

    -- Each address in the smallest subnet holding it (the network's
    -- subnets are few: one pass over them, not a search per address).
    WITH x AS (
        SELECT DISTINCT ON (a2.ip) a2.ip, s.id AS best
        FROM inv.addresses a2
        LEFT JOIN inv.subnets s ON s.network_id = p_network AND s.cidr >>= a2.ip
        WHERE a2.network_id = p_network AND (p_all OR a2.subnet_id IS NULL)
        ORDER BY a2.ip, masklen(s.cidr) DESC NULLS LAST),
    up AS (
        UPDATE inv.addresses a SET subnet_id = x.best FROM x
        WHERE a.network_id = p_network AND a.ip = x.ip AND a.subnet_id IS DISTINCT FROM x.best
        RETURNING a.host_id)
    SELECT array_agg(DISTINCT host_id) INTO v_hosts FROM up;

    UPDATE inv.hosts h SET kind = 'switch'
    WHERE h.network_id = p_network AND h.kind <> 'switch'
      AND h.id IN (SELECT f.host_id FROM inv.fdb f WHERE f.network_id = p_network);
    IF v_hosts IS NULL AND NOT p_all THEN
        RETURN;
    END IF;
    UPDATE inv.hosts h SET kind = 'router'
    FROM (SELECT a.host_id FROM inv.addresses a
          JOIN inv.subnets s ON s.id = a.subnet_id AND s.kind NOT IN ('docker_bridge', 'loopback', 'virtual')
          WHERE a.network_id = p_network AND (p_all OR a.host_id = ANY (v_hosts))
          GROUP BY a.host_id HAVING count(DISTINCT a.subnet_id) >= 2) r
    WHERE h.id = r.host_id AND h.kind = 'host';
    UPDATE inv.subnets s SET gateway = x.gw
    FROM (SELECT DISTINCT ON (a.subnet_id) a.subnet_id AS id, a.ip AS gw
          FROM inv.addresses a JOIN inv.hosts h ON h.id = a.host_id AND h.kind = 'router'
          WHERE a.network_id = p_network AND a.subnet_id IS NOT NULL
          ORDER BY a.subnet_id, a.ip) x
    WHERE s.id = x.id AND s.network_id = p_network
      AND (s.source <> 'self_report' OR s.gateway IS NULL) AND s.gateway IS DISTINCT FROM x.gw;
END $$;

CREATE OR REPLACE FUNCTION inv.rebuild_l3(p_network uuid)
RETURNS void LANGUAGE sql AS $$ SELECT inv.rebuild_l3(p_network, true) $$;
