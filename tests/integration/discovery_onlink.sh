#!/usr/bin/env bash
# On-link discovery between two network namespaces of this test's own joined
# by a veth.
#
# Passive capture during a scan: the peer announces itself (announcer.py: a
# DHCP REQUEST with host name and vendor class, an mDNS announcement with a
# DNS-SD service, an SSDP NOTIFY; and a real lldpd sending LLDP and CDP, both
# forced with -l -cc), and scanopy-scan in the other namespace must report
# each as evidence of its own and what each names, without having asked.
# Frames bridged in from VLANs (an mDNS announcement behind QinQ tags, a
# gratuitous ARP behind an 802.1Q tag) pass the capture filter and are
# evidence too, with their VLAN ids.
#
# Coverage: the sweep of the on-link /24 ran to its end by ARP, so the scan
# reports that it covered the whole subnet (ScanCoverage).
#
# IPv6: both ends have link-local and global (ULA) addresses; the scan (of
# IPv4 targets) must report the peer's IPv6 addresses as the peer's (its MAC,
# EVIDENCE_NDP) and find its open port over IPv6 too.
#
# No NATS or PostgreSQL needed.
. "$(dirname "$0")/lib.sh"
NS=psc$$ PEER=ppe$$ NETB=$((200 + $$ % 50))
SCAN_IP=10.248.$NETB.1 PEER_IP=10.248.$NETB.2
SCAN_IP6=fd00:248:$NETB::1 PEER_IP6=fd00:248:$NETB::2
OUT=$T_DIR/scan.jsonl
netns_pair "$NS" "$PEER"
ip -n "$NS" addr add "$SCAN_IP/24" dev eth0
ip -n "$PEER" addr add "$PEER_IP/24" dev eth0
ip -n "$NS" addr add "$SCAN_IP6/64" dev eth0 nodad
ip -n "$PEER" addr add "$PEER_IP6/64" dev eth0 nodad
peer() { # NAME CMD...: a daemon in the peer namespace, with hostname lab-peer
	local name=$1; shift
	setsid ip netns exec "$PEER" unshare --uts sh -c 'hostname lab-peer && exec "$@"' sh "$@" \
		>"$T_DIR/$name.log" 2>&1 </dev/null &
	echo $! >>"$T_DIR/peer.pids"
}
mkdir -p /run/lldpd
peer lldpd lldpd -d -l -cc -u "$T_DIR/lldpd.sock" -I eth0 -m "$PEER_IP"
peer http python3 -m http.server -b :: 8080 # IPv4 and IPv6
wait_for 20 test -S "$T_DIR/lldpd.sock"
listening() { ip netns exec "$PEER" ss -Hltn "sport = :8080" | grep -q .; }
wait_for 30 listening
ip netns exec "$PEER" lldpcli -u "$T_DIR/lldpd.sock" configure lldp tx-interval 1 >/dev/null
QINQ_IP=10.248.$NETB.3 DOT1Q_IP=10.248.$NETB.4 # heard only in tagged frames
peer announcer python3 "$ROOT/tests/integration/announcer.py" eth0 "$PEER_IP" printer-7 0.2 "$QINQ_IP" "$DOT1Q_IP"
sleep 1

# A deep scan of the /24 lasts a few seconds: the capture runs all along.
ip netns exec "$NS" "$BIN/scanopy-scan" --targets "$SCAN_IP/24" --deep >"$OUT" 2>"$T_DIR/scan.log" ||
	{ echo "scanopy-scan failed:"; tail -n 20 "$T_DIR/scan.log"; }
sel() { jq -c "select($1)" "$OUT"; }
has() { [ -n "$(sel "$1")" ]; }
echo "  $(wc -l <"$OUT") observations; passive ones:"
sel '(.host.evidence // "") | test("PASSIVE|DHCP|MDNS|SSDP|LLDP")' | sed 's/^/    /'
sel '.name or .neighbor' | sed 's/^/    /'
ev() { has ".host.ip == \"$PEER_IP\" and (.host.evidence | test(\"$1\"))"; }
check "DHCP: the client's request is evidence of its own" ev DHCP
check "DHCP: its host name and vendor class" has ".name.source == \"NAME_DHCP\" and .name.name == \"printer-7\" and (.name.detail | test(\"HP LaserJet 4250\"))"
check "mDNS: the announcement is evidence" ev MDNS
check "mDNS: host name and the DNS-SD type" has ".name.source == \"NAME_MDNS\" and .name.name == \"printer-7.local\" and (.name.service_types | index(\"_ipp._tcp.local\") != null)"
check "SSDP: the NOTIFY is evidence" ev SSDP
check "SSDP: server, device type and location" has ".name.source == \"NAME_SSDP\" and (.name.name | test(\"LabRenderer\")) and .name.service_types[0] == \"urn:schemas-upnp-org:device:MediaRenderer:1\" and (.name.detail | test(\":49152/description.xml\"))"
check "LLDP: the neighbour on our port" has ".neighbor.protocol == \"NEIGHBOR_LLDP\" and .neighbor.remote_sys_name == \"lab-peer\" and .neighbor.local_port == \"eth0\" and .neighbor.device_ip == \"$SCAN_IP\" and (.neighbor.remote_mgmt_addresses | index(\"$PEER_IP\") != null)"
check "CDP: the same neighbour over CDP" has ".neighbor.protocol == \"NEIGHBOR_CDP\" and .neighbor.remote_sys_name == \"lab-peer\" and .neighbor.remote_port_id == \"eth0\""
check "LLDP: the management address is evidence" ev LLDP
check "VLAN: an mDNS announcement behind QinQ tags is evidence, with both ids" has ".host.ip == \"$QINQ_IP\" and .host.evidence == \"EVIDENCE_MDNS\" and .host.vlan_id == 300 and .host.inner_vlan_id == 12"
check "VLAN: its name too" has ".name.source == \"NAME_MDNS\" and .name.ip == \"$QINQ_IP\" and .name.name == \"vlan-host.local\""
check "VLAN: a gratuitous ARP behind an 802.1Q tag is evidence, with its id" has ".host.ip == \"$DOT1Q_IP\" and .host.evidence == \"EVIDENCE_PASSIVE\" and .host.vlan_id == 7 and (.host.inner_vlan_id == null)"
check "untagged evidence carries no VLAN id" test -z "$(sel ".host.ip == \"$PEER_IP\" and .host.vlan_id != null")"
check "each record once" test "$(sel '.name.source == "NAME_SSDP"' | wc -l)" -eq 1
check "the scan still finds the peer's port" has ".port.ip == \"$PEER_IP\" and .port.port == 8080"
check "the sweep's coverage: the whole on-link /24 (ARP), complete, once" \
	sh -c "[ \"\$(jq -c 'select(.coverage)' '$OUT' | wc -l)\" -eq 1 ] && jq -c 'select(.coverage)' '$OUT' | jq -e '.coverage.targets == [\"10.248.$NETB.0/24\"] and .coverage.complete == true and .coverage.phase == \"discovery\" and .coverage.started_at_ms <= .coverage.finished_at_ms' >/dev/null"
check "nothing outside the targets" test -z "$(sel '.host and (.host.ip | startswith("10.248.") or startswith("fd00:248:") or startswith("fe80:") | not)')"

PEER_MAC=$(ip -n "$PEER" -j link show eth0 | jq -r '.[0].address')
PEER_LL=$(ip -n "$PEER" -j -6 addr show dev eth0 | jq -r '[.[].addr_info[] | select(.scope == "link") | .local][0]')
echo "  IPv6:"
sel '(.host.evidence // "") == "EVIDENCE_NDP" or ((.port.ip // "") | contains(":"))' | sed 's/^    /    /; s/^/    /'
check "IPv6: the peer's global address, as the peer's (its MAC)" has ".host.ip == \"$PEER_IP6\" and .host.mac == \"$PEER_MAC\" and .host.evidence == \"EVIDENCE_NDP\""
check "IPv6: the peer's link-local address" has ".host.ip == \"$PEER_LL\" and .host.mac == \"$PEER_MAC\""
check "IPv6: its open port answers over IPv6 too" has ".port.ip == \"$PEER_IP6\" and .port.port == 8080"
check "IPv6: none of our own addresses" test -z "$(sel ".host.ip == \"$SCAN_IP6\"")"
finish
