#!/usr/bin/env bash
# A daemon that misses its heartbeats is announced offline, once, as a
# "daemon" event with online false, by one of two gateway replicas sweeping
# the same database (here after 2 s of silence, swept every 200 ms); its next
# heartbeat announces it online, and its next silence offline again. (The
# scheduler owns the sessions a heartbeat hands out.)
. "$(dirname "$0")/lib.sh"
env_up
GW2_PORT=$((26079 + O))
OFF=(--daemon-offline-after-s 2 --daemon-offline-sweep-ms 200)
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT "${OFF[@]}"
svc_start scanopy-gateway $GW2_PORT "${OFF[@]}"
api_bootstrap lab

curl -sN -H "$A" "$G/api/v1/events?network_id=$NET" >"$T_DIR/events.txt" 2>/dev/null &
EVENTS_PID=$!
check "the event stream opens" wait_for 10 grep -q ": connected" "$T_DIR/events.txt"
# The server's version, as a daemon of another one is told.
VERSION=$(curl -s -XPOST -H "Authorization: Bearer $DKEY" -H "$J" "$G/api/v1/daemons/register" \
	-d '{"name":"old","version":"999.0.0","mode":"daemon_poll"}' | jq -r .error.message | grep -o "[0-9]*\.[0-9]*\.[0-9]*")
DID=$(uuid)
check "a daemon registers" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST \
	-H "Authorization: Bearer $DKEY" -H "$J" "$G/api/v1/daemons/register" \
	-d "{\"daemon_id\":\"$DID\",\"name\":\"quiet\",\"mode\":\"daemon_poll\",\"version\":\"$VERSION\"}")" = 200
beat() { curl -sf -o /dev/null -XPOST -H "Authorization: Bearer $DKEY" "http://127.0.0.1:$1/api/v1/daemons/$DID/heartbeat"; }
# "online":true or "online":false events of this daemon.
events() { grep -A1 '^event: daemon$' "$T_DIR/events.txt" | grep '^data: ' |
	grep -F "\"daemon_id\":\"$DID\"" | grep -c "\"online\":$1"; }
online1() { [ "$(events true)" -eq 1 ]; }
check "its registration is announced online" wait_for 10 online1

# Heartbeats every half second (to either replica): never offline.
for i in 1 2 3 4 5 6 7 8; do beat $GW_PORT; beat $GW2_PORT; sleep 0.5; done
check "a daemon that keeps its heartbeats is not announced offline" test "$(events false)" -eq 0

offline() { [ "$(events false)" -ge "$1" ]; }
check "silent for longer than the threshold, it is announced offline" wait_for 10 offline 1
sleep 2 # ten more sweeps of each replica
check "once, by one of the two replicas" test "$(events false)" -eq 1
LAST=$(sql "SELECT (extract(epoch FROM last_seen) * 1000)::bigint FROM core.daemons WHERE id = '$DID'")
offline_seen() { grep '^data: ' "$T_DIR/events.txt" | sed 's/^data: //' | jq -r --arg id "$DID" \
	'.. | objects | select(.daemon_id? == $id and .online == false) | .last_seen_ms | tonumber'; }
check "the event carries when it was last heard from" test "$(offline_seen)" = "$LAST"
check "the claim is in the database" \
	test "$(sql "SELECT offline_at >= last_seen FROM core.daemons WHERE id = '$DID'")" = t
check "the listing says it is offline (and holds only the tenant's own daemon)" \
	sh -c "curl -sf -H '$A' '$G/api/v1/daemons' | jq -e 'length == 1 and .[0].id == \"$DID\" and .[0].offline == true' >/dev/null"

beat $GW2_PORT
# (At once: 2 s on, it is offline again.)
check "heard from again, the listing no longer says offline" \
	sh -c "curl -sf -H '$A' '$G/api/v1/daemons' | jq -e '.[0].offline == false' >/dev/null"
online2() { [ "$(events true)" -eq 2 ]; }
check "its next heartbeat announces it online again" wait_for 10 online2
check "and silent again, offline again" wait_for 10 offline 2
sleep 1
check "still once per absence" test "$(events false)" -eq 2

# One threshold: the scheduler, given no offline_seconds of its own, reads
# the gateway's daemon_offline_after_s from the database, so a daemon's open
# session fails as offline when the UI announces it offline, not minutes
# apart.
check "the gateway recorded its offline threshold for the scheduler" \
	test "$(sql "SELECT after_s FROM core.daemon_offline_setting")" = 2
S=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d "{\"type\":\"self_report\",\"daemon_id\":\"$DID\"}" | jq -r .id)
beat $GW_PORT # hands the job out
check "a heartbeat hands the daemon its job" test \
	"$(sql "SELECT state IN ('starting', 'running') FROM sched.sessions WHERE id = '$S'")" = t
T_BEAT=$(date +%s%3N)
failed_offline() { curl -sf -H "$A" "$G/api/v1/sessions/$S" | jq -e '.state == "failed" and (.reason | test("offline: no heartbeat or progress for 2 s"))' >/dev/null; }
check "silent, its session fails as offline after the gateway's 2 s" wait_for 15 failed_offline
echo "# last heartbeat -> session failed offline: $(($(date +%s%3N) - T_BEAT)) ms (threshold 2 s, scheduler tick 1 s)"
check "and the UI announced it offline for the same absence" wait_for 10 offline 3

# The sweep's policy names the gateway's own role: a tenant transaction that
# sets the sweep's flag still sees only its organisation's daemons.
check "a tenant cannot borrow the sweep's view of every organisation" \
	test "$(sql "BEGIN; SET LOCAL scanopy.sweep = 'daemons'; SET LOCAL ROLE scanopy_tenant; SELECT count(*) FROM core.daemons; COMMIT")" -eq 0
kill "$EVENTS_PID" 2>/dev/null; wait "$EVENTS_PID" 2>/dev/null || true
finish
