#!/usr/bin/env bash
# The MSP scale run: a simulated MSP (default 500 organisations, 2,000
# networks, 250,000 hosts) streamed through NATS, fingerprint, topology and
# PostgreSQL (fsync on), on a nats-server and PostgreSQL of its own (the
# integration harness's, on SCANOPY_TEST_PORT_OFFSET ports). Prints:
#   - the reference: the raw NATS publish rate of the same batches;
#   - per replica count (1, then 2 of fingerprint and of topology): throughput
#     (obs/s), latency from publish to the hosts view (p50/p99, sampled), the
#     peak RSS of every service process, and hosts counted per organisation
#     and network against what was sent (any lost or duplicated fails the run);
#   - the throughput gain of two replicas over one.
# Each run starts from an empty database and empty streams.
#
#   tests/bench/bench_msp.sh [--orgs N] [--networks N] [--hosts N]
#                            [--batch-hosts N] [--rate BATCHES_PER_S] [--replicas "1 2"] [--smoke]
# Without --rate every batch is offered at once, so the latency figures are
# mostly the backlog's; with a rate below capacity they are the pipeline's.
# --smoke is a small size (5 organisations, 10 networks, 500 hosts) for CI.
. "$(dirname "$0")/../integration/lib.sh"

ARGS=() REPLICAS="1 2"
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) ARGS+=(--orgs 5 --networks 10 --hosts 500) ;;
	--orgs | --networks | --hosts | --batch-hosts | --timeout-s | --rate) ARGS+=("$1" "$2"); shift ;;
	--replicas) REPLICAS=$2; shift ;;
	*) echo "usage: $0 [--orgs N] [--networks N] [--hosts N] [--batch-hosts N] [--rate N] [--replicas \"1 2\"] [--smoke]" >&2
		exit 2 ;;
	esac
	shift
done
BENCH=("$BIN/bench_msp" --nats-url "$SCANOPY_NATS_URL" --database-url "$SCANOPY_DATABASE_URL" "${ARGS[@]}")

# fresh: empty streams and an empty database, no service running.
fresh() {
	for f in "$T_DIR"/scanopy-*.pid; do [ -e "$f" ] && stop_pid "$f" 30; done
	stop_nats "$T_DIR/nats"
	rm -rf "$T_DIR/nats/js"
	start_nats "$T_DIR/nats" "$T_NATS_PORT" "$T_NATS_MON"
	runuser -u postgres -- psql -h 127.0.0.1 -p "$T_PG_PORT" -U postgres -d postgres -qc \
		"DROP DATABASE IF EXISTS scanopy WITH (FORCE)" >/dev/null
	runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$T_PG_PORT" -U postgres scanopy
}

# peak_rss: VmHWM of every running service process and of nats-server.
peak_rss() {
	local f name
	for f in "$T_DIR"/scanopy-*.pid "$T_DIR/nats/nats.pid"; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		awk -v n="$name" '/^VmHWM/ { printf "  peak RSS %-26s %7.1f MiB\n", n, $2 / 1024 }' \
			"/proc/$(head -n 1 "$f")/status" 2>/dev/null
	done
}

PG_FSYNC=on start_pg "$T_DIR/pg" "$T_PG_PORT"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"

fresh
echo "== reference (nothing consuming)"
"${BENCH[@]}" --mode reference || exit 1

FAILED=0
declare -A RATE
for r in $REPLICAS; do
	fresh
	echo "== pipeline: $r fingerprint and $r topology replica(s)"
	for i in $(seq 0 $((r - 1))); do
		svc_start scanopy-topology $((TOPO_PORT + 10 * i))
		svc_start scanopy-fingerprint $((FP_PORT + 10 * i))
	done
	"${BENCH[@]}" --mode pipeline | tee "$T_DIR/run-$r.txt" || FAILED=1
	peak_rss
	RATE[$r]=$(awk '/^throughput:/ { for (i = 1; i <= NF; i++) if ($i == "obs/s,") print $(i - 1) }' "$T_DIR/run-$r.txt")
done
if [ -n "${RATE[1]:-}" ] && [ -n "${RATE[2]:-}" ]; then
	awk -v a="${RATE[1]}" -v b="${RATE[2]}" \
		'BEGIN { printf "two replicas against one: %.0f / %.0f obs/s = %.2fx\n", b, a, b / a }'
fi
for f in "$T_DIR"/scanopy-*.pid; do [ -e "$f" ] && stop_pid "$f" 30; done
[ "$FAILED" -eq 0 ] || { echo "FAIL: hosts lost or duplicated (see the counts above)"; T_FAIL=1; exit 1; }
