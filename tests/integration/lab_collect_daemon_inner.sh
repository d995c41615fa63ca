#!/usr/bin/env bash
# Runs inside the lab's scanner namespace (see tests/lab/collect_e2e): the
# system on this namespace's loopback; SNMP credentials stored through the
# API; a daemon in daemon_poll mode with docker1's API as its Docker proxy
# runs a unified discovery of both lab subnets: the network scan, then SNMP
# of the hosts whose UDP 161 answered (and of the devices their neighbour
# tables name), local LLDP and Docker, all delivered through the gateway.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT --secret-key-file "$T_DIR/gateway-secret.key"
api_bootstrap lab
C="$G/api/v1/networks/$NET/snmp-credentials"
add() { curl -sf -o /dev/null -XPOST -H "$A" -H "$J" "$C" -d "$1"; }
check "SNMP credentials are stored (switch and router communities, public, v3)" sh -c "$(declare -f add); A='$A' J='$J' C='$C'
	add '{\"version\":\"v2c\",\"community\":\"lab-switch\",\"scope\":[\"10.77.1.2\",\"10.77.1.3\",\"10.77.2.2\"]}' &&
	add '{\"version\":\"v2c\",\"community\":\"lab-router\",\"scope\":[\"10.77.1.1\",\"10.77.2.1\"]}' &&
	add '{\"version\":\"v2c\",\"community\":\"public\"}' &&
	add '{\"version\":\"v3\",\"username\":\"labmon\",\"auth_protocol\":\"SHA\",\"auth_key\":\"labmon-auth-2024\",\"priv_protocol\":\"AES\",\"priv_key\":\"labmon-priv-2024\",\"scope\":[\"10.77.1.17\"]}'"

SCANOPY_API_KEY=$DKEY "$BIN/scanopy-daemon" run --server-url "$G" --name scanner --poll-interval 1 \
	--docker-proxy tcp://10.77.2.13:2375 --state-dir "$T_DIR/daemon" \
	--control-socket "ipc://$T_DIR/daemon.ipc" >>"$T_DIR/scanopy-daemon.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon.pid"
registered() { curl -sf -H "$A" "$G/api/v1/daemons" | jq -e 'length == 1' >/dev/null; }
check "the daemon enrols" wait_for 20 registered
SID=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" \
	-d '{"type":"unified","targets":["10.77.1.0/24","10.77.2.0/24"]}' | jq -r .id)
done_() { curl -sf -H "$A" "$G/api/v1/sessions/$SID" | jq -e '.state == "completed" or .state == "failed"' >/dev/null; }
check "the unified discovery finishes" wait_for 120 done_
curl -sf -H "$A" "$G/api/v1/sessions/$SID" >"$T_DIR/session.json"
check "and completes" jq -e '.state == "completed"' "$T_DIR/session.json"
L="$T_DIR/scanopy-daemon.log"
# the lab's seven agents: sw1-3, rtr1, ntp1 (public), mon1 (v3) and app1,
# whose community the network does not have: it answers nothing
check "SNMP read every agent it has a credential for (rtr1 on both addresses)" grep -Eq "snmp: 7 of 8 devices answered" "$L"
check "hosts the scan found silent on UDP 161 are not asked again" sh -c "! grep -q \"more devices from neighbour tables\" '$L'"
check "the agent without a credential is explained" grep -q "snmp 10.77.2.15: credential" "$L"
check "Docker: 3 containers through the proxy" grep -q "docker: 3 containers" "$L"
check "no SNMP secret in the daemon's log" sh -c "! grep -q 'lab-switch\|lab-router\|labmon-auth\|labmon-priv' '$L'"
check "nor in the gateway's" sh -c "! grep -q 'lab-switch\|lab-router\|labmon-auth\|labmon-priv' '$T_DIR/scanopy-gateway.log'"
check "the session's batches reached the inventory" test "$(sql "SELECT count(*) FROM inv.batches WHERE session_id = '$SID'")" -ge 2
finish
