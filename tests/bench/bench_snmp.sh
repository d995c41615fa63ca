#!/usr/bin/env bash
# SNMP walk of the lab's agents: scanopy-collect (the daemon's SNMP code)
# against net-snmp's snmpbulkwalk of the same tables, in the same run, from
# the scanner namespace. Prints wall times and ratios; not a pass/fail test.
#
#   tests/bench/bench_snmp.sh [ROUNDS]      (lab up; root)
#
# snmpbulkwalk walks one subtree per run, as a person or script would: one
# run per table (the columns scanopy-collect reads), device after device.
# scanopy-collect is timed twice: one device at a time (--concurrency 1,
# like for like) and with its default concurrency (8 devices at once).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SCANOPY_BIN:-$ROOT/build/bin}
ROUNDS=${1:-3}
[ -n "${BENCH_W:-}" ] || "$ROOT/tests/lab/lab" status >/dev/null 2>&1 ||
	{ echo "bench_snmp: the lab is not up (tests/lab/lab up)"; exit 77; }
if [ -n "${BENCH_W:-}" ]; then
	W=$BENCH_W
else
	W=$(mktemp -d /tmp/scanopy-bench-snmp.XXXXXX)
fi
trap 'rm -rf "$W"' EXIT
# devices and v2c communities from truth (the v3 agent too)
python3 - "$ROOT/tests/lab/truth.json" >"$W/devices" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
for h in t["hosts"]:
    for s in h["services"]:
        a = s.get("snmp")
        if a and a["version"] != "3":
            print(s["ip"], "v2c", a["community"])
        elif a:
            print(s["ip"], "v3", a["user"], a["auth_protocol"], a["auth_password"], a["priv_protocol"], a["priv_password"])
PY
python3 - "$W/devices" >"$W/creds.json" <<'PY'
import json, sys
out = []
for l in open(sys.argv[1]):
    f = l.split()
    if f[1] == "v2c":
        out.append({"version": "v2c", "community": f[2], "scope": [f[0]]})
    else:
        out.append({"version": "v3", "username": f[2], "auth_protocol": f[3], "auth_key": f[4],
                    "priv_protocol": f[5], "priv_key": f[6], "scope": [f[0]]})
print(json.dumps(out))
PY
# the subtrees scanopy-collect reads (agent/snmp/snmp_collect.c plan_build)
TABLES="1.3.6.1.2.1.1 1.3.6.1.6.3.10.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1.1
1.3.6.1.2.1.31.1.1.1.15 1.3.6.1.2.1.31.1.1.1.18 1.3.6.1.2.1.4.20.1 1.3.6.1.2.1.4.22.1
1.3.6.1.2.1.4.35.1 1.0.8802.1.1.2.1.3 1.0.8802.1.1.2.1.4 1.3.111.2.802.1.1.13.1.3
1.3.111.2.802.1.1.13.1.4 1.3.6.1.4.1.9.9.23.1.2.1.1 1.3.6.1.2.1.17.1.4.1.2 1.3.6.1.2.1.17.4.3.1
1.3.6.1.2.1.17.7.1.2.2.1 1.3.6.1.2.1.47.1.1.1.1"
mapfile -t DEVS <"$W/devices"
IPS=$(awk '{print $1}' "$W/devices" | tr '\n' ' ')
netsnmp() {
	local d
	for d in "${DEVS[@]}"; do
		set -- $d
		local ip=$1 auth
		if [ "$2" = v2c ]; then auth=(-v2c -c "$3"); else auth=(-v3 -l authPriv -u "$3" -a "$4" -A "$5" -x "$6" -X "$7"); fi
		for t in $TABLES; do
			snmpbulkwalk -On -Cr60 -t 1 -r 1 "${auth[@]}" "$ip" "$t" >>"$W/netsnmp.out" 2>/dev/null || true
		done
	done
}
ours() { # concurrency
	# shellcheck disable=SC2086 # one word per device
	"$BIN/scanopy-collect" snmp --credentials "$W/creds.json" --concurrency "$1" $IPS >"$W/ours.out" 2>"$W/ours.err"
}
ms() { local s e; s=$(date +%s%N); "$@"; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
best() { sort -n | head -1; }
# everything below runs inside the scanner namespace (one `ip netns exec`
# for the whole benchmark, so neither side pays for entering it)
if [ "$(ip netns identify $$)" != lab-scan ]; then
	exec ip netns exec lab-scan env SCANOPY_BIN="$BIN" BENCH_W="$W" "$0" "$ROUNDS"
fi
for r in $(seq "$ROUNDS"); do
	: >"$W/netsnmp.out"
	ms netsnmp >>"$W/t_netsnmp"
	ms ours 1 >>"$W/t_ours1"
	ms ours 8 >>"$W/t_ours8"
done
n=$(awk 'END {print NR}' "$W/devices")
tn=$(best <"$W/t_netsnmp") t1=$(best <"$W/t_ours1") t8=$(best <"$W/t_ours8")
vb=$(grep -c ' = ' "$W/netsnmp.out" || true)
obs=$(wc -l <"$W/ours.out")
echo "SNMP walk of $n lab agents (18 subtrees each), best of $ROUNDS rounds:"
runs=$((n * $(echo $TABLES | wc -w)))
echo "  snmpbulkwalk, one run per subtree, device after device: ${tn} ms ($vb varbinds, $runs runs, $((tn / runs)) ms each)"
echo "  scanopy-collect --concurrency 1:                        ${t1} ms ($obs observations)"
echo "  scanopy-collect (8 devices at once):                    ${t8} ms"
awk -v a="$tn" -v b="$t1" -v c="$t8" 'BEGIN {printf "  ratio snmpbulkwalk / scanopy-collect: %.1fx one at a time, %.1fx concurrent\n", a / b, a / c}'
tail -n 1 "$W/ours.err" | sed 's/^/  scanopy-collect: /'
