#!/usr/bin/env bash
# Sessions with a real daemon (daemon_poll, scanning 127.0.0.1): a schedule
# made through the API fires at its time and its session passes through every
# state with progress arriving; cancel works pending, running and finished
# (409); a SIGSTOPped daemon's session is failed as stalled; killing the
# scheduler mid-session loses nothing and fires a schedule due meanwhile once.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
SCHED_ARGS=(--tick-ms 200 --stall-seconds 4 --offline-seconds 60)
svc_start scanopy-scheduler $SCHED_PORT "${SCHED_ARGS[@]}"
svc_start scanopy-gateway $GW_PORT
api_bootstrap lab
CTL="ipc://$T_DIR/daemon.ipc"
"$BIN/scanopy-daemon" run --server-url "$G" --api-key "$DKEY" --name edge --state-dir "$T_DIR/daemon" \
	--control-socket "$CTL" --poll-interval 1 >>"$T_DIR/scanopy-daemon.log" 2>&1 &
DPID=$!
echo $DPID >"$T_DIR/scanopy-daemon.pid"
session() { curl -sf -H "$A" "$G/api/v1/sessions/$1"; }
state() { session "$1" | jq -r .state; }
is_state() { [ "$(state "$1")" = "$2" ]; }
registered() { [ -s "$T_DIR/daemon/daemon-id" ] && curl -sf -H "$A" "$G/api/v1/daemons" | jq -e 'length == 1' >/dev/null; }
wait_for 20 registered
DID=$(cat "$T_DIR/daemon/daemon-id")
SR=$(sql "SELECT id FROM sched.sessions WHERE daemon_id = '$DID' AND discovery_type = 'self_report' LIMIT 1")
sr_done() { SR=$(sql "SELECT id FROM sched.sessions WHERE daemon_id = '$DID' AND discovery_type = 'self_report' LIMIT 1"); [ -n "$SR" ] && is_state "$SR" completed; }
check "a new daemon's default self-report runs at once and completes" wait_for 20 sr_done

# Validation answers 400 and names the field.
bad() { curl -s -XPOST -H "$A" -H "$J" "$G/api/v1/schedules" -d "$1" | jq -e --arg f "$2" '.error.field == $f' >/dev/null; }
check "a bad cron is refused (400, field cron)" bad '{"daemon_id":"'$DID'","type":"network","cron":"61 * * * *"}' cron
check "an unknown zone is refused" bad '{"daemon_id":"'$DID'","type":"network","cron":"@daily","time_zone":"Mars/Olympus"}' time_zone
check "cron and interval together are refused" bad '{"daemon_id":"'$DID'","type":"network","cron":"@daily","interval_seconds":600}' cron
code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "$A" -H "$J" "$G/api/v1/schedules" -d '{"daemon_id":"'$DID'","type":"network","cron":"0 0 30 2 *"}')
check "a cron that never fires is refused with 400" test "$code" = 400
C=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/schedules" -d '{"daemon_id":"'$DID'","type":"network","cron":"30 2 * * *","time_zone":"Europe/Berlin"}')
check "a cron schedule in a zone gets its next run at 02:30 Berlin time" \
	test "$(sql "SELECT to_char(next_run_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI') FROM sched.schedules WHERE id = '$(echo "$C" | jq -r .id)'")" = "02:30"
CID=$(echo "$C" | jq -r .id)
check "pause through PATCH" sh -c "curl -sf -XPATCH -H '$A' -H '$J' $G/api/v1/schedules/$CID -d '{\"paused\":true}' | jq -e '.paused == true' >/dev/null"
check "list by daemon" sh -c "curl -sf -H '$A' '$G/api/v1/schedules?daemon_id=$DID' | jq -e 'length == 4' >/dev/null"
check "delete" test "$(curl -s -o /dev/null -w '%{http_code}' -XDELETE -H "$A" "$G/api/v1/schedules/$CID")" = 204

# A deep scan of 127.0.0.1 every hour, first in 3 s: it fires at its time.
T0=$(date +%s)
S=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/schedules" -d '{"daemon_id":"'$DID'","type":"network","interval_seconds":3600,"targets":["127.0.0.1"],"deep":true,"first_run_in_seconds":3}' | jq -r .id)
fired() { [ -n "$(sql "SELECT id FROM sched.sessions WHERE schedule_id = '$S'")" ]; }
wait_for 15 fired
T1=$(date +%s)
check "the schedule fired at its time (3 s, seen after $((T1 - T0)) s)" test $((T1 - T0)) -ge 2 -a $((T1 - T0)) -le 6
RUN=$(sql "SELECT id FROM sched.sessions WHERE schedule_id = '$S'")
: >"$T_DIR/progress"
for i in $(seq 150); do
	st=$(session "$RUN" | jq -r '"\(.state) \(.progress)"'); echo "$st" >>"$T_DIR/progress"
	case $st in completed*|failed*|cancelled*) break;; esac; sleep 0.2
done
check "the session completed" is_state "$RUN" completed
check "progress arrived while it ran" awk '$1 == "running" && $2 > 0 && $2 < 100 { f = 1 } END { exit !f }' "$T_DIR/progress"
check "it went pending, starting, running, completed" test \
	"$(sql "SELECT string_agg(state, ',' ORDER BY id) FROM sched.session_events WHERE session_id = '$RUN'")" = "pending,starting,running,completed"
check "with timings and a summary" sh -c "curl -sf -H '$A' $G/api/v1/sessions/$RUN | jq -e '.started_at and .finished_at and (.summary | test(\"open ports\")) and .ports_found > 0' >/dev/null"
check "its results reached the inventory" test "$(sql "SELECT count(*) FROM inv.batches WHERE session_id = '$RUN'")" -ge 1

# Cancel: running, then pending, then finished.
R2=$(curl -sf -XPOST -H "$A" "$G/api/v1/schedules/$S/run" | jq -r .id)
P2=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d '{"type":"self_report"}' | jq -r .id)
running() { session "$R2" | jq -e '.state == "running" and .progress > 0' >/dev/null; }
wait_for 20 running
check "while one runs, the next waits (pending)" is_state "$P2" pending
TC=$(date +%s%N)
check "cancelling a running session answers cancelled" sh -c "curl -sf -XPOST -H '$A' $G/api/v1/sessions/$R2/cancel | jq -e '.state == \"cancelled\"' >/dev/null"
acked() { [ "$(sql "SELECT cancel_pending FROM sched.sessions WHERE id = '$R2'")" = f ]; }
check "the daemon learns it from its progress answer and stops" wait_for 10 acked
echo "     cancel acknowledged after $((($(date +%s%N) - TC) / 1000000)) ms"
check "it says it stopped early" sh -c "curl -sf -H '$A' $G/api/v1/sessions/$R2 | jq -e '.summary | test(\"stopped early\")' >/dev/null"
check "cancelling a pending session" sh -c "curl -sf -XPOST -H '$A' $G/api/v1/sessions/$P2/cancel | jq -e '.state == \"cancelled\"' >/dev/null"
check "a cancelled pending session is never handed out" sh -c "sleep 2; [ \"\$(runuser -u postgres -- psql -h 127.0.0.1 -p $T_PG_PORT -U postgres -d scanopy -tAc \"SELECT string_agg(state, ',' ORDER BY id) FROM sched.session_events WHERE session_id = '$P2'\")\" = pending,cancelled ]"
check "cancelling a finished session: 409" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "$A" "$G/api/v1/sessions/$RUN/cancel")" = 409
check "history lists them, filtered by state" sh -c "curl -sf -H '$A' '$G/api/v1/sessions?network_id=$NET&state=cancelled&limit=10' | jq -e 'length == 2' >/dev/null"

# A daemon frozen mid-scan: stalled, failed with a reason; thawed, it stops.
R3=$(curl -sf -XPOST -H "$A" "$G/api/v1/schedules/$S/run" | jq -r .id)
running3() { session "$R3" | jq -e '.state == "running" and .progress > 0' >/dev/null; }
wait_for 20 running3
kill -STOP $DPID
stalled() { session "$R3" | jq -e '.state == "failed" and (.reason | startswith("stalled"))' >/dev/null; }
check "a SIGSTOPped daemon's session is failed as stalled" wait_for 15 stalled
kill -CONT $DPID
R4=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d '{"type":"self_report"}' | jq -r .id)
check "thawed, the daemon drops the dead scan and runs the next session" wait_for 30 is_state "$R4" completed
check "the failed session stays failed" is_state "$R3" failed

# Kill the scheduler mid-session: nothing is lost.
R5=$(curl -sf -XPOST -H "$A" "$G/api/v1/schedules/$S/run" | jq -r .id)
running5() { session "$R5" | jq -e '.state == "running"' >/dev/null; }
wait_for 20 running5
S2=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/schedules" -d '{"daemon_id":"'$DID'","type":"self_report","interval_seconds":3600,"first_run_in_seconds":1}' | jq -r .id)
svc_kill scanopy-scheduler $SCHED_PORT
sleep 3
check "with the scheduler dead, the running session goes on" wait_for 30 is_state "$R5" completed
svc_start scanopy-scheduler $SCHED_PORT "${SCHED_ARGS[@]}"
fired2() { [ "$(sql "SELECT count(*) FROM sched.sessions WHERE schedule_id = '$S2'")" -ge 1 ]; }
check "after a restart, the schedule due meanwhile fires" wait_for 10 fired2
sleep 1
check "once" test "$(sql "SELECT count(*) FROM sched.sessions WHERE schedule_id = '$S2'")" -eq 1
S2S=$(sql "SELECT id FROM sched.sessions WHERE schedule_id = '$S2'")
check "and its session completes" wait_for 20 is_state "$S2S" completed
check "no session was left open" test "$(sql "SELECT count(*) FROM sched.sessions WHERE state IN ('pending','starting','running')")" -eq 0
stop_pid "$T_DIR/scanopy-daemon.pid"
finish
