#!/usr/bin/env bash
# Discovery engine against real hosts in network namespaces: correctness
# checks and the figures issue 4 asks for.
#
#   tests/bench/bench_discovery.sh [netns]   (default; what ctest runs)
#       builds its own namespaces (all named disc-*, removed on exit): two
#       subnets joined by a router, a web server, a banner service, a DNS
#       server, a host that drops every packet, and on the routed subnet a
#       middlebox that completes every TCP handshake and ignores ICMP. Checks
#       every host and port is found, the middlebox is not, then measures a
#       /24 and a /16 ARP sweep and the packet budget (tcpdump capture).
#   tests/bench/bench_discovery.sh lab
#       scans tests/lab (which must be up; it is never started or stopped
#       here) on truth's ports, scores the result against truth.json, runs
#       nmap -sS -sV on the same ports the same way and prints both wall
#       times and their ratio (DISC_BENCH_NO_NMAP=1 skips nmap).
#
# Needs root. Finds scanopy-scan in $SCANOPY_BIN (default build/bin).
# Prints "ok"/"FAIL" lines, figures as "metric ..." lines; exits non-zero
# when a check fails. Sends traffic only inside the namespaces it made (or
# the lab's).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${SCANOPY_BIN:-$ROOT/build/bin}
SCAN=$BIN/scanopy-scan
MODE=${1:-netns}
PASS=0 FAIL=0
TMP=$(mktemp -d /tmp/disc-bench.XXXXXX)
NSS=()
PIDS=()

ok() { PASS=$((PASS + 1)); echo "ok    $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL  $*"; }
check() { # check DESCRIPTION CMD...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
metric() { echo "metric $*"; }

cleanup() {
	local p ns
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for ns in "${NSS[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	sleep 0.2
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# DISC_BENCH_OUT=DIR keeps the observations of each scan for a look.
	[ -n "${DISC_BENCH_OUT:-}" ] && mkdir -p "$DISC_BENCH_OUT" && cp "$TMP"/*.jsonl "$TMP"/*.err "$DISC_BENCH_OUT"/ 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "bench_discovery: needs root (network namespaces)"; exit 77; }
[ -x "$SCAN" ] || { echo "bench_discovery: $SCAN not built"; exit 1; }

# ------------------------------------------------------------------ helpers

ns_new() {
	ip netns add "$1" || exit 1
	NSS+=("$1")
	ip -n "$1" link set lo up
}

# cable NS IF ADDR/PREFIX SWITCH: a veth from NS into SWITCH's bridge.
PORTNO=0
cable() {
	local ns=$1 ifname=$2 addr=$3 sw=$4
	PORTNO=$((PORTNO + 1))
	ip link add "$ifname" netns "$ns" type veth peer name "p$PORTNO" netns "$sw" || exit 1
	ip -n "$sw" link set "p$PORTNO" master br0 up
	ip -n "$ns" addr add "$addr" dev "$ifname"
	ip -n "$ns" link set "$ifname" up
}

# bg NS CMD...: a daemon inside NS, stopped on exit.
bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" >>"$TMP/daemons.log" 2>&1 </dev/null &
	PIDS+=($!)
}

# scan NAME ARGS...: scanopy-scan from disc-scan; JSON lines in $TMP/NAME.jsonl,
# the summary line in $TMP/NAME.sum.
scan() {
	local name=$1
	shift
	ip netns exec disc-scan "$SCAN" "$@" >"$TMP/$name.jsonl" 2>"$TMP/$name.err"
	local rc=$?
	grep '^{"targets"' "$TMP/$name.err" >"$TMP/$name.sum"
	return $rc
}
sum_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/$1.sum" "$2"; }

# hosts NAME: the IPs seen; ports NAME: "ip proto/port" of open ports.
hosts_of() {
	python3 - "$TMP/$1.jsonl" <<'EOF'
import json, sys
ips = set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "host" in o and ":" not in o["host"]["ip"]:  # IPv6: the same hosts' addresses
        ips.add(o["host"]["ip"])
print(" ".join(sorted(ips, key=lambda s: tuple(map(int, s.split("."))))))
EOF
}
ports_of() {
	python3 - "$TMP/$1.jsonl" <<'EOF'
import json, sys
out = set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "port" in o and ":" not in o["port"]["ip"]:
        p = o["port"]
        out.add(f'{p["ip"]} {"tcp" if p["protocol"] == "PROTOCOL_TCP" else "udp"}/{p["port"]}')
print("\n".join(sorted(out)))
EOF
}

# ------------------------------------------------------------------ netns

build_netns() {
	local sw
	for sw in disc-sw1 disc-sw2 disc-sw3; do
		ns_new "$sw"
		ip -n "$sw" link add br0 type bridge
		ip -n "$sw" link set br0 up
	done
	for ns in disc-scan disc-rtr disc-h1 disc-h2 disc-h3 disc-mb disc-h4; do ns_new "$ns"; done
	cable disc-scan eth0 10.99.1.10/24 disc-sw1
	cable disc-scan eth1 10.98.0.10/16 disc-sw3
	cable disc-rtr eth0 10.99.1.1/24 disc-sw1
	cable disc-rtr eth1 10.99.2.1/24 disc-sw2
	cable disc-h1 eth0 10.99.1.11/24 disc-sw1
	cable disc-h2 eth0 10.99.1.12/24 disc-sw1
	cable disc-h3 eth0 10.99.2.11/24 disc-sw2
	cable disc-mb eth0 10.99.2.66/24 disc-sw2
	cable disc-h4 eth0 10.98.200.7/16 disc-sw3
	ip netns exec disc-rtr sysctl -qw net.ipv4.ip_forward=1
	ip -n disc-scan route add 10.99.2.0/24 via 10.99.1.1
	for ns in disc-h3 disc-mb; do ip -n "$ns" route add 10.99.1.0/24 via 10.99.2.1; done
	# h2 answers ARP (the kernel does) but drops every IP packet.
	ip netns exec disc-h2 iptables -A INPUT -j DROP
	# The middlebox: every TCP port completes the handshake, then silence;
	# no ICMP echo. A real host would reset closed ports: this one never does.
	ip netns exec disc-mb sysctl -qw net.ipv4.icmp_echo_ignore_all=1
	ip netns exec disc-mb iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 9999
	bg disc-mb socat TCP-LISTEN:9999,fork,reuseaddr SYSTEM:"sleep 20"
	mkdir -p "$TMP/www"
	printf '<html><head><title>disc bench</title></head><body>bench</body></html>\n' >"$TMP/www/index.html"
	bg disc-h1 python3 -m http.server 80 --bind 10.99.1.11 --directory "$TMP/www"
	bg disc-h1 socat TCP-LISTEN:2222,bind=10.99.1.11,fork,reuseaddr \
		SYSTEM:"printf 'SSH-2.0-DiscBench_1.0\\r\\n'; sleep 2"
	bg disc-h1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.1.11", 53))
while True:  # answers any query with one TXT record
    q, a = s.recvfrom(512)
    if len(q) < 12:
        continue
    r = q[:2] + b"\x84\x00" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:]
    r += b"\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00\x06\x05bench"
    s.sendto(r, a)'
	bg disc-h3 python3 -m http.server 8080 --bind 10.99.2.11 --directory "$TMP/www"
	# Wait until the services accept connections.
	local i
	for i in $(seq 50); do
		ip netns exec disc-scan bash -c 'exec 3<>/dev/tcp/10.99.1.11/80 && exec 4<>/dev/tcp/10.99.2.11/8080 && exec 5<>/dev/tcp/10.99.1.11/2222' 2>/dev/null && break
		sleep 0.1
	done
}

run_netns() {
	build_netns
	echo "== discovery against disc-* namespaces"
	scan main --targets 10.99.1.0/24,10.99.2.0/24 --top --tcp 2222 --udp 53,123,161 --paths /
	check "scanopy-scan ran to completion" [ "$(sum_field main stopped_early)" = False ]
	local hosts ports wall
	hosts=$(hosts_of main)
	ports=$(ports_of main)
	wall=$(sum_field main wall_ms)
	check "every host found: $hosts" [ "$hosts" = "10.99.1.1 10.99.1.11 10.99.1.12 10.99.2.1 10.99.2.11" ]
	check "the middlebox that accepts every connection is not a host" \
		bash -c "! grep -q '10.99.2.66' '$TMP/main.jsonl'"
	check "open ports found: $(echo $ports)" [ "$(echo $ports)" = \
		"10.99.1.11 tcp/2222 10.99.1.11 tcp/80 10.99.1.11 udp/53 10.99.2.11 tcp/8080" ]
	check "banner of the service that speaks first" grep -q 'SSH-2.0-DiscBench_1.0' "$TMP/main.jsonl"
	check "HTTP title on both subnets" [ "$(grep -c '"title":"disc bench"' "$TMP/main.jsonl")" = 2 ]
	check "DNS answer on UDP 53" grep -q '"probe":"dns-version-bind"' "$TMP/main.jsonl"
	check "whole run under 8 s (was ${wall} ms)" [ "$wall" -lt 8000 ]
	metric "netns_scan_wall_ms $wall targets 508 tcp_ports 100 udp_ports 3"

	# A host that drops everything costs at most its timeout budget.
	scan silent --targets 10.99.1.12 --top --no-udp --host-timeout 1000
	wall=$(sum_field silent wall_ms)
	check "a silent host (ARP only) costs ~ its 1 s budget, not 100 timeouts (${wall} ms)" [ "$wall" -lt 2500 ]
	metric "silent_host_wall_ms $wall host_timeout_ms 1000 ports 100"

	# ARP sweeps.
	scan arp24 --targets 10.99.1.0/24 --no-tcp --no-udp
	local arp24 n24
	arp24=$(sum_field arp24 arp_ms)
	n24=$(sum_field arp24 hosts)
	check "/24 ARP sweep: all 3 live hosts in ${arp24} ms (< 1500)" [ "$n24" = 3 ] && [ "$arp24" -lt 1500 ]
	metric "arp_sweep_24_ms $arp24 hosts $n24"
	scan arp16 --targets 10.98.0.0/16 --no-tcp --no-udp --pps 25000
	local arp16 n16
	arp16=$(sum_field arp16 arp_ms)
	n16=$(sum_field arp16 hosts)
	check "/16 ARP sweep at 25000 pps: the live host in ${arp16} ms (< 10000)" [ "$n16" = 1 ] && [ "$arp16" -lt 10000 ]
	metric "arp_sweep_16_ms $arp16 pps 25000 hosts $n16 packets $(sum_field arp16 packets)"

	# The packet budget, from a capture of what the scanner sends.
	if command -v tcpdump >/dev/null; then
		ip netns exec disc-scan tcpdump -i eth0 -w "$TMP/cap.pcap" -n -U \
			'(arp[6:2] = 1) or (tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn) or icmp[0] = 8 or udp' \
			>/dev/null 2>&1 &
		local tpid=$!
		sleep 1
		scan budget --targets 10.99.1.0/24,10.99.2.0/24 --top --udp 53,123,161 --pps 1000
		sleep 0.5
		kill "$tpid"
		wait "$tpid" 2>/dev/null
		local stats
		stats=$(tcpdump -r "$TMP/cap.pcap" -n -tt 2>/dev/null | python3 -c '
import sys
ts = [float(l.split()[0]) for l in sys.stdin if l.strip()]
ts.sort()
best, j = 0, 0
for i, t in enumerate(ts):  # most packets in any 1 s window
    while ts[j] < t - 1.0:
        j += 1
    best = max(best, i - j + 1)
span = ts[-1] - ts[0] if len(ts) > 1 else 0
print(best, len(ts), round(len(ts) / span) if span else 0)')
		local peak total avg
		read -r peak total avg <<<"$stats"
		# 1000 pps plus the 10 ms burst the bucket allows.
		check "packet budget holds: at most $peak packets in any second at --pps 1000" [ "$peak" -le 1010 ]
		metric "pps_budget 1000 peak_1s $peak average $avg captured $total"
	fi
}

# ------------------------------------------------------------------ lab

run_lab() {
	local lab=$ROOT/tests/lab
	if ! "$lab/lab" status >/dev/null 2>&1; then
		echo "bench_discovery: tests/lab is not up (tests/lab/lab up); nothing measured"
		exit 77
	fi
	local tcp udp
	tcp=$(python3 -c "import json;t=json.load(open('$lab/truth.json'));print(','.join(map(str,sorted({s['port'] for h in t['hosts'] for s in h['services'] if s['protocol']=='tcp'}))))")
	udp=$(python3 -c "import json;t=json.load(open('$lab/truth.json'));print(','.join(map(str,sorted({s['port'] for h in t['hosts'] for s in h['services'] if s['protocol']=='udp'}))))")
	local cidrs comm
	cidrs=$(python3 -c "import json;t=json.load(open('$lab/truth.json'));print(','.join(s['cidr'] for s in t['subnets']))")
	# The job's SNMP credentials, as the server would hand them over.
	comm=$(python3 -c "import json;t=json.load(open('$lab/truth.json'));print(','.join(sorted({s['snmp']['community'] for h in t['hosts'] for s in h['services'] if s.get('snmp',{}).get('community')})))")
	echo "== scanopy-scan on tests/lab: tcp $tcp udp $udp"
	local t0 t1
	t0=$(date +%s%N)
	ip netns exec lab-scan "$SCAN" --targets "$cidrs" --tcp "$tcp" --udp "$udp" --rdns \
		--paths /,/version --community "$comm" >"$TMP/lab.jsonl" 2>"$TMP/lab.err"
	t1=$(date +%s%N)
	local ours=$(((t1 - t0) / 1000000))
	python3 "$HERE/disc_report.py" "$TMP/lab.jsonl" >"$TMP/lab-report.json"
	python3 "$lab/score" "$TMP/lab-report.json" | tee "$TMP/lab-score.txt"
	python3 "$lab/score" --json "$TMP/lab-report.json" >"$TMP/lab-score.json" 2>/dev/null
	metric "lab_scanopy_wall_ms $ours"
	check "lab: every host, no invented host" python3 -c "
import json; r = json.load(open('$TMP/lab-score.json'))['hosts']
assert r['recall'] == 1 and r['false_positive'] == 0, r"
	check "lab: under 15 s (${ours} ms)" [ "$ours" -lt 15000 ]
	[ -n "${DISC_BENCH_NO_NMAP:-}" ] && return
	echo "== nmap -sS -sV on the same ports (tests/lab/score --nmap)"
	t0=$(date +%s%N)
	python3 "$lab/score" --nmap | tee "$TMP/nmap-score.txt"
	t1=$(date +%s%N)
	local theirs=$(((t1 - t0) / 1000000))
	metric "lab_nmap_wall_ms $theirs"
	metric "lab_speedup $(python3 -c "print(round($theirs / max($ours, 1), 1))")x"
}

case $MODE in
netns) run_netns ;;
lab) run_lab ;;
*)
	echo "usage: $0 [netns|lab]"
	exit 2
	;;
esac
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
