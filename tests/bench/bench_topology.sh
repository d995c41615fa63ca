#!/usr/bin/env bash
# Runs bench_topology on a PostgreSQL of its own (the integration harness's,
# on SCANOPY_TEST_PORT_OFFSET ports). Arguments go to bench_topology.
. "$(dirname "$0")/../integration/lib.sh"
PG_FSYNC=on start_pg "$T_DIR/pg" "$T_PG_PORT"
"$BIN/bench_topology" --database-url "$SCANOPY_DATABASE_URL" "$@"
