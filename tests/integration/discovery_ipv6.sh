#!/usr/bin/env bash
# IPv6 targets, between two network namespaces of this test's own joined by
# a veth with ULA addresses: the peer serves an SSH-style banner, HTTP and
# HTTPS (openssl s_server) on its IPv6 address only. A scan naming that
# address (and one naming a small prefix holding it) must find the host, its
# ports, the banner, the TLS certificate and the HTTP answers over IPv6; a
# /64 is refused with a reason, not swept.
#
# No NATS or PostgreSQL needed.
. "$(dirname "$0")/lib.sh"
NS=v6s$$ PEER=v6p$$ NETB=$((200 + $$ % 50))
SCAN_IP6=fd00:249:$NETB::1 PEER_IP6=fd00:249:$NETB::2
OUT=$T_DIR/scan.jsonl
netns_pair "$NS" "$PEER"
ip -n "$NS" addr add "$SCAN_IP6/64" dev eth0 nodad
ip -n "$PEER" addr add "$PEER_IP6/64" dev eth0 nodad
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
finish
