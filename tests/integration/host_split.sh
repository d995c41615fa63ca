#!/usr/bin/env bash
# A user's split (POST /hosts/{id}/split): the lab's two-armed router, which
# the scan rightly joins into one host, is split by a user into one host per
# arm; a rescan (the same SNMP and ARP observations, which name keys of both
# arms together) keeps the two apart; a user's merge then joins them again
# for good, each interface keeping the newer report's port VLANs, which a
# second split moves whole. Refusals: keys that are not the host's, every
# key, bad bodies.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap split
python3 "$ROOT/tests/integration/topo_fixture.py" >"$T_DIR/fx.json"
NB=$(jq length "$T_DIR/fx.json")
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
rounds=0
rescan() {
	rounds=$((rounds + 1))
	"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
		--daemon-id "$(uuid)" --start $((rounds * 1000)) --json "$T_DIR/fx.json" >/dev/null
	applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$NET'")" -ge $((NB * rounds)) ]; }
	wait_for 60 applied
}
host_of() { sql "SELECT host_id FROM inv.addresses WHERE network_id = '$NET' AND ip = '$1'"; }
call() { # call METHOD PATH [curl args]: prints "STATUS BODY"
	local m=$1 p=$2; shift 2
	curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$m" "$G$p" -H "$A" "$@" >"$T_DIR/code"
	echo "$(cat "$T_DIR/code") $(cat "$T_DIR/body")"
	jq -cn --arg m "$m" --arg p "$p" --argjson s "$(cat "$T_DIR/code")" \
		--rawfile b "$T_DIR/body" '{method: $m, path: $p, status: $s, body: $b}' >>"$T_DIR/responses.jsonl"
}
status_is() { [ "${2%% *}" = "$1" ]; }

rescan
RTR=$(host_of 10.77.1.1)
check "the scan joins the router's arms into one host" test "$(host_of 10.77.2.1)" = "$RTR"
# The keys of the second arm: its address, and its MAC where it is a key.
KEYS=$(sql "SELECT json_agg(json_build_object('kind', kind, 'value', value)) FROM inv.host_identities
	WHERE host_id = '$RTR' AND ((kind = 'ip' AND value = '10.77.2.1') OR (kind = 'mac' AND value = '02:77:fe:00:02:01'))")
echo "splitting off: $KEYS"
ALL=$(sql "SELECT json_agg(json_build_object('kind', kind, 'value', value)) FROM inv.host_identities WHERE host_id = '$RTR'")

check "keys that are not the host's: 422" status_is 422 \
	"$(call POST "/api/v1/hosts/$RTR/split" -H "$J" -d '{"keys":[{"kind":"ip","value":"10.77.1.10"}]}')"
check "every key of the host: 422 (one must stay)" status_is 422 \
	"$(call POST "/api/v1/hosts/$RTR/split" -H "$J" -d "{\"keys\":$ALL}")"
check "no keys: 422 naming the field" sh -c "curl -s -XPOST -H '$A' -H '$J' '$G/api/v1/hosts/$RTR/split' -d '{\"keys\":[]}' | jq -e '.error.field == \"keys\"' >/dev/null"
check "an unknown host: 404" status_is 404 \
	"$(call POST "/api/v1/hosts/$(uuid)/split" -H "$J" -d "{\"keys\":$KEYS}")"
check "nothing moved by the refusals" test "$(host_of 10.77.2.1)" = "$RTR"

out=$(call POST "/api/v1/hosts/$RTR/split" -H "$J" -d "{\"keys\":$KEYS,\"name\":\"rtr1-eth1\"}")
check "a user splits the second arm off" status_is 201 "$out"
NEW=$(echo "${out#* }" | jq -r .id)
check "the new host has the arm's address and the user's name" \
	sh -c "echo '${out#* }' | jq -e '.name == \"rtr1-eth1\" and (.interfaces | map(.addresses[]) | index(\"10.77.2.1\"))' >/dev/null"
check "the address is the new host's" test "$(host_of 10.77.2.1)" = "$NEW"
check "the first arm stays" test "$(host_of 10.77.1.1)" = "$RTR"
check "both hosts log the split" test "$(sql "SELECT count(*) FROM inv.changes WHERE kind = 'host_split' AND host_id IN ('$RTR', '$NEW')")" -eq 2
check "the split is recorded" test "$(sql "SELECT count(*) FROM inv.host_splits WHERE network_id = '$NET'")" -eq 1
OTHER=$(uuid)
check "another organisation reads no split" \
	test "$(sql "BEGIN; SELECT set_config('scanopy.org_id', '$OTHER', true); SET LOCAL ROLE scanopy_tenant; SELECT count(*) FROM inv.host_splits; COMMIT" | grep -x '[0-9]*' | tail -n 1)" -eq 0

LAST=$(sql "SELECT max(id) FROM inv.changes")
rescan
check "a rescan keeps the split" test "$(host_of 10.77.2.1)" = "$NEW"
check "and the router's first arm where it was" test "$(host_of 10.77.1.1)" = "$RTR"
check "no scan merge between them" test "$(sql "SELECT count(*) FROM inv.changes WHERE id > $LAST AND kind = 'hosts_merged' AND host_id IN ('$RTR', '$NEW')")" -eq 0

# Port VLANs on both hosts before the merge (SNMP, as scanopy-collect reads
# Q-BRIDGE-MIB), by two daemons at two times: eth1 newer on the split-off
# host, eth0 newer on the router, vl7 reported on the split-off host only.
# The merge keeps, per interface, the newer report's VLANs, as a report
# arriving would; a later split moves them whole.
OLDD=$(uuid) NEWD=$(uuid) T_OLD=1700000100000 T_NEW=1700000200000
ife() { # DEVICE-IP NAME INDEX AT PVID TAGGED-JSON
	printf '{"observed_at_ms": %s, "if_entry": {"device_ip": "%s", "if_index": %s, "name": "%s", "vlan_id": %s, "tagged_vlan_ids": %s}}' "$4" "$1" "$3" "$2" "$5" "$6"
}
vlan_report() { # DAEMON FILE OBSERVATION...
	local d=$1 f=$2; shift 2
	local IFS=,
	echo "[{\"sequence\": 1, \"observations\": [$*]}]" >"$f"
	"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
		--daemon-id "$d" --json "$f" >/dev/null
	got() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE daemon_id = '$d'")" -eq 1 ]; }
	wait_for 30 got
}
vlan_report "$OLDD" "$T_DIR/v_old.json" "$(ife 10.77.1.1 eth1 3 $T_OLD 10 '[11]')" "$(ife 10.77.2.1 eth0 2 $T_OLD 40 '[41]')"
vlan_report "$NEWD" "$T_DIR/v_new.json" "$(ife 10.77.2.1 eth1 3 $T_NEW 20 '[21, 22]')" "$(ife 10.77.1.1 eth0 2 $T_NEW 30 '[]')" \
	"$(ife 10.77.2.1 vl7 7 $T_NEW 70 '[71]')"
# name=pvid/tagged/source/daemon/seen (epoch ms) of a host's interfaces with VLANs
port_vlans() { sql "SELECT string_agg(name || '=' || coalesce(pvid::text, '-') || '/' || array_to_string(tagged_vlans, '+') || '/' || vlans_source || '/' || CASE vlans_daemon_id WHEN '$OLDD' THEN 'old' WHEN '$NEWD' THEN 'new' END || '/' || (extract(epoch FROM vlans_seen) * 1000)::bigint, ' ' ORDER BY name) FROM inv.interfaces WHERE host_id = '$1' AND vlans_seen IS NOT NULL"; }
check "before the merge each host has its own reports" test "$(port_vlans "$RTR") | $(port_vlans "$NEW")" \
	= "eth0=30//snmp/new/$T_NEW eth1=10/11/snmp/old/$T_OLD | eth0=40/41/snmp/old/$T_OLD eth1=20/21+22/snmp/new/$T_NEW vl7=70/71/snmp/new/$T_NEW"

check "a user's merge overrides the split" status_is 200 \
	"$(call POST "/api/v1/hosts/$RTR/merge" -H "$J" -d "{\"other\":\"$NEW\"}")"
check "the merged interfaces have the newer report's VLANs, whichever host had it" test "$(port_vlans "$RTR")" \
	= "eth0=30//snmp/new/$T_NEW eth1=20/21+22/snmp/new/$T_NEW vl7=70/71/snmp/new/$T_NEW"
check "and forgets it" test "$(sql "SELECT count(*) FROM inv.host_splits WHERE network_id = '$NET'")" -eq 0
rescan
check "a rescan after the merge keeps one host" test "$(host_of 10.77.2.1)" = "$RTR"
check "and the interfaces' VLANs (a report without VLANs changes none)" test "$(port_vlans "$RTR")" \
	= "eth0=30//snmp/new/$T_NEW eth1=20/21+22/snmp/new/$T_NEW vl7=70/71/snmp/new/$T_NEW"
out=$(call POST "/api/v1/hosts/$RTR/split" -H "$J" -d "{\"keys\":$KEYS}")
check "split again" status_is 201 "$out"
AGAIN=$(echo "${out#* }" | jq -r .id)
check "the arm's interface leaves with its VLANs whole, the others stay" test "$(port_vlans "$AGAIN") | $(port_vlans "$RTR")" \
	= "eth1=20/21+22/snmp/new/$T_NEW | eth0=30//snmp/new/$T_NEW vl7=70/71/snmp/new/$T_NEW"

check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$ROOT/svc-gateway/api/openapi.json" "$T_DIR/responses.jsonl"
finish
