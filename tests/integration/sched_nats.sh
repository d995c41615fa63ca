#!/usr/bin/env bash
# The scheduler and daemons off the gateway's path, with real daemons:
#  - an integrated daemon (jobs on scanopy.jobs.<daemon>) reports its
#    progress over NATS and is cancelled over NATS;
#  - NATS restarted during dispatch: the job is retried with backoff while the
#    bus is away, then delivered and run;
#  - a DaemonPoll daemon that stops polling: its running session is failed as
#    offline and its pending one says it waits for the daemon.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT --tick-ms 200 --stall-seconds 60 --offline-seconds 5
svc_start scanopy-gateway $GW_PORT
api_bootstrap bus
ORG=$(sql "SELECT org_id FROM core.networks WHERE id = '$NET'")
IID=$(uuid)
curl -sf -XPOST -H "Authorization: Bearer $DKEY" -H "$J" "$G/api/v1/daemons/register" \
	-d '{"daemon_id":"'$IID'","name":"bus-1","version":"0.1.0","mode":"integrated"}' >/dev/null
"$BIN/scanopy-daemon" run --mode integrated --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" \
	--network-id "$NET" --daemon-id "$IID" --name bus-1 --state-dir "$T_DIR/integrated" \
	--control-socket "ipc://$T_DIR/integrated.ipc" >>"$T_DIR/scanopy-daemon.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon.pid"

session() { curl -sf -H "$A" "$G/api/v1/sessions/$1"; }
is_state() { [ "$(session "$1" | jq -r .state)" = "$2" ]; }
events() { sql "SELECT string_agg(state, ',' ORDER BY id) FROM sched.session_events WHERE session_id = '$1'"; }
scan() { curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "{\"daemon_id\":\"$1\",$2}" | jq -r .id; }

# The default self-report schedule fires on the scheduler's next tick.
self_report() { SR=$(sql "SELECT id FROM sched.sessions WHERE daemon_id = '$IID' AND discovery_type = 'self_report' LIMIT 1"); [ -n "$SR" ]; }
wait_for 30 self_report || true
check "an integrated daemon's self-report completes, reported over NATS" wait_for 30 is_state "$SR" completed
# (a self-report may finish before a running report: starting -> completed)
check "through its states" grep -Eq '^pending,starting,(running,)?completed$' <<<"$(events "$SR")"
check "its reports are its contact (last_seen)" \
	test "$(sql "SELECT last_seen > now() - interval '30 s' FROM core.daemons WHERE id = '$IID'")" = t

S=$(scan "$IID" '"type":"network","targets":["127.0.0.1"],"deep":true')
: >"$T_DIR/progress"
running_pct() { session "$S" | jq -r '"\(.state) \(.progress)"' | tee -a "$T_DIR/progress" | grep -Eq '^running [1-9]'; }
check "an integrated daemon's progress arrives while it scans" wait_for 40 running_pct
check "cancelling it answers cancelled" sh -c "curl -sf -XPOST -H '$A' $G/api/v1/sessions/$S/cancel | jq -e '.state == \"cancelled\"' >/dev/null"
acked() { [ "$(sql "SELECT cancel_pending FROM sched.sessions WHERE id = '$S'")" = f ]; }
check "the daemon gets the cancel over NATS, stops and says so" wait_for 15 acked
check "it says it stopped early" sh -c "curl -sf -H '$A' $G/api/v1/sessions/$S | jq -e '.summary | test(\"stopped early\")' >/dev/null"

# NATS away during dispatch: retried with backoff, delivered once it is back.
stop_nats "$T_DIR/nats"
N=$(scan "$IID" '"type":"self_report"')
retried() { [ "$(sql "SELECT dispatch_attempts >= 3 AND reason LIKE 'retrying dispatch%' FROM sched.sessions WHERE id = '$N'")" = t ]; }
check "with NATS down the dispatch is retried (3 attempts)" wait_for 30 retried
# 1 s, 2 s, 4 s after the first three attempts: the next is >= 7 s after the
# session was made (3 s without backoff); load only makes it later.
check "with backoff (1 s, 2 s, 4 s ...)" test \
	"$(sql "SELECT next_dispatch_at - created_at >= interval '6.5 s' FROM sched.sessions WHERE id = '$N'")" = t
check "and the session is still pending" is_state "$N" pending
start_nats "$T_DIR/nats" "$T_NATS_PORT" "$T_NATS_MON"
check "NATS back: the job is delivered and completes" wait_for 60 is_state "$N" completed
check "sent once, not lost while NATS was away" grep -Eq '^pending,starting,(running,)?completed$' <<<"$(events "$N")"
stop_pid "$T_DIR/scanopy-daemon.pid"

# A DaemonPoll daemon that stops polling mid-scan (SIGSTOP): offline.
"$BIN/scanopy-daemon" run --server-url "$G" --api-key "$DKEY" --name poll-1 --state-dir "$T_DIR/poll" \
	--control-socket "ipc://$T_DIR/poll.ipc" --poll-interval 1 >>"$T_DIR/scanopy-daemon.log" 2>&1 &
PPID_=$!
echo $PPID_ >"$T_DIR/poll-daemon.pid"
wait_for 20 test -s "$T_DIR/poll/daemon-id"
PID_=$(cat "$T_DIR/poll/daemon-id")
P=$(scan "$PID_" '"type":"network","targets":["127.0.0.1"],"deep":true')
check "a DaemonPoll scan runs" wait_for 40 is_state "$P" running
kill -STOP $PPID_
Q=$(scan "$PID_" '"type":"self_report"')
offline() { session "$P" | jq -e '.state == "failed" and (.reason | test("went offline"))' >/dev/null; }
check "a daemon that stops polling: its running session fails as offline" wait_for 30 offline
waiting() { session "$Q" | jq -e '.state == "pending" and (.reason | startswith("waiting for the daemon, offline since"))' >/dev/null; }
check "and its pending one says it waits for the daemon" wait_for 15 waiting
kill -CONT $PPID_
check "back, it runs the pending one" wait_for 40 is_state "$Q" completed
stop_pid "$T_DIR/poll-daemon.pid"
finish
