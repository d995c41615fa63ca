#!/usr/bin/env bash
# Deep per target, within one job: two hosts listen on the same high port
# that no light list has; the job names both as targets and one of them as a
# deep target. Only the deep one's high port is found. A deep target must lie
# within the job's targets (or, when it names none, the daemon's subnets):
# one outside is refused with a 422 saying so, and nothing is stored or
# dispatched.
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
outside() { # BODY PATTERN: refused (422) on deep_targets, the message matching PATTERN
	local out code
	out=$(curl -s -w '\n%{http_code}' -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "$1")
	code=$(echo "$out" | tail -n1)
	[ "$code" = 422 ] && echo "$out" | head -n1 | jq -e --arg p "$2" '.error.field == "deep_targets" and (.error.message | test($p))' >/dev/null
}
n_sessions() { sql "SELECT count(*) FROM sched.sessions"; }
before=$(n_sessions)
check "a deep target outside the job's targets is refused (422), naming it" outside \
	'{"type":"network","targets":["127.0.0.2"],"deep_targets":["127.0.0.3"]}' '127\.0\.0\.3 is not within the job.s targets \(127\.0\.0\.2\)'
check "a deep CIDR wider than the target CIDR is refused" outside \
	'{"type":"network","targets":["127.0.0.0/30"],"deep_targets":["127.0.0.0/29"]}' 'not within'
check "a job without targets: a deep target outside the daemon's subnets is refused" outside \
	'{"type":"network","deep_targets":["203.0.113.77"]}' '203\.0\.113\.77 is not within'
check "a refused job is never stored, so never dispatched" test "$(n_sessions)" = "$before"
inside() { curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "$1" | jq -e '.state == "pending"' >/dev/null; }
check "a deep CIDR inside a target CIDR is taken" inside \
	'{"type":"self_report","targets":["127.0.0.0/29"],"deep_targets":["127.0.0.4/30"]}'
SUB=$(sql "SELECT host(s::inet) FROM core.daemons, jsonb_array_elements_text(capabilities -> 'subnets') s WHERE family(s::inet) = 4 LIMIT 1")
[ -n "$SUB" ] && check "without targets, a deep target in the daemon's subnet ($SUB) is taken" inside \
	'{"type":"self_report","deep_targets":["'"$SUB"'"]}'
check "the database holds the rule too (CHECK)" sh -c "! runuser -u postgres -- psql -h 127.0.0.1 -p $T_PG_PORT -U postgres -d scanopy -tAqc \"UPDATE sched.sessions SET targets = '{127.0.0.9}', deep_targets = '{127.0.0.3}' WHERE id = (SELECT id FROM sched.sessions LIMIT 1)\" 2>/dev/null"
T0=$(date +%s%3N)
S=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"network","targets":["127.0.0.2","127.0.0.3"],"deep_targets":["127.0.0.3"]}')
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
sched_code() { curl -s -o "$T_DIR/sched_reply" -w '%{http_code}' -X"$1" -H "$A" -H "$J" "$G/api/v1/schedules$2" -d "$3"; }
refused_sched() { [ "$(sched_code "$@")" = 422 ] && jq -e '.error.field == "deep_targets"' "$T_DIR/sched_reply" >/dev/null; }
check "a schedule with a deep target outside its targets is refused (422)" refused_sched POST "" \
	'{"daemon_id":"'$DID'","type":"network","interval_seconds":86400,"targets":["127.0.0.2"],"deep_targets":["127.0.0.3"],"paused":true}'
C=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/schedules" -d '{"daemon_id":"'$DID'","type":"network","interval_seconds":86400,"targets":["127.0.0.2","127.0.0.3","127.0.0.4"],"deep_targets":["127.0.0.3"],"paused":true}')
CID=$(echo "$C" | jq -r .id)
check "a schedule keeps deep_targets" sh -c "echo '$C' | jq -e '.deep_targets == [\"127.0.0.3\"]' >/dev/null"
check "PATCH changes them" sh -c "curl -sf -XPATCH -H '$A' -H '$J' $G/api/v1/schedules/$CID -d '{\"deep_targets\":[\"127.0.0.4\"]}' | jq -e '.deep_targets == [\"127.0.0.4\"] and .targets == [\"127.0.0.2\",\"127.0.0.3\",\"127.0.0.4\"]' >/dev/null"
check "PATCH to a deep target outside its targets is refused (422)" refused_sched PATCH "/$CID" '{"deep_targets":["127.0.0.9"]}'
check "PATCH of targets that would leave a deep target outside is refused (422)" refused_sched PATCH "/$CID" '{"targets":["127.0.0.2"]}'
check "and the schedule is unchanged" sh -c "curl -sf -H '$A' $G/api/v1/schedules/$CID | jq -e '.deep_targets == [\"127.0.0.4\"] and (.targets | length) == 3' >/dev/null"
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
