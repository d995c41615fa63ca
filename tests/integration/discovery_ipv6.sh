#!/usr/bin/env bash
# IPv6 targets, between two network namespaces of this test's own joined by
# a veth with ULA addresses: the peer serves an SSH-style banner, HTTP and
# HTTPS (openssl s_server) on its IPv6 address only. A scan naming that
# address (and one naming a small prefix holding it) must find the host, its
# ports, the banner, the TLS certificate and the HTTP answers over IPv6; a
# /64 is refused with a reason, not swept.
#
# Names and UDP: the peer also holds an IPv4 address and runs dnsmasq (PTR
# records for both of its addresses, answering CHAOS version.bind) and snmpd
# on IPv6 only. With a resolv.conf naming only the IPv6 nameserver, --rdns
# must name both addresses (c-ares over IPv6); with one naming the IPv4
# nameserver, the same. The UDP probes must find udp/53 and udp/161 on the
# IPv6 address, with the replies and the SNMP system group under it.
#
# No NATS or PostgreSQL needed.
. "$(dirname "$0")/lib.sh"
NS=v6s$$ PEER=v6p$$ NETB=$((200 + $$ % 50))
SCAN_IP6=fd00:249:$NETB::1 PEER_IP6=fd00:249:$NETB::2
SCAN_IP4=10.249.$NETB.1 PEER_IP4=10.249.$NETB.2 SLOW_IP4=10.249.$NETB.3
OUT=$T_DIR/scan.jsonl
netns_pair "$NS" "$PEER"
ip -n "$NS" addr add "$SCAN_IP6/64" dev eth0 nodad
ip -n "$PEER" addr add "$PEER_IP6/64" dev eth0 nodad
ip -n "$NS" addr add "$SCAN_IP4/24" dev eth0
ip -n "$PEER" addr add "$PEER_IP4/24" dev eth0
ip -n "$PEER" addr add "$SLOW_IP4/24" dev eth0
peer() { # NAME CMD...: a server in the peer namespace
	local name=$1; shift
	setsid ip netns exec "$PEER" "$@" >"$T_DIR/$name.log" 2>&1 </dev/null &
	echo $! >>"$T_DIR/peer.pids"
}
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=v6-peer.test" \
	-addext "subjectAltName=DNS:v6-peer.test,IP:$PEER_IP6" \
	-keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" 2>/dev/null
peer https openssl s_server -6 -accept 8443 -cert "$T_DIR/cert.pem" -key "$T_DIR/key.pem" -www -quiet
peer http python3 -m http.server -b "$PEER_IP6" 8080
peer banner socat "TCP6-LISTEN:2222,bind=[$PEER_IP6],fork,reuseaddr" SYSTEM:'echo SSH-2.0-V6Test_1.0; sleep 3'
listening() { [ "$(ip netns exec "$PEER" ss -Hltn '( sport = :8080 or sport = :8443 or sport = :2222 )' | wc -l)" = 3 ]; }
check "the peer serves on IPv6" wait_for 30 listening
ip netns exec "$NS" ping -6 -c1 -W2 "$PEER_IP6" >/dev/null 2>&1 || true

scan() { ip netns exec "$NS" "$BIN/scanopy-scan" --no-udp "$@"; }
T0=$(date +%s%3N)
scan --targets "$PEER_IP6" --tcp 2222,8080,8443,2223 >"$OUT" 2>"$T_DIR/scan.log" ||
	{ echo "scanopy-scan failed:"; tail -n 20 "$T_DIR/scan.log"; }
echo "     scan of $PEER_IP6: $(( $(date +%s%3N) - T0 )) ms; $(tail -n1 "$T_DIR/scan.log")"
sel() { jq -c "select($1)" "$OUT"; }
has() { [ -n "$(sel "$1")" ]; }
sel '.host or .port or .banner or .tls or .http' | cut -c1-200 | sed 's/^/    /'
check "the IPv6 host is found" has ".host.ip == \"$PEER_IP6\""
for p in 2222 8080 8443; do
	check "its port $p is open" has ".port.ip == \"$PEER_IP6\" and .port.port == $p and .port.status == \"PORT_OPEN\""
done
check "the closed port is not reported open" test -z "$(sel '.port.port == 2223')"
check "banner grab over IPv6" has ".banner.ip == \"$PEER_IP6\" and .banner.port == 2222 and (.banner.data | startswith(\"SSH-2.0-V6Test_1.0\"))"
check "TLS handshake over IPv6: the certificate" has ".tls.ip == \"$PEER_IP6\" and .tls.port == 8443 and (.tls.subject | test(\"v6-peer.test\")) and (.tls.subject_alt_names | index(\"DNS:v6-peer.test\") != null)"
check "HTTP GET over IPv6" has ".http.ip == \"$PEER_IP6\" and .http.port == 8080 and .http.scheme == \"http\" and .http.status == 200"
check "HTTPS GET over IPv6" has ".http.ip == \"$PEER_IP6\" and .http.port == 8443 and .http.scheme == \"https\" and .http.status == 200"
check "the Host header names the address in brackets" grep -q "\"GET / HTTP/1.1\" 200" "$T_DIR/http.log"
check "nothing outside the target" test -z "$(sel "(.host.ip // .port.ip // \"$PEER_IP6\") != \"$PEER_IP6\"")"

# A small prefix holding the peer: it alone answers; no invented host.
scan --targets "fd00:249:$NETB::/126" --tcp 8080 >"$OUT" 2>"$T_DIR/scan126.log" || true
check "a /126: the peer is found" has ".host.ip == \"$PEER_IP6\""
check "a /126: no other host is invented (nor our own address)" test -z "$(sel ".host and .host.ip != \"$PEER_IP6\"")"

# A /64 is refused with a reason, not swept.
if scan --targets "fd00:249:$NETB::/64" >"$OUT" 2>"$T_DIR/scan64.log"; then rc64=0; else rc64=$?; fi
check "a /64 is refused" test "$rc64" -ne 0
check "with the reason and what to do" grep -q "too many addresses to sweep; name addresses or a prefix of /120 or longer" "$T_DIR/scan64.log"

# Reverse DNS (c-ares) and UDP probes over IPv6.
peer dnsmasq dnsmasq -k -C /dev/null -u root --no-resolv --no-hosts --bind-interfaces \
	--listen-address="$PEER_IP6" --listen-address="$PEER_IP4" --log-queries --log-facility=- \
	--host-record="v6-peer.test,$PEER_IP6" --host-record="v4-peer.test,$PEER_IP4" \
	--server="/3.$NETB.249.10.in-addr.arpa/10.249.$NETB.99"
cat >"$T_DIR/snmpd.conf" <<EOF
[snmp] mibs :
agentAddress udp6:[$PEER_IP6]:161
rocommunity6 public fd00:249::/32
sysName v6-snmp-peer
sysLocation ipv6-test
EOF
peer snmpd snmpd -f -Lo -C -c "$T_DIR/snmpd.conf"
udp_up() { [ "$(ip netns exec "$PEER" ss -Hlun '( sport = :53 or sport = :161 )' | wc -l)" -ge 3 ]; }
check "dnsmasq and snmpd listen" wait_for 30 udp_up
echo "nameserver $PEER_IP6" >"$T_DIR/resolv6.conf"
echo "nameserver $PEER_IP4" >"$T_DIR/resolv4.conf"
# scan_with RESOLV ARGS...: a scan whose /etc/resolv.conf is RESOLV (bound
# over it in a mount namespace of its own), killed after 30 s (35 s: KILL)
scan_with() {
	local conf=$1
	shift
	timeout -k 5 30 ip netns exec "$NS" unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
		"$conf" "$BIN/scanopy-scan" "$@"
}
T0=$(date +%s%3N)
scan_with "$T_DIR/resolv6.conf" --targets "$PEER_IP6,$PEER_IP4" --tcp 8080 --udp 53,161 --rdns \
	>"$OUT" 2>"$T_DIR/scan-names.log" || { echo "scanopy-scan failed:"; tail -n 20 "$T_DIR/scan-names.log"; }
echo "     names and UDP scan: $(($(date +%s%3N) - T0)) ms; $(tail -n1 "$T_DIR/scan-names.log")"
sel '.name or .udp_reply or .snmp_system or .port.protocol == "PROTOCOL_UDP"' | cut -c1-200 | sed 's/^/    /'
rdns() { has ".name.ip == \"$1\" and .name.source == \"NAME_RDNS\" and .name.name == \"$2\""; }
check "reverse DNS of the IPv6 host over an IPv6 nameserver" rdns "$PEER_IP6" v6-peer.test
check "reverse DNS of the IPv4 host over an IPv6 nameserver" rdns "$PEER_IP4" v4-peer.test
check "the PTR questions came over IPv6" grep -q "query\[PTR\] .*ip6.arpa from $SCAN_IP6" "$T_DIR/dnsmasq.log"
udp_open() { has ".port.ip == \"$PEER_IP6\" and .port.protocol == \"PROTOCOL_UDP\" and .port.port == $1"; }
check "udp/53 open on the IPv6 address" udp_open 53
check "the DNS reply under the IPv6 address" has ".udp_reply.ip == \"$PEER_IP6\" and .udp_reply.port == 53 and .udp_reply.probe == \"dns-version-bind\""
check "udp/161 open on the IPv6 address" udp_open 161
check "the SNMP system group under the IPv6 address" has ".snmp_system.ip == \"$PEER_IP6\" and .snmp_system.sys_name == \"v6-snmp-peer\""
check "snmpd (IPv6 only) is not reported on the IPv4 address" test -z "$(sel ".port.ip == \"$PEER_IP4\" and .port.port == 161")"
# SLOW_IP4's PTR question is forwarded to an address nobody holds: no answer
# within the resolver's timeout, which must not hold up the others or the scan.
T0=$(date +%s%3N)
scan_with "$T_DIR/resolv4.conf" --targets "$PEER_IP6,$PEER_IP4,$SLOW_IP4" --tcp 8080 \
	--no-udp --rdns >"$OUT" 2>"$T_DIR/scan-names4.log" || true
T1=$(date +%s%3N)
echo "     names over IPv4, one left unanswered: $((T1 - T0)) ms"
names() { sel '.name.source == "NAME_RDNS"' | jq -r .name.name | sort | tr '\n' ' '; }
check "reverse DNS of both over an IPv4 nameserver" test "$(names)" = "v4-peer.test v6-peer.test "
check "a question left unanswered ends with the resolver's timeout (2.4 s)" test $((T1 - T0)) -lt 6000
finish
