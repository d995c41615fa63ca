#!/usr/bin/env bash
# The topology model from lab-shaped observations (tests/integration/
# topo_fixture.py: the daemon's scan plus what SNMP/LLDP/FDB/ARP and Docker
# collection would read from the lab's switches, router and Docker host):
# one host per lab machine (the two-armed router included), every cable of
# truth.json, subnets with their gateway, containers under their host,
# applications from compose projects; the same model again after a replay,
# in a shuffled order, and through two replicas at once; and nothing of it
# visible to another organisation.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
TRUTH=$ROOT/tests/lab/truth.json
python3 "$ROOT/tests/integration/topo_fixture.py" >"$T_DIR/fx.json"
NB=$(jq length "$T_DIR/fx.json")
ORG=$(uuid)

# publish NETWORK [--shuffle N] [--daemon-id D]: all batches, then wait until applied.
publish() {
	local net=$1 did; shift
	did=$(uuid)
	"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$net" \
		--daemon-id "$did" --json "$T_DIR/fx.json" "$@"
	applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$net'")" -ge "$NB" ]; }
	wait_for 60 applied
}
# dump NETWORK: the model as canonical text (no generated ids, no times).
dump() {
	sql "SET scanopy.org_id = '$ORG';
	SELECT 'host ' || coalesce(h.name, '-') || ' ' || h.kind || ' ' ||
	       (SELECT string_agg(i.kind || '=' || i.value, ',' ORDER BY i.kind, i.value) FROM inv.host_identities i WHERE i.host_id = h.id) ||
	       ' ports ' || coalesce((SELECT string_agg(p.protocol || p.port, ',' ORDER BY p.protocol, p.port) FROM inv.ports p WHERE p.host_id = h.id), '') ||
	       ' ifs ' || coalesce((SELECT string_agg(coalesce(f.name, '?') || '/' || coalesce(f.mac::text, '?'), ',' ORDER BY f.name, f.mac) FROM inv.interfaces f WHERE f.host_id = h.id), '')
	FROM inv.hosts h WHERE h.network_id = '$1'
	UNION ALL SELECT 'link ' || least(x, y) || ' ' || greatest(x, y) || ' ' || l.source FROM inv.links l,
	  LATERAL (SELECT (SELECT coalesce(name, '?') FROM inv.hosts WHERE id = l.a_host) || ':' || l.a_port AS x,
	                  (SELECT coalesce(name, '?') FROM inv.hosts WHERE id = l.b_host) || ':' || l.b_port AS y) e
	  WHERE l.network_id = '$1'
	UNION ALL SELECT 'subnet ' || cidr || ' ' || kind || ' gw ' || coalesce(host(gateway), '-') FROM inv.subnets WHERE network_id = '$1'
	UNION ALL SELECT 'workload ' || w.name || ' on ' || coalesce((SELECT name FROM inv.hosts WHERE id = w.parent_host), '-') || ' ' || coalesce(w.project, '-') FROM inv.workloads w WHERE w.network_id = '$1'
	UNION ALL SELECT 'app ' || a.name || ' ' || (SELECT string_agg(w.name, ',' ORDER BY w.name) FROM inv.application_members m JOIN inv.workloads w ON w.id = m.workload_id WHERE m.application_id = a.id) FROM inv.applications a WHERE a.network_id = '$1'
	UNION ALL SELECT 'edge ' || (SELECT name FROM inv.workloads WHERE id = e.source_id) || ' ' || (SELECT name FROM inv.workloads WHERE id = e.target_id) FROM inv.application_edges e JOIN inv.applications a ON a.id = e.application_id WHERE a.network_id = '$1'
	ORDER BY 1" | grep -v '^SET$'
}

N1=$(uuid)
publish "$N1"
dump "$N1" >"$T_DIR/model1.txt"
cat "$T_DIR/model1.txt"

# One host per lab machine: every truth address resolves to exactly the
# host its machine's other addresses resolve to, and no host is left over.
expected_hosts=$(jq '[.hosts[]] | length' "$TRUTH")
nhosts=$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$N1'")
check "one host per lab machine ($nhosts of $expected_hosts)" test "$nhosts" -eq "$expected_hosts"
for h in $(jq -r '.hosts[] | select((.interfaces | length) > 1) | .hostname' "$TRUTH"); do
	ips=$(jq -r --arg h "$h" '.hosts[] | select(.hostname == $h) | [.interfaces[].ip] | map("'"'"'" + . + "'"'"'") | join(",")' "$TRUTH")
	check "the multi-homed $h is one host" \
		test "$(sql "SELECT count(DISTINCT host_id) FROM inv.addresses WHERE network_id = '$N1' AND ip IN ($ips)")" -eq 1
done
check "the router is a router" grep -q "^host rtr1.* router " "$T_DIR/model1.txt"
check "the switches are switches" test "$(grep -c '^host sw[0-9].* switch ' "$T_DIR/model1.txt")" -eq 3

# Every cable of truth.json, as (device:port) pairs, and no other. Link ends
# carry the discovered name (a PTR fqdn for some hosts: compared short); a
# port known only by its MAC (the far end of an FDB-only cable) is that
# interface of truth's.
python3 - "$TRUTH" "$T_DIR/model1.txt" "$T_DIR/links.truth" "$T_DIR/links.model" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
by_mac = {i["mac"]: i["name"] for h in t["hosts"] for i in h["interfaces"]}
def end(s):
    dev, port = s.split(":", 1)
    return dev.split(".")[0] + ":" + by_mac.get(port, port)
truth = sorted(" ".join(sorted([l["a"]["device"] + ":" + l["a"]["port"], l["b"]["device"] + ":" + l["b"]["port"]])) for l in t["links"])
model = sorted(" ".join(sorted([end(x.split()[1]), end(x.split()[2])])) for x in open(sys.argv[2]) if x.startswith("link "))
open(sys.argv[3], "w").write("\n".join(truth) + "\n")
open(sys.argv[4], "w").write("\n".join(model) + "\n")
PY
check "every cable of truth.json, from LLDP and the FDB ($(wc -l <"$T_DIR/links.truth"))" \
	diff "$T_DIR/links.truth" "$T_DIR/links.model"
check "FDB-only hosts are cabled through the FDB" \
	test "$(grep -c '^link .*cache1.* fdb$\|^link .*db2.* fdb$' "$T_DIR/model1.txt")" -eq 2

for s in $(jq -r '.subnets[] | "\(.cidr)=\(.gateway)"' "$TRUTH"); do
	check "subnet ${s%=*} with gateway ${s#*=}" grep -q "^subnet ${s%=*} [a-z_]* gw ${s#*=}$" "$T_DIR/model1.txt"
done
for c in $(jq -r '.containers[] | "\(.name)=\(.host)"' "$TRUTH"); do
	check "container ${c%=*} runs on ${c#*=}" grep -q "^workload ${c%=*} on ${c#*=}[. ]" "$T_DIR/model1.txt"
done
check "compose projects are applications" sh -c "grep -q '^app shop shop-admin,shop-web$' '$T_DIR/model1.txt' && grep -q '^app legacy legacy-console$' '$T_DIR/model1.txt'"
check "containers of a project on one network depend on each other" grep -q '^edge shop-admin shop-web$' "$T_DIR/model1.txt"

# Replays: the same batches again (new daemon id, so not deduplicated by the
# ledger) into the same network change nothing; a shuffled order into a fresh
# network, and two replicas at once, give the same model.
publish "$N1"
dump "$N1" >"$T_DIR/model1b.txt"
check "replaying every batch again changes nothing" diff "$T_DIR/model1.txt" "$T_DIR/model1b.txt"
N2=$(uuid)
publish "$N2" --shuffle 7
dump "$N2" >"$T_DIR/model2.txt"
check "a shuffled order gives the same model" diff "$T_DIR/model1.txt" "$T_DIR/model2.txt"
svc_start scanopy-topology $((TOPO_PORT + 100)) --fetch-batch 2
N3=$(uuid)
publish "$N3" --shuffle 11
dump "$N3" >"$T_DIR/model3.txt"
check "two replicas at once give the same model" diff "$T_DIR/model1.txt" "$T_DIR/model3.txt"
check "both replicas applied batches" sh -c "[ \"\$(curl -sf http://127.0.0.1:$((TOPO_PORT + 100))/metrics | grep -c '_total [1-9]')\" -ge 1 ]"

check "the change log records hosts appearing and ports opening" \
	test "$(sql "SELECT count(DISTINCT kind) FROM inv.changes WHERE network_id = '$N1' AND kind IN ('host_appeared', 'port_opened')")" -eq 2

# Tenancy in SQL: another organisation's setting sees none of it.
OTHER=$(uuid)
for t in hosts host_identities addresses interfaces ports links subnets workloads applications changes fdb neighbors arp if_entries; do
	check "another organisation reads nothing from inv.$t" \
		test "$(sql "BEGIN; SELECT set_config('scanopy.org_id', '$OTHER', true); SET LOCAL ROLE scanopy_tenant; SELECT count(*) FROM inv.$t; COMMIT" | grep -x '[0-9]*' | tail -n 1)" -eq 0
done
check "while its own organisation reads its hosts" \
	test "$(sql "BEGIN; SELECT set_config('scanopy.org_id', '$ORG', true); SET LOCAL ROLE scanopy_tenant; SELECT count(*) FROM inv.hosts; COMMIT" | grep -x '[0-9]*' | tail -n 1)" -gt 0
finish
