#!/usr/bin/env bash
# Fault tests of a daemon running a network scan (issue 12), each counting
# what went in and what came out:
#
#   gateway unreachable   the gateway is gone for over a minute in the middle
#                         of a scan: the daemon keeps scanning, spools its
#                         batches and resends them; every observation it made
#                         is in the inventory exactly once
#   daemon SIGKILLed      mid-scan: the session fails with a reason as soon as
#                         the daemon is back (it registers again), and the
#                         next run completes
#
# The scanned host is a network namespace of this test's own behind a veth
# (1200 TCP listeners); the scan is deep (1-65535) at a low packet budget
# (--max-pps) so that it lasts long enough to fault.
. "$(dirname "$0")/../integration/lib.sh"
OUTAGE=${FAULT_OUTAGE_SECONDS:-65}

NS=fdisc$$ VETH=fdv$$ NETB=$((200 + $$ % 50))
SELF_IP=10.249.$NETB.1 PEER_IP=10.249.$NETB.2
ns_down() {
	[ -f "$T_DIR/peer.pids" ] && kill $(cat "$T_DIR/peer.pids") 2>/dev/null || true
	ip link del "$VETH" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
}
trap 'rc=$?; ns_down; set +e; (exit $rc); env_down' EXIT
ip netns add "$NS"
ip link add "$VETH" type veth peer name eth0 netns "$NS"
ip addr add "$SELF_IP/30" dev "$VETH"
ip link set "$VETH" up
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$PEER_IP/30" dev eth0
ip -n "$NS" link set eth0 up
# 1200 open ports: over two batches' worth of observations (512 each), found
# about 17 s into the scan (1200 pps), well inside the outage.
NPORTS=1200
ip netns exec "$NS" python3 "$(dirname "$0")/listeners.py" "$PEER_IP" 20000 $((20000 + NPORTS - 1)) \
	>"$T_DIR/listeners.log" 2>&1 &
echo $! >>"$T_DIR/peer.pids"

listening() { grep -q listening "$T_DIR/listeners.log"; }
wait_for 30 listening
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap faults

D="$T_DIR/daemon" CTL="ipc://$T_DIR/daemon.ipc" LOG="$T_DIR/scanopy-daemon.log"
daemon_start() {
	"$BIN/scanopy-daemon" run --server-url "$G" --api-key "$DKEY" --name fault-1 \
		--state-dir "$D" --control-socket "$CTL" --poll-interval 1 --max-pps 1200 >>"$LOG" 2>&1 &
	echo $! >"$T_DIR/scanopy-daemon.pid"
}
daemon_status() { "$BIN/scanopy-daemon" status --control-socket "$CTL"; }
discover() { # BODY -> session id
	curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "$1" | jq -r .id
}
session() { curl -sf -H "$A" "$G/api/v1/sessions/$1"; }
state_is() { [ "$(session "$1" | jq -r .state)" = "$2" ]; }
running() { session "$1" | jq -e '.state == "running" and .progress > 0' >/dev/null; }
deep_scan="{\"type\":\"network\",\"deep\":true,\"targets\":[\"$PEER_IP\"]}"

daemon_start
registered() { curl -sf -H "$A" "$G/api/v1/daemons?network_id=$NET" | jq -e 'length == 1' >/dev/null; }
check "the daemon enrols" wait_for 30 registered

# --- the gateway unreachable for over a minute during a network scan -------
SID=$(discover "$deep_scan")
check "a deep network scan starts" wait_for 60 running "$SID"
sleep 3
svc_kill scanopy-gateway $GW_PORT
t0=$SECONDS
spooled() { daemon_status | jq -e '.spooled_batches >= 2' >/dev/null; }
sleep $((OUTAGE - (SECONDS - t0)))
max_spool=$(daemon_status | jq -r .spooled_batches)
check "with the gateway gone, the scan's batches are spooled" spooled
check "the daemon outlives the outage" sh -c "'$BIN/scanopy-daemon' status --control-socket '$CTL' >/dev/null"
svc_start scanopy-gateway $GW_PORT
echo "  the gateway was away for $((SECONDS - t0)) s; $max_spool batches spooled meanwhile"
check "the session completes once the scan ends" wait_for 180 state_is "$SID" completed
scan_count() { grep -F "session $SID: the network scan emitted" "$LOG" | awk '{print $(NF-1)}' | tail -n 1; }
in=$(scan_count)
# "completed" means the gateway has every batch; topology applies them after.
out() { sql "SELECT coalesce(sum(observations), 0) FROM inv.batches WHERE session_id = '$SID'"; }
applied() { [ "$(out)" -ge "${in:-1}" ]; }
wait_for 180 applied || true
sleep 2 # a late duplicate would land now
out=$(out)
rows=$(sql "SELECT count(*) FROM inv.batches WHERE session_id = '$SID'")
span=$(sql "SELECT max(sequence) - min(sequence) + 1 FROM inv.batches WHERE session_id = '$SID'")
peer_hosts() { curl -sf -H "$A" "$G/api/v1/hosts?network_id=$NET" | jq --arg ip "$PEER_IP" '[.[] | select(any(.interfaces[]?; .ip == $ip))]'; }
ports=$(peer_hosts | jq '[.[].ports[]?.port] | unique | length')
echo "  gateway away: observations in ${in:-?}, out $out, in $rows batches (sequence span $span), lost $(( ${in:-0} - out )); open ports of the peer in the inventory: $ports of $NPORTS"
check "the daemon counted what it emitted" test -n "$in"
check "gateway away: every observation is in, none twice" test "$out" -eq "${in:-0}"
check "gateway away: no batch missing in the sequence" test "$span" -eq "$rows"
check "gateway away: every open port of the peer is in the inventory" test "$ports" -eq $NPORTS
check "gateway away: the spool is empty afterwards" sh -c "'$BIN/scanopy-daemon' status --control-socket '$CTL' | jq -e '.spooled_batches == 0' >/dev/null"

# --- the daemon SIGKILLed mid-scan --------------------------------------------
KID=$(discover "$deep_scan")
check "a second deep scan starts" wait_for 60 running "$KID"
sleep 2
kill -KILL "$(cat "$T_DIR/scanopy-daemon.pid")"
wait "$(cat "$T_DIR/scanopy-daemon.pid")" 2>/dev/null || true
rm -f "$T_DIR/scanopy-daemon.pid"
daemon_start
failed() { session "$KID" | jq -e '.state == "failed" and (.reason | length > 0)' >/dev/null; }
check "the killed daemon's session fails with a reason" wait_for 60 failed
echo "  reason: $(session "$KID" | jq -r .reason)"
NID=$(discover "{\"type\":\"network\",\"targets\":[\"$PEER_IP\"]}")
check "the next run completes" wait_for 120 state_is "$NID" completed
echo "  next run: $(session "$NID" | jq -c '{state, hosts_found, ports_found}' 2>/dev/null)"
hosts=$(peer_hosts | jq length)
echo "  hosts with the peer's address: $hosts"
check "the peer is one host, not one per run" test "$hosts" = 1
finish
