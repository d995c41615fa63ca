#!/usr/bin/env bash
# A daemon in daemon_poll mode enrols with a daemon key, reports itself, keeps
# its identity across restarts, survives the gateway being killed (spooling,
# then resending every batch exactly once), and explains a refused key
# without exiting.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap lab

D="$T_DIR/daemon" CTL="ipc://$T_DIR/daemon.ipc"
daemon_start() {
	"$BIN/scanopy-daemon" run --server-url "$G" --api-key "$1" --name edge-1 \
		--state-dir "$D" --control-socket "$CTL" --poll-interval 1 >>"$T_DIR/scanopy-daemon.log" 2>&1 &
	echo $! >"$T_DIR/scanopy-daemon.pid"
}
daemon() { "$BIN/scanopy-daemon" "$@" --control-socket "$CTL"; }
batches() { sql "SELECT count(*) FROM inv.batches WHERE network_id = '$NET'"; }

daemon_start "$DKEY"
registered() { curl -sf -H "$A" "$G/api/v1/daemons?network_id=$NET" | jq -e 'length == 1 and .[0].name == "edge-1"' >/dev/null; }
check "the daemon enrols with its key" wait_for 20 registered
first() { [ "$(batches)" -ge 1 ]; }
check "its self-report reaches the inventory" wait_for 20 first
DID=$(cat "$D/daemon-id")
check "the server knows it by the id it keeps" \
	sh -c "curl -sf -H '$A' '$G/api/v1/daemons' | jq -e '.[0].id == \"$DID\"' >/dev/null"

# An ad-hoc discovery: the session is handed out on a heartbeat, run, and
# completed once its batches are delivered.
# Live events: a browser or script listening on the network's stream.
curl -sN -H "$A" "$G/api/v1/events?network_id=$NET" >"$T_DIR/events.txt" 2>/dev/null &
EVENTS_PID=$!
check "the event stream opens" wait_for 10 grep -q ": connected" "$T_DIR/events.txt"
# Daemon status: online when it registers, and again when it comes back after
# an absence (its next heartbeat), as "daemon" events.
daemon_events() { grep -A1 '^event: daemon$' "$T_DIR/events.txt" | grep '^data: ' |
	grep -F "\"daemon_id\":\"$DID\"" | grep -c '"online":true'; }
curl -sf -H "$A" "$G/api/v1/daemons?network_id=$NET" | jq -c --arg id "$DID" \
	'.[0] | {daemon_id: $id, name, mode, version, hostname, capabilities}' >"$T_DIR/reg.json"
check "re-registering answers 200" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST \
	-H "Authorization: Bearer $DKEY" -H "$J" "$G/api/v1/daemons/register" -d @"$T_DIR/reg.json")" = 200
one_daemon_event() { [ "$(daemon_events)" -ge 1 ]; }
check "a registration is a daemon event (online)" wait_for 10 one_daemon_event
check "a heartbeat of a daemon seen moments ago is not" sh -c "sleep 2.5; [ \"\$(grep -A1 '^event: daemon$' '$T_DIR/events.txt' | grep -c '^data: ')\" = 1 ]"
# An absence: the daemon stopped (a heartbeat already on its way is let
# through first, or it would write over the absence), its last contact set
# 10 minutes back, then it runs again.
kill -STOP "$(cat "$T_DIR/scanopy-daemon.pid")"
sleep 2
sql "UPDATE core.daemons SET last_seen = now() - interval '10 minutes' WHERE id = '$DID'" >/dev/null
kill -CONT "$(cat "$T_DIR/scanopy-daemon.pid")"
two_daemon_events() { [ "$(daemon_events)" -ge 2 ]; }
check "back after an absence: its next heartbeat is a daemon event" wait_for 10 two_daemon_events
SID=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d '{"type":"self_report"}' | jq -r .id)
check "a discovery request creates a pending session" is_uuid "$SID"
session_state() { curl -sf -H "$A" "$G/api/v1/sessions/$SID" | jq -r .state; }
completed() { [ "$(session_state)" = completed ]; }
check "the daemon picks it up and completes it" wait_for 20 completed
# The session completes when the daemon says so; its batch reaches the model
# through fingerprint and topology, a moment later on a busy machine.
session_batch() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE session_id = '$SID'")" -eq 1 ]; }
check "its batch carries the session id" wait_for 30 session_batch
streamed() { grep '^data: ' "$T_DIR/events.txt" | grep -F "\"session_id\":\"$SID\"" | grep -q SESSION_COMPLETED; }
check "its completion arrives on the event stream" wait_for 10 streamed
kill "$EVENTS_PID" 2>/dev/null; wait "$EVENTS_PID" 2>/dev/null || true
check "events of an unknown network: 404" test "$(curl -s -o /dev/null -w '%{http_code}' \
	-H "$A" "$G/api/v1/events?network_id=$(uuid)")" = 404
NSID=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d '{"type":"docker"}' | jq -r .id)
failed() { curl -sf -H "$A" "$G/api/v1/sessions/$NSID" | jq -e '.state == "failed" and (.reason | length > 0)' >/dev/null; }
check "a docker discovery with no Docker API here fails with a reason" wait_for 20 failed
check "a finished session cannot be reopened" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST \
	-H "Authorization: Bearer $DKEY" -H "$J" "$G/api/v1/daemons/$DID/sessions/$SID/progress" -d '{"state":"running"}')" = 409
BASE=$(batches)

check "while the gateway answers, status says connected" sh -c \
	"'$BIN/scanopy-daemon' status --control-socket '$CTL' | jq -e '.server == \"connected\" and .last_contact_ms > 0 and .unreachable_since_ms == 0' >/dev/null"
KILLED_MS=$(($(date +%s%3N) - 1))
svc_kill scanopy-gateway $GW_PORT
for i in 1 2 3; do daemon scan >/dev/null; sleep 0.5; done
spooled() { daemon status | jq -e '.spooled_batches >= 3' >/dev/null; }
check "with the gateway gone, reports are spooled" wait_for 15 spooled
check "and the daemon keeps running" daemon status
unreachable() { daemon status | jq -e --argjson k "$KILLED_MS" '.server == "unreachable" and .unreachable_since_ms >= $k and .last_contact_ms <= .unreachable_since_ms and (.last_error | length > 0)' >/dev/null; }
check "status says the server is unreachable, since when, and why" wait_for 10 unreachable
echo "     status with the gateway down: $(daemon status)"
svc_start scanopy-gateway $GW_PORT
reconnected() { daemon status | jq -e --argjson k "$KILLED_MS" '.server == "connected" and .last_contact_ms > $k and .unreachable_since_ms == 0' >/dev/null; }
check "once the gateway is back, status says connected again" wait_for 20 reconnected
all_in() { [ "$(batches)" -ge $((BASE + 3)) ]; }
check "after the gateway returns, every spooled batch arrives" wait_for 60 all_in
sleep 2
check "exactly once" test "$(batches)" -eq $((BASE + 3))
check "the spool is empty" sh -c "'$BIN/scanopy-daemon' status --control-socket '$CTL' | jq -e '.spooled_batches == 0' >/dev/null"

stop_pid "$T_DIR/scanopy-daemon.pid"
daemon_start "$DKEY"
check "a restart re-registers without a second daemon" wait_for 20 registered
check "and keeps its id" test "$(cat "$D/daemon-id")" = "$DID"
check "and its sequence moves on (no batch reused)" wait_for 20 sh -c "[ \$(runuser -u postgres -- psql -h 127.0.0.1 -p $T_PG_PORT -U postgres -d scanopy -tAc 'SELECT count(*) FROM inv.batches') -ge $((BASE + 4)) ]"
stop_pid "$T_DIR/scanopy-daemon.pid"

rm -rf "$D"
: >"$T_DIR/scanopy-daemon.log"
daemon_start "scp_d_not_a_real_key"
refused() { grep -q "refused the API key" "$T_DIR/scanopy-daemon.log"; }
check "a refused key is explained" wait_for 15 refused
check "and the daemon stays up to retry" daemon status
finish
