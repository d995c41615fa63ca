-- The network's lock, one definition for every writer of a network's model:
-- the topology service while it applies a batch (and its sweeps), and the
-- gateway's users' merges, splits and applications, so none interleaves with
-- another. A transaction-scoped advisory lock on 'inv:<network id>'
-- (inv.split_host, 0011, takes the same lock inline).
CREATE FUNCTION inv.lock_network(net text) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtextextended('inv:' || net, 0))
$$;
