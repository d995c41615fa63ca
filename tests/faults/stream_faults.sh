#!/usr/bin/env bash
# Fault tests of the observation pipeline: each round streams N batches from a
# daemon of its own through NATS, fingerprint and topology into PostgreSQL,
# inflicts one fault while they flow, and counts what came out: every batch
# must be in the ledger exactly once, with its host, and nothing parked.
#
#   topology SIGKILLed        consumers' unacked work returns to the stream
#   fingerprint SIGKILLed     (also in integration.bus_exactly_once, at 10,000)
#   nats-server restarted     the streams are on disk; clients reconnect
#   PostgreSQL restarted      transactions in flight fail and are retried
. "$(dirname "$0")/../integration/lib.sh"
N=${FAULT_BATCHES:-600}
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT

applied() { sql "SELECT count(*) FROM inv.batches WHERE daemon_id = '$1'"; }
acked() { metric "$1" "scanopy_$2_acked_total"; }

# round NAME FAULT_FUNCTION: streams, waits for a fifth of the stream to be
# through topology, calls the fault, waits for the stream to drain, counts.
round() {
	local name=$1 fault=$2 org net daemon pub start
	org=$(uuid) net=$(uuid) daemon=$(uuid) start=$SECONDS
	"$BIN/obs-publish" --org-id "$org" --network-id "$net" --daemon-id "$daemon" \
		--count "$N" >>"$T_DIR/obs-publish.log" 2>&1 &
	pub=$!
	started() { [ "$(applied "$daemon")" -ge $((N / 5)) ]; }
	wait_for 120 started || echo "  (the stream was slow to start)"
	local before
	before=$(applied "$daemon")
	$fault
	wait "$pub" || { echo "  the publisher failed: $(tail -n 3 "$T_DIR/obs-publish.log")"; }
	all_in() { [ "$(applied "$daemon")" -ge "$N" ]; }
	wait_for 300 all_in || true
	sleep 2 # a late duplicate would land now
	local out distinct hosts
	out=$(applied "$daemon")
	distinct=$(sql "SELECT count(DISTINCT sequence) FROM inv.batches WHERE daemon_id = '$daemon' AND sequence BETWEEN 1 AND $N")
	hosts=$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$net'")
	echo "  $name: in $N, out $out ($before before the fault), lost $((N - distinct)), duplicated $((out - distinct)), hosts $hosts, $((SECONDS - start)) s"
	check "$name: nothing lost" test "$distinct" -eq "$N"
	check "$name: nothing duplicated" test "$out" -eq "$distinct"
	check "$name: one host per batch" test "$hosts" -eq "$N"
	check "$name: services still healthy" sh -c \
		"curl -sf http://127.0.0.1:$FP_PORT/healthz >/dev/null && curl -sf http://127.0.0.1:$TOPO_PORT/healthz >/dev/null"
}

kill_topology() {
	svc_kill scanopy-topology $TOPO_PORT
	sleep 1
	svc_start scanopy-topology $TOPO_PORT
}
kill_fingerprint() {
	svc_kill scanopy-fingerprint $FP_PORT
	sleep 1
	svc_start scanopy-fingerprint $FP_PORT
}
restart_nats() {
	stop_nats "$T_DIR/nats"
	sleep 2
	start_nats "$T_DIR/nats" "$T_NATS_PORT" "$T_NATS_MON"
}
restart_pg() {
	stop_pg "$T_DIR/pg"
	sleep 2
	PG_FSYNC=off start_pg "$T_DIR/pg" "$T_PG_PORT"
}

round "topology SIGKILLed" kill_topology
round "fingerprint SIGKILLed" kill_fingerprint
round "PostgreSQL restarted" restart_pg
round "nats-server restarted" restart_nats
check "nothing parked in any round" test "$(stream_msgs OBS_DEAD)" -eq 0
finish
