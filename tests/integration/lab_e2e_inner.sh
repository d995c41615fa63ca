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

# The lab's SNMP credentials, as an administrator would enter them: the
# switches', the router's and the hosts' communities, and one v3 user.
for c in '{"version":"v2c","community":"lab-switch"}' '{"version":"v2c","community":"lab-router"}' \
	'{"version":"v2c","community":"public"}' '{"version":"v2c","community":"s3cret-ro"}' \
	'{"version":"v3","username":"labmon","auth_protocol":"SHA","auth_key":"labmon-auth-2024","priv_protocol":"AES","priv_key":"labmon-priv-2024"}'; do
	curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/snmp-credentials" -d "$c" >/dev/null
done
SID=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"unified","targets":["10.77.1.0/24","10.77.2.0/24"]}' | jq -r .id)
done_() { curl -sf -H "$A" "$G/api/v1/sessions/$SID" | jq -e '.state == "completed" or .state == "failed"' >/dev/null; }
check "the network discovery finishes" wait_for 120 done_
curl -sf -H "$A" "$G/api/v1/sessions/$SID" >"$T_DIR/session.json"
check "and completes" jq -e '.state == "completed"' "$T_DIR/session.json"
check "with the daemon's counts" jq -e '.hosts_found >= 16 and .ports_found >= 33' "$T_DIR/session.json"
secs=$(jq -r '(((.finished_at | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdate) - (.started_at | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdate)))' "$T_DIR/session.json" 2>/dev/null || echo "?")
echo "session: $(jq -c '{state, hosts_found, ports_found}' "$T_DIR/session.json"), about ${secs} s from claim to completion"

# Wait for fingerprint and topology to apply the last batches (a loaded
# machine can take longer than a fixed pause), then read the inventory back
# through the API, in the shape tests/lab/score takes.
wait_for 60 pipeline_drained || echo "  (the pipeline had not drained after 60 s)"
sleep 1
curl -sf -H "$A" "$G/api/v1/hosts?network_id=$NET&limit=1000" | jq '[.[] | .services as $s | {hostname, interfaces,
	services: [.ports[] as $p | (($s | map(select(.port == $p.port and .protocol == $p.protocol)) | .[0]) // {}) + {protocol: $p.protocol, port: $p.port}]}]' >"$T_DIR/hosts.json"
# L2 and L3 from the views: cables as (device address, or label when it has
# none, port) pairs (the lab's namespaces share the machine's host name, so
# the scanner is known by its address), subnets with their gateways.
curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l2" >"$T_DIR/l2.json"
curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l3" >"$T_DIR/l3.json"
jq -n --slurpfile h "$T_DIR/hosts.json" --slurpfile l2 "$T_DIR/l2.json" --slurpfile l3 "$T_DIR/l3.json" '
	($l2[0].nodes | map({(.id): (.ip // .label)}) | add // {}) as $name |
	{hosts: $h[0],
	 links: [$l2[0].edges[] | select(.kind == "link") | {a: {device: $name[.source], port: .data.source_port}, b: {device: $name[.target], port: .data.target_port}}],
	 subnets: [$l3[0].nodes[] | select(.kind == "subnet") | {cidr: .label, gateway: .data.gateway}]}' >"$T_DIR/report.json"
python3 "$ROOT/tests/lab/score" "$T_DIR/report.json" || true
python3 "$ROOT/tests/lab/score" --json "$T_DIR/report.json" >"$T_DIR/score.json"
check "every lab host found" jq -e '.hosts.recall == 1' "$T_DIR/score.json"
check "no invented host" jq -e '.hosts.false_positive == 0' "$T_DIR/score.json"
check "every open port found" jq -e '.ports.recall == 1' "$T_DIR/score.json"
check "no invented port" jq -e '.ports.false_positive == 0' "$T_DIR/score.json"
# The model: one host per machine (the two-armed router joins only with SNMP
# evidence: its interfaces and the ARP tables of its neighbours), every
# subnet with its gateway.
check "one host per lab machine" jq -e '.hosts.duplicates == 0' "$T_DIR/score.json"
check "every subnet with its gateway" jq -e '.subnets.gateway_correct == .subnets.expected' "$T_DIR/score.json"
check "every cable of the lab (LLDP and FDB)" jq -e '.links.recall == 1' "$T_DIR/score.json"
check "no invented cable" jq -e '.links.precision == 1' "$T_DIR/score.json"
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
