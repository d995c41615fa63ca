#!/usr/bin/env bash
# A switch's port VLANs end to end (issue 7). The switch lives in a network
# namespace of this test's own: a Linux bridge br0 with ports swp1..swp4 and a
# real snmpd whose pass_persist helper (tests/lab/bridge-mib.py) serves
# BRIDGE-MIB and Q-BRIDGE-MIB from the bridge. scanopy-collect reads it over
# SNMP from another namespace; its observations go through the real pipeline
# (obs-publish -> fingerprint -> topology) and must come out as each port's
# native and tagged VLANs on the switch's interfaces (GET /hosts/{id},
# /interfaces?vlan=) and in GET /vlans; interfaces that are no bridge port
# carry none.
#
# The ports' VLANs are set with `bridge vlan` on a VLAN-filtering bridge when
# the kernel can filter VLANs; a kernel built without it
# (CONFIG_BRIDGE_VLAN_FILTERING) cannot, and then the same table, in the
# shape `bridge -j vlan show` prints, is handed to the helper (--vlans).
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap snmpvlans
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
DID=$(uuid)

NS=vls$O PEER=vlw$O NETB=$((O % 200 + 20))
SCAN_IP=10.249.$NETB.1 SW_IP=10.249.$NETB.2 COMM=vl-$$
netns_pair "$NS" "$PEER"
ip -n "$NS" addr add "$SCAN_IP/24" dev eth0
ip -n "$PEER" addr add "$SW_IP/24" dev eth0
ip -n "$PEER" link add br0 type bridge
for i in 1 2 3 4; do
	ip -n "$PEER" link add "swp$i" type veth peer name "h$i"
	ip -n "$PEER" link set "swp$i" master br0 up
	ip -n "$PEER" link set "h$i" up
done
ip -n "$PEER" link set br0 up

# swp1 access 10; swp2 trunk, native 1, tagged 20 and 30; swp3 trunk with
# no native VLAN, tagged 10 and 20; swp4 access 30.
VLANS=()
if ip -n "$PEER" link set br0 type bridge vlan_filtering 1 2>/dev/null; then
	bv() { ip netns exec "$PEER" bridge vlan "$@"; }
	bv add dev swp1 vid 10 pvid untagged && bv del dev swp1 vid 1
	bv add dev swp2 vid 20 && bv add dev swp2 vid 30
	bv add dev swp3 vid 10 && bv add dev swp3 vid 20 && bv del dev swp3 vid 1
	bv add dev swp4 vid 30 pvid untagged && bv del dev swp4 vid 1
	echo "# VLANs: the kernel's (vlan_filtering 1)"
else
	cat >"$T_DIR/vlans.json" <<'JSON'
[{"ifname": "swp1", "vlans": [{"vlan": 10, "flags": ["PVID", "Egress Untagged"]}]},
 {"ifname": "swp2", "vlans": [{"vlan": 1, "flags": ["PVID", "Egress Untagged"]}, {"vlan": 20, "vlanEnd": 20}, {"vlan": 30}]},
 {"ifname": "swp3", "vlans": [{"vlan": 10}, {"vlan": 20}]},
 {"ifname": "swp4", "vlans": [{"vlan": 30, "flags": ["PVID", "Egress Untagged"]}]},
 {"ifname": "br0", "vlans": [{"vlan": 1, "flags": ["PVID", "Egress Untagged"]}]}]
JSON
	VLANS=(--vlans "$T_DIR/vlans.json")
	echo "# VLANs: handed to the helper (this kernel cannot filter VLANs)"
fi

cat >"$T_DIR/snmpd.conf" <<CONF
[snmp] mibs :
agentAddress udp:$SW_IP:161
sysName sw-vlans
sysDescr Scanopy test switch (Linux bridge)
rocommunity $COMM $SCAN_IP/32
pass_persist .1.3.6.1.2.1.17 /usr/bin/python3 $ROOT/tests/lab/bridge-mib.py br0 ${VLANS[*]}
CONF
mkdir -p "$T_DIR/snmp-persist"
setsid ip netns exec "$PEER" env SNMP_PERSISTENT_DIR="$T_DIR/snmp-persist" \
	snmpd -f -Lo -C -c "$T_DIR/snmpd.conf" >"$T_DIR/snmpd.log" 2>&1 </dev/null &
echo $! >>"$T_DIR/peer.pids"
up() { ip netns exec "$PEER" ss -Hlun "sport = :161" | grep -q .; }
wait_for 10 up
printf '[{"version": "v2c", "community": "%s"}]\n' "$COMM" >"$T_DIR/creds.json"
chmod 600 "$T_DIR/creds.json"
collected() {
	ip netns exec "$NS" "$BIN/scanopy-collect" snmp --credentials "$T_DIR/creds.json" \
		--timeout-ms 2000 "$SW_IP" >"$T_DIR/obs.jsonl" 2>"$T_DIR/collect.log" &&
		grep -q '"if_entry"' "$T_DIR/obs.jsonl"
}
check "scanopy-collect reads the switch" wait_for 20 collected
cat "$T_DIR/collect.log"
port() { # NAME: "pvid/tagged" of the port's InterfaceEntry
	jq -rs --arg n "$1" '[.[] | .if_entry | select(. != null and .name == $n)][0] |
		"\(.vlan_id // "-")/\((.tagged_vlan_ids // []) | map(tostring) | join("+"))"' "$T_DIR/obs.jsonl"
}
check "the switch's VLANs with their names (dot1qVlanStaticName)" \
	test "$(jq -rs '[.[] | .snmp_system | select(. != null) | .vlans[] | "\(.vlan_id)=\(.name)"] | join(" ")' "$T_DIR/obs.jsonl")" \
	= "1=VLAN0001 10=VLAN0010 20=VLAN0020 30=VLAN0030"
check "each port's native and tagged VLANs, as Q-BRIDGE-MIB says" \
	test "$(for p in swp1 swp2 swp3 swp4 eth0; do printf '%s=%s ' $p "$(port $p)"; done)" \
	= "swp1=10/ swp2=1/20+30 swp3=-/10+20 swp4=30/ eth0=-/ "

# Through the pipeline, as the daemon's batch would.
jq -s '[{sequence: 1, observations: .}]' "$T_DIR/obs.jsonl" >"$T_DIR/b1.json"
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
	--daemon-id "$DID" --json "$T_DIR/b1.json"
applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE daemon_id = '$DID'")" -eq 1 ]; }
check "the batch is applied" wait_for 30 applied
SW=$(sql "SELECT host_id FROM inv.addresses WHERE network_id = '$NET' AND ip = '$SW_IP'")
curl -sf -H "$A" "$G/api/v1/hosts/$SW" >"$T_DIR/sw.json"
check "GET /hosts/{id}: the switch's ports with their VLANs, from SNMP" \
	test "$(jq -r '[.interfaces[] | select(.name != null and (.name | test("^(swp|eth0)"))) | "\(.name)=\(.pvid // "-")/\((.tagged_vlans // []) | map(tostring) | join("+"))/\(.vlans_source // "-")"] | sort | join(" ")' "$T_DIR/sw.json")" \
	= "eth0=-//- swp1=10//snmp swp2=1/20+30/snmp swp3=-/10+20/snmp swp4=30//snmp"
check "GET /interfaces?vlan=20: the ports carrying VLAN 20" \
	test "$(curl -sf -H "$A" "$G/api/v1/interfaces?network_id=$NET&vlan=20&sort=name" | jq -r 'map(.name) | join(" ")')" = "swp2 swp3"
check "GET /vlans: the network's VLANs with how many ports carry each, named as the switch names them" \
	test "$(curl -sf -H "$A" "$G/api/v1/vlans?network_id=$NET" | jq -r 'map("\(.outer_vlan_id)/\(.vlan_id):\(.ports):\(.name)") | join(" ")')" \
	= "0/1:1:VLAN0001 0/10:2:VLAN0010 0/20:2:VLAN0020 0/30:2:VLAN0030"
finish
