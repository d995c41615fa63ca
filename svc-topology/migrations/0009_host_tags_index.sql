-- Users' host tags are a filter of the hosts list and of the four views
-- (?tag=, all must match: tags @> $1), served by a GIN index.
CREATE INDEX hosts_tags ON inv.hosts USING gin (tags);
