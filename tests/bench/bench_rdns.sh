#!/usr/bin/env bash
# Reverse DNS figures: a peer namespace holding N IPv4 and N IPv6 addresses
# and dnsmasq with a PTR record for each (or no DNS server at all: "silent");
# scanopy-scan --rdns on them from a second namespace whose resolv.conf
# names the peer's IPv4 or IPv6 address. Prints the wall time and the names,
# and the same work done by the reference in the same run: an nmap scan
# with reverse DNS and port 22 (nmap -R -p 22, what --tcp 22 --rdns asks of
# scanopy-scan) against the same nameserver, as a ratio.
#
#   tests/bench/bench_rdns.sh [BIN [answer|silent [4|6|46 [v4|v6]]]]
#       BIN the scanopy-scan to run (default build/bin/scanopy-scan); 4, 6
#       or 46: which addresses are targets; v4/v6: the nameserver's family.
#       N (environment, default 200) addresses of each family.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin/scanopy-scan} MODE=${2:-answer} FAM=${3:-4} NSF=${4:-v4}
N=${N:-200} S=rdb-s$$ P=rdb-p$$ D=$(mktemp -d /tmp/bench-rdns.XXXXXX)
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null
	ip netns del $S 2>/dev/null
	ip netns del $P 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
ip netns add $S && ip netns add $P && ip -n $S link add eth0 type veth peer name eth0 netns $P || exit 1
for n in $S $P; do
	ip netns exec $n sysctl -qw net.ipv6.conf.eth0.accept_dad=0
	ip -n $n link set lo up
	ip -n $n link set eth0 up
done
ip -n $S addr add 10.251.0.1/16 dev eth0
ip -n $S addr add fd00:251::1/64 dev eth0 nodad
ip -n $P addr add 10.251.0.2/16 dev eth0
ip -n $P addr add fd00:251::2/64 dev eth0 nodad
: >"$D/hosts.conf"
T4= T6=
for i in $(seq 1 "$N"); do
	a=10.251.$((i / 250 + 1)).$((i % 250 + 1)) b=fd00:251::1:$(printf %x "$i")
	ip -n $P addr add "$a/16" dev eth0
	ip -n $P addr add "$b/64" dev eth0 nodad
	printf 'host-record=h%s-v4.bench,%s\nhost-record=h%s-v6.bench,%s\n' "$i" "$a" "$i" "$b" >>"$D/hosts.conf"
	T4="$T4,$a" T6="$T6,$b"
done
if [ "$MODE" = answer ]; then
	ip netns exec $P dnsmasq -k -C "$D/hosts.conf" -u root --no-resolv --no-hosts --bind-interfaces \
		--listen-address=10.251.0.2 --listen-address=fd00:251::2 >"$D/dns.log" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		[ "$(ip netns exec $P ss -Hlun 'sport = :53' | wc -l)" -ge 2 ] && break
		sleep 0.1
	done
fi
NSRV=10.251.0.2
[ "$NSF" = v6 ] && NSRV=fd00:251::2
echo "nameserver $NSRV" >"$D/resolv.conf"
case $FAM in
6) TG=${T6#,} ;;
46) TG=${T4#,}$T6 ;;
*) TG=${T4#,} ;;
esac
t0=$(date +%s%3N)
ip netns exec $S unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$D/resolv.conf" \
	"$BIN" --targets "$TG" --tcp 22 --no-udp --rdns >"$D/out.jsonl" 2>"$D/err.log"
t1=$(date +%s%3N)
echo "N=$N $MODE targets=$FAM nameserver=$NSRV: $((t1 - t0)) ms;" \
	"names $(jq -c 'select(.name.source == "NAME_RDNS")' "$D/out.jsonl" | wc -l);" \
	"$(tail -n1 "$D/err.log")"
# The reference: nmap resolves the same targets (one run per family: it
# takes one family at a time) through the same nameserver.
ref() { # ref FLAG TARGETS: appends nmap's report to $D/nmap.txt
	tr , '\n' <<<"$2" >"$D/targets.txt"
	ip netns exec $S nmap -R -p 22 $1 --dns-servers "$NSRV" -iL "$D/targets.txt" >>"$D/nmap.txt" 2>&1
}
: >"$D/nmap.txt"
t2=$(date +%s%3N)
case $FAM in
6) ref -6 "${T6#,}" ;;
46) ref "" "${T4#,}" && ref -6 "${T6#,}" ;;
*) ref "" "${T4#,}" ;;
esac
t3=$(date +%s%3N)
refnames=$(grep -c '^Nmap scan report for [^ ]* (' "$D/nmap.txt")
echo "reference nmap -R -p 22: $((t3 - t2)) ms; names $refnames;" \
	"scanopy/nmap $(awk -v a=$((t1 - t0)) -v b=$((t3 - t2)) 'BEGIN { printf "%.2f", b ? a / b : 0 }')x"
