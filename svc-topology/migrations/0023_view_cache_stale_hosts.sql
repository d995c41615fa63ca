-- Whether any host of the network was stale (not seen for 7 days) in the
-- snapshot a view was rendered from. While that rendering is served (of the
-- network's generation, and no node turned stale since: fresh_until) the
-- answer holds, and when it is false a view filtered only by
-- include_stale=false is the unfiltered one: the gateway serves it from here
-- too. NULL (rendered before this column): not known, never served so.
ALTER TABLE inv.view_cache ADD COLUMN IF NOT EXISTS stale_hosts boolean;
