#!/usr/bin/env bash
# ServerPoll end to end with a real daemon listening on a test port: the
# gateway provisions it (URL and a call key shown once, kept sealed); the
# scheduler calls it with that key, hands it jobs, follows their progress,
# pulls the results into the bus (they reach the hosts API) and cancels. A
# wrong key is refused; a daemon that is down has its job retried with
# backoff, then failed with the reason; one that dies mid-session goes
# offline and its session fails.
. "$(dirname "$0")/lib.sh"
server_poll_up dmz 3
D="http://127.0.0.1:$DPORT"

R=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/server-daemons" \
	-d "{\"name\":\"dmz-1\",\"url\":\"$D\"}")
DID=$(echo "$R" | jq -r .daemon_id) CKEY=$(echo "$R" | jq -r .call_key)
check "provisioning makes the daemon's id" is_uuid "$DID"
check "and a call key, shown once" test "${#CKEY}" -gt 40
check "the key is kept sealed, not in clear" test \
	"$(sql "SELECT position(convert_to('$CKEY', 'UTF8') IN call_key_sealed) FROM core.daemons WHERE id = '$DID'")" = 0
check "the daemon list shows its URL and key prefix, never the key" sh -c \
	"curl -sf -H '$A' '$G/api/v1/daemons?network_id=$NET' | jq -e '.[0].url == \"$D\" and .[0].mode == \"server_poll\" and (tostring | contains(\"$CKEY\") | not)' >/dev/null"
check "a bad URL is refused (422)" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "$A" -H "$J" \
	"$G/api/v1/networks/$NET/server-daemons" -d '{"name":"x","url":"ftp://a"}')" = 422

start_daemon() {
	"$BIN/scanopy-daemon" run --mode server_poll --daemon-id "$DID" --call-key "$CKEY" --name dmz-1 \
		--listen-address 127.0.0.1 --listen-port "$DPORT" --state-dir "$T_DIR/daemon" \
		--control-socket "ipc://$T_DIR/daemon.ipc" >>"$T_DIR/scanopy-daemon.log" 2>&1 &
	echo $! >"$T_DIR/scanopy-daemon.pid"
	wait_for 20 curl -s -o /dev/null "$D/v1/status"
}
never() { curl -sf -H "$A" "$G/api/v1/sessions?daemon_id=$DID" | jq -e 'any(.[]; .state == "pending" and (.reason // "" | startswith("waiting for the daemon, never reached")))' >/dev/null; }
check "before the daemon is installed, its first job waits (not failed) and says why" wait_for 20 never
start_daemon
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "the daemon refuses a call without a key (401)" test "$(code "$D/v1/status")" = 401
check "and with a wrong key (401)" test "$(code -H 'Authorization: Bearer scp_c_wrong' "$D/v1/status")" = 401
check "and answers the right one" test "$(code -H "Authorization: Bearer $CKEY" "$D/v1/status")" = 200
check "it does not keep the key in clear in its state" sh -c "! grep -rq '$CKEY' '$T_DIR/daemon'"

session() { curl -sf -H "$A" "$G/api/v1/sessions/$1"; }
state() { session "$1" | jq -r .state; }
is_state() { [ "$(state "$1")" = "$2" ]; }
SR=$(sql "SELECT id FROM sched.sessions WHERE daemon_id = '$DID' AND discovery_type = 'self_report' LIMIT 1")
check "its default self-report is dispatched by the scheduler and completes" wait_for 90 is_state "$SR" completed
check "the scheduler's calls are its heartbeat (last_seen)" \
	test "$(sql "SELECT last_seen > now() - interval '30 s' FROM core.daemons WHERE id = '$DID'")" = t

check "the daemon's status says the server has been in touch" sh -c \
	"'$BIN/scanopy-daemon' status --control-socket 'ipc://$T_DIR/daemon.ipc' | jq -e '.server == \"connected\" and .last_contact_ms > 0' >/dev/null"

# A network scan of 127.0.0.1, named as a deep target (the scheduler's packed
# job carries it): every state, progress, results in the hosts API.
S=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"network","targets":["127.0.0.1"],"deep_targets":["127.0.0.1"]}' | jq -r .id)
: >"$T_DIR/progress"
for i in $(seq 300); do
	st=$(session "$S" | jq -r '"\(.state) \(.progress)"'); echo "$st" >>"$T_DIR/progress"
	case $st in completed*|failed*|cancelled*) break;; esac; sleep 0.2
done
check "the scan completed" is_state "$S" completed
check "the packed job's deep target was scanned on every port" grep -q "(65535 on deep targets)" "$T_DIR/scanopy-daemon.log"
check "it went pending, starting, running, completed" test \
	"$(sql "SELECT string_agg(state, ',' ORDER BY id) FROM sched.session_events WHERE session_id = '$S'")" = "pending,starting,running,completed"
check "progress arrived while it ran" awk '$1 == "running" && $2 > 0 && $2 < 100 { f = 1 } END { exit !f }' "$T_DIR/progress"
check "with a summary and counts" sh -c "curl -sf -H '$A' $G/api/v1/sessions/$S | jq -e '(.summary | test(\"open ports\")) and .ports_found > 0' >/dev/null"
check "its results reached the inventory, stamped with the daemon's record" test \
	"$(sql "SELECT count(*) FROM inv.batches WHERE session_id = '$S' AND daemon_id = '$DID' AND org_id = (SELECT org_id FROM core.daemons WHERE id = '$DID')")" -ge 1
# (loopback addresses make no host: the daemon's own host comes from its
# self-report, pulled the same way)
landed() { curl -sf -H "$A" "$G/api/v1/hosts?network_id=$NET" | jq -e --arg h "$(hostname)" 'any(.[]; .hostname == $h and (.interfaces | length) > 0)' >/dev/null; }
check "and the hosts API shows the daemon's host with its interfaces" wait_for 20 landed
check "the daemon's spool was emptied by the pulls" \
	test "$(curl -sf -H "Authorization: Bearer $CKEY" "$D/v1/status" | jq .spooled_batches)" = 0

# SNMP credentials travel inside the job, opened by the scheduler: an SNMP
# run without one is skipped by the daemon; with one it is not, and the
# secret shows in no log.
snmp_run() {
	local id
	id=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
		-d '{"type":"snmp","targets":["127.0.0.1"]}' | jq -r .id)
	wait_for 90 is_state "$id" completed
}
skipped() { grep -c "carries no SNMP credentials" "$T_DIR/scanopy-daemon.log" || true; }
check "an SNMP run without credentials completes" snmp_run
check "and the daemon says it had none" test "$(skipped)" -ge 1
before=$(skipped)
curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/snmp-credentials" \
	-d '{"name":"lab","version":"v2c","community":"sp-c0mmunity-secret"}' >/dev/null
check "an SNMP run with a credential completes" snmp_run
check "and the credential reached the daemon in its job" test "$(skipped)" = "$before"
check "the community is in no log" sh -c "! grep -rq 'sp-c0mmunity-secret' '$T_DIR'/*.log"

# Cancel a running scan.
C=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"network","targets":["127.0.0.1"],"deep":true}' | jq -r .id)
running() { session "$C" | jq -e '.state == "running"' >/dev/null; }
wait_for 30 running
check "cancelling a running ServerPoll session answers cancelled" sh -c \
	"curl -sf -XPOST -H '$A' $G/api/v1/sessions/$C/cancel | jq -e '.state == \"cancelled\"' >/dev/null"
stopped() { curl -sf -H "Authorization: Bearer $CKEY" "$D/v1/jobs/$C" | jq -e '.state == "cancelled"' >/dev/null; }
check "the scheduler tells the daemon, which stops" wait_for 15 stopped
acked() { [ "$(sql "SELECT cancel_pending FROM sched.sessions WHERE id = '$C'")" = f ]; }
check "and sees it stopped" wait_for 10 acked

# A new key: the old one stops working on the daemon only once reconfigured;
# the scheduler now calls with the new key, so the daemon refuses it.
# (Rotation is checked through the scheduler's error, not a second daemon.)

# Daemon down: dispatch retried with backoff, then failed with the reason.
stop_pid "$T_DIR/scanopy-daemon.pid"
F=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"self_report"}' | jq -r .id)
failed() { session "$F" | jq -e '.state == "failed"' >/dev/null; }
check "a job for a daemon that is down is retried, then failed" wait_for 60 failed
check "with the reason" sh -c "curl -sf -H '$A' $G/api/v1/sessions/$F | jq -e '.reason | test(\"at its URL after 3 attempts: .*did not answer\")' >/dev/null"
check "after 3 attempts" test "$(sql "SELECT dispatch_attempts FROM sched.sessions WHERE id = '$F'")" = 3
check "the scheduler backed off between them (>= 3 s)" test \
	"$(sql "SELECT extract(epoch FROM finished_at - created_at) >= 3 FROM sched.sessions WHERE id = '$F'")" = t

# A daemon that dies mid-session: its session fails as offline.
start_daemon
O2=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"network","targets":["127.0.0.1"],"deep":true}' | jq -r .id)
running2() { session "$O2" | jq -e '.state == "running"' >/dev/null; }
wait_for 30 running2
kill -KILL "$(cat "$T_DIR/scanopy-daemon.pid")"; rm -f "$T_DIR/scanopy-daemon.pid"
offline() { session "$O2" | jq -e '.state == "failed" and (.reason | test("offline"))' >/dev/null; }
check "a daemon killed mid-scan: its session fails as offline" wait_for 40 offline

# A daemon restarted mid-session no longer has it: failed with that reason.
start_daemon
O3=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"network","targets":["127.0.0.1"],"deep":true}' | jq -r .id)
running3() { session "$O3" | jq -e '.state == "running"' >/dev/null; }
wait_for 30 running3
stop_pid "$T_DIR/scanopy-daemon.pid"
start_daemon
restarted() { session "$O3" | jq -e '.state == "failed" and (.reason | test("no longer has"))' >/dev/null; }
check "a daemon restarted mid-scan: its session fails, saying why" wait_for 20 restarted

# A new call key: the daemon still configured with the old one refuses the
# scheduler, which says why.
curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/daemons/$DID/call-key" -d '{}' >/dev/null
refused() { [ "$(sql "SELECT last_error LIKE '%answered 401%' FROM sched.server_polls WHERE daemon_id = '$DID'")" = t ]; }
check "after a key rotation the old daemon config is refused (401)" wait_for 20 refused
stop_pid "$T_DIR/scanopy-daemon.pid"
finish
