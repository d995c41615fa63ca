#!/usr/bin/env bash
# The scheduler keeps discovery going without anyone pressing a button: a new
# daemon gets default schedules, a due schedule fires exactly once (even with
# two scheduler replicas over many schedules), and a session whose daemon
# goes quiet is failed with a reason instead of hanging at 0 %.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-scheduler $SCHED_PORT --tick-ms 200 --stall-seconds 3
svc_start scanopy-gateway $GW_PORT
api_bootstrap n
D="Authorization: Bearer $DKEY"
DID=$(uuid)
reg='{"daemon_id":"'$DID'","name":"d","version":"0.1.0","mode":"daemon_poll"}'
curl -sf -XPOST -H "$D" -H "$J" "$G/api/v1/daemons/register" -d "$reg" >/dev/null
curl -sf -XPOST -H "$D" -H "$J" "$G/api/v1/daemons/register" -d "$reg" >/dev/null

check "a new daemon gets a self-report, a daily light and a weekly deep network scan" test \
	"$(sql "SELECT string_agg(discovery_type || ':' || interval_seconds || ':' || deep, ',' ORDER BY discovery_type DESC, interval_seconds) FROM sched.schedules WHERE daemon_id = '$DID'")" = "self_report:86400:false,network:86400:false,network:604800:true"
selfrep() { [ -n "$(sql "SELECT id FROM sched.sessions WHERE daemon_id = '$DID' AND discovery_type = 'self_report' AND started_by = 'schedule'")" ]; }
check "its self-report is due at once" wait_for 10 selfrep
SR=$(sql "SELECT id FROM sched.sessions WHERE daemon_id = '$DID' AND discovery_type = 'self_report'")

# A user's session queued behind it: oldest first, one at a time.
SID=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d '{"type":"network"}' | jq -r .id)
check "a heartbeat hands the daemon its oldest pending session" \
	sh -c "curl -sf -XPOST -H '$D' $G/api/v1/daemons/$DID/heartbeat | jq -e '.jobs | length == 1 and .[0].session_id == \"$SR\"' >/dev/null"
check "the next heartbeat hands out nothing while one runs" \
	sh -c "curl -sf -XPOST -H '$D' $G/api/v1/daemons/$DID/heartbeat | jq -e '.jobs | length == 0' >/dev/null"
stalled() { curl -sf -H "$A" "$G/api/v1/sessions/$SR" | jq -e '.state == "failed" and (.reason | startswith("stalled"))' >/dev/null; }
check "a session without progress is failed as stalled" wait_for 15 stalled
check "then the queued one is handed out" \
	sh -c "curl -sf -XPOST -H '$D' $G/api/v1/daemons/$DID/heartbeat | jq -e '.jobs | length == 1 and .[0].session_id == \"$SID\"' >/dev/null"
check "and is starting" test "$(curl -sf -H "$A" "$G/api/v1/sessions/$SID" | jq -r .state)" = starting

# One schedule due now: exactly one session, and its next run moves on.
S1=$(sql "INSERT INTO sched.schedules (org_id, network_id, daemon_id, discovery_type, interval_seconds, dispatch, next_run_at)
          SELECT org_id, network_id, daemon_id, 'self_report', 3600, 'poll', now() FROM sched.schedules WHERE daemon_id = '$DID' LIMIT 1 RETURNING id" | head -n 1)
fired() { [ "$(sql "SELECT count(*) FROM sched.sessions WHERE schedule_id = '$S1'")" -ge 1 ]; }
check "a due schedule fires" wait_for 10 fired
sleep 1
check "once" test "$(sql "SELECT count(*) FROM sched.sessions WHERE schedule_id = '$S1'")" -eq 1
check "and its next run is an interval later" \
	test "$(sql "SELECT next_run_at > now() + interval '59 minutes' FROM sched.schedules WHERE id = '$S1'")" = t

# Two replicas over 1,000 schedules due at once: each fires exactly once.
svc_start scanopy-scheduler $SCHED2_PORT --tick-ms 100 --stall-seconds 3
sql "INSERT INTO sched.schedules (org_id, network_id, daemon_id, discovery_type, interval_seconds, dispatch, next_run_at)
     SELECT s.org_id, s.network_id, gen_random_uuid(), 'self_report', 3600, 'poll', now() FROM sched.schedules s, generate_series(1, 1000)
     WHERE s.id = '$S1'" >/dev/null
many() { [ "$(sql "SELECT count(*) FROM sched.sessions WHERE started_by = 'schedule'")" -ge 1002 ]; }
check "1,000 due schedules all fire with two replicas running" wait_for 30 many
sleep 1
check "each exactly once" test "$(sql "SELECT count(*) FROM sched.sessions WHERE started_by = 'schedule'")" -eq 1002
check "no schedule fired twice" test "$(sql "SELECT count(*) FROM (SELECT schedule_id FROM sched.sessions WHERE schedule_id IS NOT NULL GROUP BY schedule_id HAVING count(*) > 1) x")" -eq 0
check "both replicas did part of the work" sh -c \
	"[ \$(curl -sf http://127.0.0.1:$SCHED_PORT/metrics | awk '\$1==\"scanopy_scheduler_sessions_created_total\"{print \$2}') -gt 0 ] && [ \$(curl -sf http://127.0.0.1:$SCHED2_PORT/metrics | awk '\$1==\"scanopy_scheduler_sessions_created_total\"{print \$2}') -gt 0 ]"
finish
