#!/usr/bin/env bash
# The README's run command on its own state directory and ports: every process
# healthy within 60 s, `status` says so, state survives down/up, and `down`
# leaves no process behind.
. "$(dirname "$0")/lib.sh"
export SCANOPY_STATE_DIR=$T_DIR/stack SCANOPY_PORT_OFFSET=${STACK_PORT_OFFSET:-3000}
export SCANOPY_BUILD_DIR=$(dirname "$BIN") SCANOPY_SKIP_BUILD=1
unset SCANOPY_NATS_URL SCANOPY_DATABASE_URL
GW=$((60072 + SCANOPY_PORT_OFFSET)) PGP=$((5433 + SCANOPY_PORT_OFFSET))
stack() { "$ROOT/deploy/stack" "$@"; }
stack_pids() { cat "$SCANOPY_STATE_DIR"/run/*.pid "$SCANOPY_STATE_DIR/nats/nats.pid" 2>/dev/null; }
all_gone() { for p in $(stack_pids) $1; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
inv() { runuser -u postgres -- psql -h 127.0.0.1 -p "$PGP" -U postgres -d scanopy -tAqc "$1"; }

t0=$SECONDS
check "stack up" stack up
check "all five processes healthy within 60 s" test $((SECONDS - t0)) -le 60
check "stack status reports everything running" stack status
check "the API answers" sh -c "curl -sf http://127.0.0.1:$GW/api/health | grep -q '\"status\":\"ok\"'"
selfreported() { [ "$(inv 'SELECT count(*) FROM inv.batches')" -ge 1 ]; }
check "the daemon's self-report reaches the inventory" wait_for 20 selfreported
pids=$(stack_pids)
check "stack down" stack down
check "down leaves no process behind" all_gone "$pids"
check "status after down says stopped" sh -c '! "$0" status' "$ROOT/deploy/stack"

check "stack up again" stack up
check "state survived: the first report is still there" selfreported
check "and the same daemon id reported again" \
	test "$(inv 'SELECT count(DISTINCT daemon_id) FROM inv.batches')" -eq 1
pids=$(stack_pids)
stack down >/dev/null
check "second down leaves no process behind" all_gone "$pids"
finish
