#!/usr/bin/env bash
# Publishes 10,000 observation batches, SIGKILLs scanopy-fingerprint while they
# flow, restarts it, and checks that PostgreSQL holds every batch exactly once.
. "$(dirname "$0")/lib.sh"
N=${BUS_BATCHES:-10000}
env_up
ORG=$(uuid) NET=$(uuid) DAEMON=$(uuid)

svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
"$BIN/obs-publish" --org-id "$ORG" --network-id "$NET" --daemon-id "$DAEMON" --count "$N" &
PUB=$!

# Kill the fingerprint service once a part of the stream has gone through.
wait_for 120 sh -c "[ \$(curl -sf http://127.0.0.1:$FP_PORT/metrics | awk '\$1==\"scanopy_fingerprint_acked_total\"{print \$2}') -ge $((N / 5)) ]"
acked_before=$(metric $FP_PORT scanopy_fingerprint_acked_total)
svc_kill scanopy-fingerprint $FP_PORT
echo "killed scanopy-fingerprint after $acked_before acked batches"
sleep 1
svc_start scanopy-fingerprint $FP_PORT
wait "$PUB"

committed() { [ "$(sql 'SELECT count(*) FROM inv.batches')" -ge "$N" ]; }
wait_for 300 committed || true
sleep 2 # anything still in flight would land now and show as an excess

check "every batch committed exactly once" \
	test "$(sql 'SELECT count(*) FROM inv.batches')" -eq "$N"
check "sequences 1..$N, none missing" \
	test "$(sql "SELECT count(DISTINCT sequence) FROM inv.batches WHERE sequence BETWEEN 1 AND $N")" -eq "$N"
check "one host and one open port per batch" \
	test "$(sql 'SELECT count(*) FROM inv.hosts')/$(sql 'SELECT count(*) FROM inv.ports')" = "$N/$N"
check "nothing parked" test "$(stream_msgs OBS_DEAD)" -eq 0
echo "topology applied: $(metric $TOPO_PORT scanopy_topology_acked_total) acked, $(metric $TOPO_PORT scanopy_topology_received_total) received (redeliveries included)"
finish
