-- Link-local addresses (fe80::/10, 169.254.0.0/16) belong to a link, not to a
-- subnet: every link has the same fe80::/64, so one subnet of them (inferred
-- from the IPv6 addresses NDP finds) joined unrelated segments in the L3 view
-- and made every host holding a link-local address beside its IPv4 one a
-- router. They stay on their hosts as addresses, in no subnet; no subnet is
-- inferred from them (self-reports already skip them, apply_hosts.c); and
-- the hosts that were routers only through them are hosts again.
CREATE OR REPLACE FUNCTION inv.link_local(p inet) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p <<= 'fe80::/10'::inet OR p <<= '169.254.0.0/16'::inet
$$;

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
      AND NOT (a.ip << '127.0.0.0/8'::inet OR a.ip = '::1'::inet OR inv.link_local(a.ip))
    GROUP BY 3
    ON CONFLICT (network_id, cidr) DO NOTHING;

    -- Each address in the smallest subnet holding it (the network's
    -- subnets are few: one pass over them, not a search per address).
    WITH x AS (
        SELECT DISTINCT ON (a2.ip) a2.ip, s.id AS best
        FROM inv.addresses a2
        LEFT JOIN inv.subnets s ON s.network_id = p_network AND s.cidr >>= a2.ip
                               AND NOT inv.link_local(s.cidr)
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

-- The model as the rules above would have built it.
UPDATE inv.addresses a SET subnet_id = NULL
FROM inv.subnets s WHERE s.id = a.subnet_id AND inv.link_local(s.cidr);
DELETE FROM inv.subnets s WHERE inv.link_local(s.cidr);
UPDATE inv.hosts h SET kind = 'host'
WHERE h.kind = 'router' AND (
    SELECT count(DISTINCT a.subnet_id) FROM inv.addresses a
    JOIN inv.subnets s ON s.id = a.subnet_id AND s.kind NOT IN ('docker_bridge', 'loopback', 'virtual')
    WHERE a.host_id = h.id) < 2;
UPDATE inv.subnets s SET gateway = NULL
WHERE s.source <> 'self_report' AND s.gateway IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM inv.addresses a JOIN inv.hosts h ON h.id = a.host_id AND h.kind = 'router'
    WHERE a.subnet_id = s.id AND a.ip = s.gateway);
