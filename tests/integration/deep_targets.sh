#!/usr/bin/env bash
# Deep per target, within one job: two hosts listen on the same high port
# that no light list has; the job names one as a target and the other as a
# deep target. Only the deep one's high port is found.
#
#   1. Through the whole system: a network discovery with deep_targets made
#      through the API, handed to a daemon_poll daemon on its heartbeat,
#      scanned (127.0.0.2 light, 127.0.0.3 deep), its ports in the inventory;
#      a schedule keeps deep_targets and passes them to its runs.
#   2. In the shared lab (when it is up): scanopy-scan from lab-scan, web1
#      light and db1 deep, each with a listener this test adds and removes;
#      the wall time is printed.
. "$(dirname "$0")/lib.sh"
HIGH=$((47100 + O))
LISTENERS=()
listen_in() { # NS|- ADDR: a TCP listener on ADDR:HIGH (in netns NS unless -), noting
	# each connection it accepts in $T_DIR/conns-ADDR
	local ns=$1 addr=$2
	: >"$T_DIR/conns-$addr"
	local py="import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('$addr', $HIGH)); s.listen(1024); s.settimeout(600)
while True:
    c, _ = s.accept(); open('$T_DIR/conns-$addr', 'a').write('x\\n'); c.close()"
	if [ "$ns" = - ]; then
		python3 -c "$py" >/dev/null 2>&1 &
	else
		ip netns exec "$ns" python3 -c "$py" >/dev/null 2>&1 &
	fi
	LISTENERS+=($!)
}
stop_listeners() { [ ${#LISTENERS[@]} -eq 0 ] || kill "${LISTENERS[@]}" 2>/dev/null || true; }
trap 'rc=$?; stop_listeners; set +e; (exit $rc); env_down' EXIT

env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT --tick-ms 200
svc_start scanopy-gateway $GW_PORT
api_bootstrap lab
"$BIN/scanopy-daemon" run --server-url "$G" --api-key "$DKEY" --name edge --state-dir "$T_DIR/daemon" \
	--control-socket "ipc://$T_DIR/daemon.ipc" --poll-interval 1 >>"$T_DIR/scanopy-daemon.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon.pid"
registered() { [ -s "$T_DIR/daemon/daemon-id" ] && curl -sf -H "$A" "$G/api/v1/daemons" | jq -e 'length == 1' >/dev/null; }
check "the daemon enrols" wait_for 20 registered
DID=$(cat "$T_DIR/daemon/daemon-id")
listen_in - 127.0.0.2
listen_in - 127.0.0.3
up() { ss -Hltn "sport = :$HIGH" | grep -c . | grep -qx 2; }
check "both hosts listen on $HIGH" wait_for 10 up

bad() { curl -s -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "$1" | jq -e '.error.field == "deep_targets"' >/dev/null; }
check "deep_targets must be an array of addresses" bad '{"type":"network","deep_targets":"127.0.0.3"}'
check "and of addresses only" bad '{"type":"network","deep_targets":["127.0.0.3; drop"]}'
refused() { curl -s -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "$1" | jq -e --arg f "$2" '.error.field == $f and (.error.message | test("/120"))' >/dev/null; }
check "an IPv6 /64 target is refused, saying what is taken" refused '{"type":"network","targets":["fd00:1::/64"]}' targets
check "as a deep target too" refused '{"type":"network","deep_targets":["fd00:1::/64"]}' deep_targets
T0=$(date +%s%3N)
S=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"network","targets":["127.0.0.2"],"deep_targets":["127.0.0.3"]}')
SID=$(echo "$S" | jq -r .id)
check "the session keeps its deep targets" sh -c "echo '$S' | jq -e '.deep == false and .deep_targets == [\"127.0.0.3\"]' >/dev/null"
finished() { curl -sf -H "$A" "$G/api/v1/sessions/$SID" | jq -e '.state == "completed" or .state == "failed"' >/dev/null; }
check "the daemon runs the job" wait_for 120 finished
echo "     one job, 127.0.0.2 light + 127.0.0.3 deep: $(( $(date +%s%3N) - T0 )) ms from request to completion"
check "and completes it" sh -c "curl -sf -H '$A' $G/api/v1/sessions/$SID | jq -e '.state == \"completed\"' >/dev/null"
check "the deep target's high port was scanned" test -s "$T_DIR/conns-127.0.0.3"
check "the light target's was not" test ! -s "$T_DIR/conns-127.0.0.2"
check "the daemon reports the two hosts and the high port among its open ports" grep -q "discovery: 2 hosts, [1-9][0-9]* tcp" "$T_DIR/scanopy-daemon.log"

# Schedules: deep_targets kept, edited, and passed to the runs they start.
C=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/schedules" -d '{"daemon_id":"'$DID'","type":"network","interval_seconds":86400,"targets":["127.0.0.2"],"deep_targets":["127.0.0.3"],"paused":true}')
CID=$(echo "$C" | jq -r .id)
check "a schedule keeps deep_targets" sh -c "echo '$C' | jq -e '.deep_targets == [\"127.0.0.3\"]' >/dev/null"
check "PATCH changes them" sh -c "curl -sf -XPATCH -H '$A' -H '$J' $G/api/v1/schedules/$CID -d '{\"deep_targets\":[\"127.0.0.4\"]}' | jq -e '.deep_targets == [\"127.0.0.4\"] and .targets == [\"127.0.0.2\"]' >/dev/null"
R=$(curl -sf -XPOST -H "$A" "$G/api/v1/schedules/$CID/run")
check "its run carries them" sh -c "echo '$R' | jq -e '.deep_targets == [\"127.0.0.4\"]' >/dev/null"
RID=$(echo "$R" | jq -r .id)
curl -sf -XPOST -H "$A" "$G/api/v1/sessions/$RID/cancel" >/dev/null || true
check "a discovery without deep_targets has none" sh -c "curl -sf -XPOST -H '$A' -H '$J' $G/api/v1/networks/$NET/discoveries -d '{\"type\":\"self_report\"}' | jq -e '.deep_targets == []' >/dev/null"

# The lab: web1 (10.77.1.12) light, db1 (10.77.1.13) deep, one scan.
if ip netns list | grep -qw lab-scan && ip netns list | grep -qw lab-h03; then
	listen_in lab-h02 10.77.1.12
	listen_in lab-h03 10.77.1.13
	lab_up() { [ "$(ip netns exec lab-h02 ss -Hltn "sport = :$HIGH" | wc -l)" = 1 ] &&
		[ "$(ip netns exec lab-h03 ss -Hltn "sport = :$HIGH" | wc -l)" = 1 ]; }
	check "lab: web1 and db1 listen on $HIGH" wait_for 10 lab_up
	ip netns exec lab-scan "$BIN/scanopy-scan" --targets 10.77.1.12 --deep-targets 10.77.1.13 \
		--pps 20000 --no-udp >"$T_DIR/lab.jsonl" 2>"$T_DIR/lab.log" || true
	open_high() { jq -r --argjson p "$HIGH" 'select(.port? and .port.port == $p) | .port.ip' "$T_DIR/lab.jsonl" | sort -u | paste -sd,; }
	check "lab: only db1's high port is found" test "$(open_high)" = 10.77.1.13
	check "lab: web1's high port was never connected to" test ! -s "$T_DIR/conns-10.77.1.12"
	check "lab: both hosts are found" test "$(tail -n1 "$T_DIR/lab.log" | jq .hosts)" = 2
	echo "     lab scan (web1 light + db1 deep, 65535 ports): $(tail -n1 "$T_DIR/lab.log")"
else
	echo "     (the lab is not up: the lab part is skipped)"
fi
finish
