# Harness for the integration tests: a real nats-server and a real PostgreSQL
# on ports and in a directory of the test's own, so tests run beside a local
# stack. Source it, then call env_up; everything started is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${SCANOPY_BIN:-$ROOT/build/bin}
. "$ROOT/deploy/infra.sh"

# SCANOPY_TEST_PORT_OFFSET moves every port, so two checkouts can run their
# suites on one machine at once. Under ctest -j, SCANOPY_TEST_SLOTS=N lets
# tests run side by side: each takes the first free of N slots of 20 ports
# past that offset, held by a lock for as long as the test or anything it
# started lives, and hands its offset to what it runs (which takes none).
O=${SCANOPY_TEST_PORT_OFFSET:-0}
if [ -n "${SCANOPY_TEST_SLOTS:-}" ]; then
	for ((T_SLOT = 0; ; T_SLOT++)); do
		if [ "$T_SLOT" -ge "$SCANOPY_TEST_SLOTS" ]; then
			echo "lib.sh: all $SCANOPY_TEST_SLOTS test slots are taken" >&2
			exit 1
		fi
		exec {T_SLOT_FD}>"/tmp/scanopy-test-slot.$((O + 20 * T_SLOT))"
		flock -n "$T_SLOT_FD" && break
		exec {T_SLOT_FD}>&-
	done
	O=$((O + 20 * T_SLOT))
	export SCANOPY_TEST_PORT_OFFSET=$O
	unset SCANOPY_TEST_SLOTS
fi
T_NATS_PORT=$((24222 + O)) T_NATS_MON=$((28222 + O)) T_PG_PORT=$((25433 + O))
GW_PORT=$((26072 + O)) FP_PORT=$((26074 + O)) TOPO_PORT=$((26075 + O))
SCHED_PORT=$((26076 + O)) SCHED2_PORT=$((26077 + O)) TOPO2_PORT=$((26078 + O))
export GW_PORT FP_PORT TOPO_PORT SCHED_PORT SCHED2_PORT
export SCANOPY_NATS_URL=nats://127.0.0.1:$T_NATS_PORT
export SCANOPY_DATABASE_URL=postgresql://postgres@127.0.0.1:$T_PG_PORT/scanopy
T_DIR=$(mktemp -d /tmp/scanopy-it.XXXXXX)
chmod 755 "$T_DIR"
T_PASS=0 T_FAIL=0

# Sanitizer reports (leaks at exit included) in any service's log fail the test.
sanitizer_reports() {
	grep -rl --include="*.log" -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$T_DIR" 2>/dev/null
}

env_down() {
	local f rc=$?
	for f in "$T_DIR"/*.pid; do [ -e "$f" ] && stop_pid "$f" 10; done
	stop_nats "$T_DIR/nats"
	stop_pg "$T_DIR/pg"
	if f=$(sanitizer_reports); then
		echo "FAIL - sanitizer reports in: $f"; grep -h -A12 -E "ERROR: |runtime error:" $f | head -60
		T_FAIL=$((T_FAIL + 1)) rc=1
	fi
	if [ "$T_FAIL" -gt 0 ] || [ -n "${KEEP_TEST_DIR:-}" ]; then
		echo "logs kept in $T_DIR"
	else
		rm -rf "$T_DIR"
	fi
	exit $rc
}
trap env_down EXIT

env_up() {
	start_nats "$T_DIR/nats" "$T_NATS_PORT" "$T_NATS_MON"
	PG_FSYNC=off start_pg "$T_DIR/pg" "$T_PG_PORT"
}

# svc_start NAME HTTP_PORT [ARGS...]: starts a service and waits for /healthz.
# Its pid is kept per name and port, so replicas of one service each have one.
svc_start() {
	local name=$1 port=$2; shift 2
	"$BIN/$name" --http-port "$port" "$@" >>"$T_DIR/$name.log" 2>&1 &
	echo $! >"$T_DIR/$name-$port.pid"
	wait_for 60 curl -sf "http://127.0.0.1:$port/healthz" ||
		{ echo "$name did not become healthy:"; tail -n 20 "$T_DIR/$name.log"; return 1; }
}

# svc_kill NAME HTTP_PORT: SIGKILL, as a crash would.
svc_kill() {
	local f="$T_DIR/$1-$2.pid"
	kill -KILL "$(cat "$f")"
	wait "$(cat "$f")" 2>/dev/null || true
	rm -f "$f"
}

sql() { runuser -u postgres -- psql -h 127.0.0.1 -p "$T_PG_PORT" -U postgres -d scanopy -tAqc "$1"; }

# metric PORT NAME: a counter's value from a service's /metrics.
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }

# stream_msgs NAME: messages held in a JetStream stream.
stream_msgs() {
	curl -sf "http://127.0.0.1:$T_NATS_MON/jsz?streams=true" |
		jq -r --arg s "$1" '[.account_details[]?.stream_detail[]? | select(.name == $s) | .state.messages] | add // 0'
}

# pipeline_drained: every JetStream consumer (fingerprint's, topology's) has
# nothing pending and nothing unacknowledged: what was published is applied.
pipeline_drained() {
	curl -sf "http://127.0.0.1:$T_NATS_MON/jsz?consumers=true" | jq -e \
		'[.account_details[]?.stream_detail[]?.consumer_detail[]? | .num_pending + .num_ack_pending] | length > 0 and add == 0' >/dev/null
}

check() {
	local what=$1; shift
	if "$@"; then echo "ok   - $what"; T_PASS=$((T_PASS + 1))
	else echo "FAIL - $what"; T_FAIL=$((T_FAIL + 1)); fi
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

uuid() { cat /proc/sys/kernel/random/uuid; }

# api_bootstrap NETWORK: through the gateway on GW_PORT (or at GW_URL), sets the installation up,
# signs in, and sets G, J, A (a user key's header), NET (a new network's id)
# and DKEY (a daemon key for it).
api_bootstrap() {
	G=${GW_URL:-http://127.0.0.1:$GW_PORT} J='Content-Type: application/json'
	curl -sf -XPOST "$G/api/v1/setup" -H "$J" \
		-d '{"organization":"Test","email":"o@test.example","password":"correct horse battery"}' >/dev/null
	curl -sf -c "$T_DIR/jar" -XPOST "$G/api/v1/auth/login" -H "$J" \
		-d '{"email":"o@test.example","password":"correct horse battery"}' >"$T_DIR/login"
	local key
	key=$(curl -sf -b "$T_DIR/jar" -H "X-CSRF-Token: $(jq -r .csrf_token "$T_DIR/login")" \
		-XPOST "$G/api/v1/api-keys" | jq -r .key)
	A="Authorization: Bearer $key"
	NET=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks" -d "{\"name\":\"$1\"}" | jq -r .id)
	DKEY=$(curl -sf -XPOST -H "$A" "$G/api/v1/networks/$NET/daemon-keys" | jq -r .key)
}
# server_poll_up NETWORK DISPATCH_ATTEMPTS [SCHEDULER_ARGS...]: the pipeline,
# and a gateway and a scheduler sharing a secret-key file (the gateway seals
# call keys, the scheduler opens them) that call ServerPoll daemons every
# 2 s; then api_bootstrap NETWORK. DPORT is the port a test daemon listens on;
# SCHED_ARGS the scheduler's arguments, to start replicas alike.
server_poll_up() {
	env_up
	DPORT=$((26073 + O))
	svc_start scanopy-topology $TOPO_PORT
	svc_start scanopy-fingerprint $FP_PORT
	svc_start scanopy-gateway $GW_PORT --secret-key-file "$T_DIR/secret.key"
	SCHED_ARGS=(--tick-ms 200 --offline-seconds 10 --dispatch-attempts "$2"
		--server-poll-seconds 2 --secret-key-file "$T_DIR/secret.key" "${@:3}")
	svc_start scanopy-scheduler $SCHED_PORT "${SCHED_ARGS[@]}"
	api_bootstrap "$1"
}
# netns_pair NS PEER: two network namespaces joined by a veth pair (eth0 in
# each, up, no addresses, no duplicate address detection), removed on exit
# with the servers whose pids are in $T_DIR/peer.pids.
netns_pair() {
	NS_PAIR="$1 $2"
	trap 'rc=$?; netns_pair_down; set +e; (exit $rc); env_down' EXIT
	ip netns add "$1" && ip netns add "$2" &&
		ip -n "$1" link add eth0 type veth peer name eth0 netns "$2" || return 1
	for n in $NS_PAIR; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
		ip -n "$n" link set lo up
		ip -n "$n" link set eth0 up
	done
}
netns_pair_down() {
	[ -f "$T_DIR/peer.pids" ] && kill $(cat "$T_DIR/peer.pids") 2>/dev/null || true
	for n in $NS_PAIR; do ip netns del "$n" 2>/dev/null || true; done
}
is_uuid() { [[ "$1" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]; }
