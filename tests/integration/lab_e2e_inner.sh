#!/usr/bin/env bash
# Runs inside the lab's scanner namespace (see tests/lab/e2e): the system on
# this namespace's loopback, the daemon scanning the lab for real.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap lab
SCANOPY_API_KEY=$DKEY "$BIN/scanopy-daemon" run --server-url "$G" --name scanner --poll-interval 1 \
	--state-dir "$T_DIR/daemon" --control-socket "ipc://$T_DIR/daemon.ipc" >>"$T_DIR/scanopy-daemon.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon.pid"
registered() { curl -sf -H "$A" "$G/api/v1/daemons" | jq -e 'length == 1' >/dev/null; }
check "the daemon enrols" wait_for 20 registered

SID=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"network","targets":["10.77.1.0/24","10.77.2.0/24"]}' | jq -r .id)
done_() { curl -sf -H "$A" "$G/api/v1/sessions/$SID" | jq -e '.state == "completed" or .state == "failed"' >/dev/null; }
check "the network discovery finishes" wait_for 120 done_
curl -sf -H "$A" "$G/api/v1/sessions/$SID" >"$T_DIR/session.json"
check "and completes" jq -e '.state == "completed"' "$T_DIR/session.json"
check "with the daemon's counts" jq -e '.hosts_found >= 16 and .ports_found >= 33' "$T_DIR/session.json"
secs=$(jq -r '(((.finished_at | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdate) - (.started_at | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdate)))' "$T_DIR/session.json" 2>/dev/null || echo "?")
echo "session: $(jq -c '{state, hosts_found, ports_found}' "$T_DIR/session.json"), about ${secs} s from claim to completion"

# Give topology a moment to apply the last batches, then read the inventory
# back through the API, in the shape tests/lab/score takes.
sleep 2
curl -sf -H "$A" "$G/api/v1/hosts?network_id=$NET&limit=1000" | jq '[.[] | .services as $s | {hostname, interfaces,
	services: [.ports[] as $p | (($s | map(select(.port == $p.port and .protocol == $p.protocol)) | .[0]) // {}) + {protocol: $p.protocol, port: $p.port}]}]' >"$T_DIR/report.json"
python3 "$ROOT/tests/lab/score" "$T_DIR/report.json" || true
python3 "$ROOT/tests/lab/score" --json "$T_DIR/report.json" >"$T_DIR/score.json"
check "every lab host found" jq -e '.hosts.recall == 1' "$T_DIR/score.json"
check "no invented host" jq -e '.hosts.false_positive == 0' "$T_DIR/score.json"
check "every open port found" jq -e '.ports.recall == 1' "$T_DIR/score.json"
check "no invented port" jq -e '.ports.false_positive == 0' "$T_DIR/score.json"
check "services named correctly: at least 90 %" jq -e '.services.recall >= 0.90' "$T_DIR/score.json"
check "service precision: at least 95 %" jq -e '.services.precision >= 0.95' "$T_DIR/score.json"
check "the daemon scanned with the gateway's probe plan" grep -q "probe plan sha256:" "$T_DIR/scanopy-daemon.log"

# nmap -sV on the same hosts in the same run (SCANOPY_LAB_NMAP=1; about two
# minutes), scored by the same table, printed beside ours.
if [ "${SCANOPY_LAB_NMAP:-0}" = 1 ]; then
	python3 "$ROOT/tests/lab/score" --nmap --json >"$T_DIR/nmap.json"
	jq -rn --slurpfile o "$T_DIR/score.json" --slurpfile n "$T_DIR/nmap.json" '
		def pct: . * 1000 | round / 10 | tostring + " %";
		"services named  scanopy \($o[0].services.recall | pct)  nmap -sV \($n[0].services.recall | pct)",
		"precision       scanopy \($o[0].services.precision | pct)  nmap -sV \($n[0].services.precision | pct)",
		"nmap wall time  \($n[0].wall_time_s) s (\($n[0].command))"'
	check "more services named than nmap -sV" jq -en --slurpfile o "$T_DIR/score.json" \
		--slurpfile n "$T_DIR/nmap.json" '$o[0].services.recall > $n[0].services.recall'
	check "and more precisely" jq -en --slurpfile o "$T_DIR/score.json" \
		--slurpfile n "$T_DIR/nmap.json" '$o[0].services.precision >= $n[0].services.precision'
fi
finish
