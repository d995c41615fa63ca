#!/usr/bin/env bash
# A malformed protobuf, a header with a forged subject and a batch the database
# rejects are each parked on OBS_DEAD with a logged reason, once, and the
# batches after them still flow.
. "$(dirname "$0")/lib.sh"
env_up
ORG=$(uuid) NET=$(uuid) DAEMON=$(uuid)
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT

pub() { "$BIN/obs-publish" --org-id "$ORG" --network-id "$NET" --daemon-id "$DAEMON" "$@"; }
pub --garbage
# A daemon id that is a valid subject token but not a UUID: the database
# refuses it, so topology must park it and keep going.
"$BIN/obs-publish" --org-id "$ORG" --network-id "$NET" --daemon-id not-a-uuid --count 1
pub --count 50

committed() { [ "$(sql 'SELECT count(*) FROM inv.batches')" -ge 50 ]; }
check "batches after the poison still flow" wait_for 30 committed
parked() { [ "$(stream_msgs OBS_DEAD)" -ge 2 ]; }
wait_for 15 parked || true
sleep 2
check "two messages parked, each once" test "$(stream_msgs OBS_DEAD)" -eq 2
check "the malformed one by fingerprint" \
	test "$(metric $FP_PORT scanopy_fingerprint_parked_total)" -eq 1
check "the rejected one by topology" \
	test "$(metric $TOPO_PORT scanopy_topology_parked_total)" -eq 1
check "the reason is logged" grep -q "not a valid ObservationBatch" "$T_DIR/scanopy-fingerprint.log"
check "nothing is redelivered forever" \
	test "$(metric $FP_PORT scanopy_fingerprint_received_total)" -eq 52
check "both services still healthy" sh -c \
	'curl -sf http://127.0.0.1:$FP_PORT/healthz && curl -sf http://127.0.0.1:$TOPO_PORT/healthz' >/dev/null
finish
