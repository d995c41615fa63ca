#!/usr/bin/env bash
# History (issue 7): hosts two complete liveness sweeps in a row missed are
# gone (reason missed_by_scan; one sweep's silence logs nothing: no flapping),
# only those the sweeps could have heard (they answered a sweep before, every
# address inside the covered targets, not seen since the sweeps started),
# however often and in whatever order the coverages and sightings come; the
# 7-day rule says stale; a gone host seen again
# is back with one host_reappeared change; both go out on the network's
# events. VLAN tags of sightings land on the address, in inv.vlans (a QinQ
# inner id under its outer one), in the views' host nodes and in GET
# /hosts/{id}; a switch port's VLANs (InterfaceEntry, Q-BRIDGE-MIB) on its
# interface (newest report wins), in inv.vlans, on the L2 view's cables, in
# GET /hosts/{id}, /interfaces and /vlans; the views' host nodes say whether
# and why a host is gone. Everything through the real
# pipeline: obs-publish (a daemon's batches) -> fingerprint -> topology.
# Last, the service restarted with the history options set otherwise (one
# missed sweep is enough, sweeps kept a day) and a bad value refused.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT --gone-sweep-ms 500
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap history
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
DID=$(uuid)
T0=$(( ($(date +%s) - 3600) * 1000 )) # an hour ago: nothing here is stale
M=60000

# send FILE: one daemon's batches (sequences from the file), then wait for
# every sequence in it to be in the ledger.
send() {
	"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
		--daemon-id "$DID" --json "$1"
	WANT=$(jq -r '[.[].sequence] | map(tostring) | join(",")' "$1") NWANT=$(jq length "$1")
	applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE daemon_id = '$DID' AND sequence IN ($WANT)")" -eq "$NWANT" ]; }
	wait_for 30 applied
}
host_of() { sql "SELECT host_id FROM inv.addresses WHERE network_id = '$NET' AND ip = '$1'"; }
gone_of() { sql "SELECT coalesce(gone_reason, '-') FROM inv.hosts WHERE id = '$(host_of "$1")'"; }
changes() { sql "SELECT count(*) FROM inv.changes WHERE network_id = '$NET' AND kind = '$1'"; }
gone_at() { sql "SELECT coalesce(extract(epoch FROM gone_at)::bigint::text, '-') FROM inv.hosts WHERE id = '$(host_of "$1")'"; }
# cov ID START_MIN CIDR [SIGHTING_IP]: batch ID, a complete sweep of CIDR from
# T0+START_MIN minutes to a minute later, with SIGHTING_IP answering in it.
cov() {
	local s=$((T0 + $2 * M)) heard=""
	[ -n "${4:-}" ] && heard="{\"observed_at_ms\": $((s + 30000)), \"host\": {\"ip\": \"$4\", \"evidence\": \"EVIDENCE_ICMP\"}},"
	cat >"$T_DIR/c$1.json" <<JSON
[{"sequence": $1, "observations": [$heard
 {"observed_at_ms": $((s + M)), "coverage": {"targets": ["$3"], "started_at_ms": $s, "finished_at_ms": $((s + M)), "complete": true, "phase": "discovery"}}]}]
JSON
	send "$T_DIR/c$1.json"
}

curl -sN -H "$A" "$G/api/v1/events?network_id=$NET" >"$T_DIR/events.txt" 2>/dev/null &
EVPID=$!
wait_for 10 grep -q ": connected" "$T_DIR/events.txt"

# What the daemon saw an hour ago on 10.90.1.0/24 (tagged frames on a trunk:
# .10 in VLAN 20, .12 in QinQ 30/300), and what it knows without a sweep: a
# switch (.2) from its LLDP table, a MAC from its FDB, a host heard passively
# (.21) or by mDNS (.22); .30 is also 10.90.2.30 (same MAC), outside the
# sweep; 10.90.3.5 is routed, outside it.
cat >"$T_DIR/b1.json" <<JSON
[{"sequence": 1, "observations": [
 {"observed_at_ms": $T0, "host": {"ip": "10.90.1.10", "mac": "02:00:00:90:01:0a", "evidence": "EVIDENCE_ARP", "vlan_id": 20}},
 {"observed_at_ms": $T0, "host": {"ip": "10.90.1.11", "evidence": "EVIDENCE_ICMP"}},
 {"observed_at_ms": $T0, "host": {"ip": "10.90.1.12", "mac": "02:00:00:90:01:0c", "evidence": "EVIDENCE_ARP", "vlan_id": 30, "inner_vlan_id": 300}},
 {"observed_at_ms": $T0, "host": {"ip": "10.90.1.21", "evidence": "EVIDENCE_PASSIVE"}},
 {"observed_at_ms": $T0, "host": {"ip": "10.90.1.22", "evidence": "EVIDENCE_MDNS"}},
 {"observed_at_ms": $T0, "host": {"ip": "10.90.1.30", "mac": "02:00:00:90:01:1e", "evidence": "EVIDENCE_ARP"}},
 {"observed_at_ms": $T0, "host": {"ip": "10.90.2.30", "mac": "02:00:00:90:01:1e", "evidence": "EVIDENCE_ARP"}},
 {"observed_at_ms": $T0, "host": {"ip": "10.90.3.5", "evidence": "EVIDENCE_ICMP"}},
 {"observed_at_ms": $T0, "snmp_system": {"ip": "10.90.1.2", "sys_name": "sw-h", "chassis_id": "02:00:00:90:01:02"}},
 {"observed_at_ms": $T0, "neighbor": {"device_ip": "10.90.1.2", "protocol": "NEIGHBOR_LLDP", "local_port": "swp1",
   "remote_chassis_id": "02:00:00:90:01:0a", "remote_chassis_id_subtype": 4, "remote_port_id": "eth0", "remote_port_id_subtype": 5,
   "remote_mgmt_addresses": ["10.90.1.10"]}},
 {"observed_at_ms": $T0, "fdb": {"device_ip": "10.90.1.2", "mac": "02:00:00:90:01:ff", "port_name": "swp7", "vlan_id": 20, "status": 3}}]}]
JSON
send "$T_DIR/b1.json"

check "a tagged sighting's VLAN is on its address" \
	test "$(sql "SELECT string_agg(host(ip) || '=' || coalesce(vlan_id::text, '-') || '/' || coalesce(inner_vlan_id::text, '-'), ' ' ORDER BY ip) FROM inv.addresses WHERE network_id = '$NET' AND ip << '10.90.1.0/28'")" \
	= "10.90.1.2=-/- 10.90.1.10=20/- 10.90.1.11=-/- 10.90.1.12=30/300"
vlans() { sql "SELECT string_agg(outer_vlan_id || '/' || vlan_id, ',' ORDER BY outer_vlan_id, vlan_id) FROM inv.vlans WHERE network_id = '$NET'"; }
check "and the network's VLANs are in inv.vlans, a QinQ inner one under its outer one" \
	test "$(vlans)" = "0/20,0/30,30/300"
check "only sweep answers mark an address swept" \
	test "$(sql "SELECT string_agg(host(ip), ' ' ORDER BY ip) FROM inv.addresses WHERE network_id = '$NET' AND swept_at IS NOT NULL")" \
	= "10.90.1.10 10.90.1.11 10.90.1.12 10.90.1.30 10.90.2.30 10.90.3.5"
H10=$(host_of 10.90.1.10)
curl -sf -H "$A" "$G/api/v1/hosts/$H10" >"$T_DIR/h10.json"
check "GET /hosts/{id}: the address with its VLAN" \
	jq -e >/dev/null '(.addresses | map(select(.ip == "10.90.1.10")) | .[0].vlan_id == 20) and (.interfaces | map(.vlan_ids) | flatten | index(20)) and .gone_at == null and .gone_reason == null' "$T_DIR/h10.json"
l2_vlan() { curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l2" | jq -e --arg h "$H10" '[.nodes[] | select(.host_id == $h) | .data] | length == 1 and .[0].vlan_id == 20 and .[0].vlans == [20]' >/dev/null; }
check "L2 view: the host's node carries its VLAN" wait_for 10 l2_vlan

# The sweep: started at T0+9 min (.10 answered during it, in the same batch
# as the coverage), finished at T0+10 min, complete.
cat >"$T_DIR/b2.json" <<JSON
[{"sequence": 2, "observations": [
 {"observed_at_ms": $((T0 + 9 * M + 30000)), "host": {"ip": "10.90.1.10", "mac": "02:00:00:90:01:0a", "evidence": "EVIDENCE_ARP", "vlan_id": 20}},
 {"observed_at_ms": $((T0 + 10 * M)), "coverage": {"targets": ["10.90.1.0/24", "not-a-cidr"], "started_at_ms": $((T0 + 9 * M)),
   "finished_at_ms": $((T0 + 10 * M)), "complete": true, "phase": "discovery"}}]}]
JSON
send "$T_DIR/b2.json"
check "one complete sweep's silence proves nothing yet: nobody gone, nothing logged" \
	test "$(gone_of 10.90.1.11) $(gone_of 10.90.1.12) $(changes host_disappeared)" = "- - 0"

# Redelivered (same daemon and sequence), sent again as a new batch, or a
# sweep stopped early: the same one sweep, still nothing.
send "$T_DIR/b2.json"
jq '.[0].sequence = 3' "$T_DIR/b2.json" >"$T_DIR/b3.json"
send "$T_DIR/b3.json"
cat >"$T_DIR/b4.json" <<JSON
[{"sequence": 4, "observations": [
 {"observed_at_ms": $((T0 + 12 * M)), "coverage": {"targets": ["10.90.0.0/16"], "started_at_ms": $((T0 + 11 * M)),
   "finished_at_ms": $((T0 + 12 * M)), "complete": false, "phase": "discovery"}}]}]
JSON
send "$T_DIR/b4.json"
check "the same coverage again counts once, an incomplete one not at all" \
	test "$(gone_of 10.90.1.11) $(gone_of 10.90.1.12) $(changes host_disappeared) $(sql "SELECT count(*) FROM inv.scan_coverage WHERE network_id = '$NET'")" = "- - 0 1"

# The next complete sweep (T0+14 to T0+15 min, written the other way round:
# the same targets) misses them again: now they are gone, as of its end.
cat >"$T_DIR/b20.json" <<JSON
[{"sequence": 20, "observations": [
 {"observed_at_ms": $((T0 + 14 * M + 30000)), "host": {"ip": "10.90.1.10", "mac": "02:00:00:90:01:0a", "evidence": "EVIDENCE_ARP", "vlan_id": 20}},
 {"observed_at_ms": $((T0 + 15 * M)), "coverage": {"targets": ["10.90.1.77/24"], "started_at_ms": $((T0 + 14 * M)),
   "finished_at_ms": $((T0 + 15 * M)), "complete": true, "phase": "discovery"}}]}]
JSON
send "$T_DIR/b20.json"
check "two complete sweeps in a row missed them: gone, missed_by_scan, at the second's end" \
	test "$(gone_of 10.90.1.11) $(gone_of 10.90.1.12) $(gone_at 10.90.1.11)" = "missed_by_scan missed_by_scan $(( (T0 + 15 * M) / 1000 ))"
check "but not one it heard, nor one it could not hear (LLDP switch, passive, mDNS, outside it)" \
	test "$(for ip in 10.90.1.10 10.90.1.2 10.90.1.21 10.90.1.22 10.90.1.30 10.90.3.5; do gone_of $ip; done | tr -d '\n')" = "------"
check "nor a host known by its MAC alone (FDB)" \
	test "$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$NET' AND gone_at IS NOT NULL")" -eq 2
check "one host_disappeared change each, with the reason, the targets and how many sweeps missed it" \
	test "$(sql "SELECT count(*) FROM inv.changes WHERE network_id = '$NET' AND kind = 'host_disappeared' AND detail->>'reason' = 'missed_by_scan' AND detail->'targets' = '[\"10.90.1.0/24\"]' AND (detail->>'missed_sweeps')::int = 2 AND extract(epoch FROM (detail->>'first_scan_started')::timestamptz)::bigint = $(( (T0 + 9 * M) / 1000 )) AND daemon_id = '$DID' AND sequence = 20") $(changes host_disappeared)" = "2 2"
ev_has() { grep '^data: ' "$T_DIR/events.txt" | grep -q "\"$1\":$2"; }
check "announced on the network's events" wait_for 10 ev_has hosts_disappeared 2

# Both sweeps again, in the other order: nothing more.
send "$T_DIR/b20.json"
send "$T_DIR/b2.json"
check "the sweeps again change nothing" \
	test "$(changes host_disappeared) $(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$NET' AND gone_at IS NOT NULL")" = "2 2"
view_gone() { curl -sf -H "$A" "$G/api/v1/networks/$NET/views/$1" | jq -e --arg h "$(host_of 10.90.1.12)" --arg k "$H10" '[.nodes[] | select(.id == "h:" + $h)] as $g | [.nodes[] | select(.id == "h:" + $k)] as $f | ($g | length) == 1 and ($f | length) == 1 and ($g | all(.data.gone_reason == "missed_by_scan" and (.data.gone_at | type) == "string")) and ($f | all(.data.gone_at == null and .data.gone_reason == null))' >/dev/null; }
check "the L3 view's host nodes say which hosts are gone, since when and why" wait_for 10 view_gone l3
# The UI's own code on that view: gone hosts drawn apart with why, and its
# filter hides exactly them.
curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l3" >"$T_DIR/l3.json"
cat >"$T_DIR/ui_gone.mjs" <<JS
import fs from 'node:fs';
import { narrow } from '$ROOT/svc-gateway/ui/src/graph/narrow.js';
import { toElements } from '$ROOT/svc-gateway/ui/src/graph/layout.js';
const v = JSON.parse(fs.readFileSync('$T_DIR/l3.json', 'utf8'));
const want = ['h:$(host_of 10.90.1.11)', 'h:$(host_of 10.90.1.12)'].sort();
const drawn = toElements(v).nodes.filter((n) => n.classes.split(' ').includes('gone'));
if (JSON.stringify(drawn.map((n) => n.data.id).sort()) !== JSON.stringify(want)) throw new Error('drawn gone: ' + drawn.map((n) => n.data.id));
if (!drawn.every((n) => n.data.tip.startsWith('Gone: not seen by the scan of '))) throw new Error('tip: ' + drawn[0].data.tip);
const left = narrow(v, { hideGone: true }).nodes.map((n) => n.id);
if (want.some((id) => left.includes(id)) || left.length !== v.nodes.length - 2) throw new Error('hidden: ' + (v.nodes.length - left.length));
JS
check "the UI draws those two as gone, says why, and its filter hides them" node "$T_DIR/ui_gone.mjs"
curl -sf -H "$A" "$G/api/v1/hosts/$(host_of 10.90.1.11)" >"$T_DIR/h11.json"
check "GET /hosts/{id}: gone, and why" jq -e >/dev/null '.gone_reason == "missed_by_scan" and .gone_at != null and (.changes | map(.kind) | index("host_disappeared"))' "$T_DIR/h11.json"

# .11 answers again at T0+30 min: back, once, after 30 minutes unseen.
cat >"$T_DIR/b5.json" <<JSON
[{"sequence": 5, "observations": [{"observed_at_ms": $((T0 + 30 * M)), "host": {"ip": "10.90.1.11", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
send "$T_DIR/b5.json"
jq '.[0].sequence = 6' "$T_DIR/b5.json" >"$T_DIR/b6.json"
send "$T_DIR/b6.json"
check "a gone host seen again is back" test "$(gone_of 10.90.1.11) $(gone_of 10.90.1.12)" = "- missed_by_scan"
check "with one host_reappeared change: why it was gone, for how long" \
	test "$(sql "SELECT count(*) FROM inv.changes WHERE network_id = '$NET' AND kind = 'host_reappeared' AND host_id = '$(host_of 10.90.1.11)' AND detail->>'reason' = 'missed_by_scan' AND (detail->>'gone_for_s')::int = 1800 AND sequence = 5") $(changes host_reappeared)" = "1 1"
check "announced on the network's events too" wait_for 10 ev_has hosts_reappeared 1
curl -sf -H "$A" "$G/api/v1/networks/$NET/changes?limit=100" >"$T_DIR/changes.json"
check "the change log through the API" jq -e >/dev/null '(map(.kind) | index("host_reappeared")) and ([.[] | select(.kind == "host_disappeared")] | length == 2)' "$T_DIR/changes.json"

# ?include_stale=false: with no host stale it is the unfiltered view, and
# served as rendered ahead once that rendering is current; with a host stale
# (below) it is rendered per request, the unfiltered view less that host.
V=/api/v1/networks/$NET/views
vhdrs() { curl -s -D - -o /dev/null -H "$A" "$G$V/$1" | tr -d '\r'; }
vhdr() { awk -F': ' -v h="$1" 'tolower($1) == h {print $2}'; }
# graph VIEW?QUERY: nodes and edges, sorted by id.
graph() { curl -sf -H "$A" -H 'Cache-Control: no-cache' "$G$V/$1" | jq -S '{nodes: (.nodes | sort_by(.id)), edges: (.edges | sort_by(.id))}'; }
fresh_cached() { local h; h=$(vhdrs 'l3?include_stale=false'); [ "$(vhdr x-scanopy-view-source <<<"$h")" = cache ] && [ "$(vhdr x-scanopy-view-behind <<<"$h")" = 0 ]; }
check "no host stale: l3?include_stale=false served as rendered ahead" wait_for 10 fresh_cached
same_as_unfiltered() { graph 'l3?include_stale=false' >"$T_DIR/l3-fresh.got" && graph l3 >"$T_DIR/l3.want" && cmp -s "$T_DIR/l3.want" "$T_DIR/l3-fresh.got" && jq -e '[.nodes[] | select(.id | startswith("h:"))] | length > 0' "$T_DIR/l3.want" >/dev/null; }
check "and it is the unfiltered view" same_as_unfiltered

# The 7-day rule: reason stale, and back the same way.
cat >"$T_DIR/b7.json" <<JSON
[{"sequence": 7, "observations": [{"observed_at_ms": $(( ($(date +%s) - 8 * 86400) * 1000 )), "host": {"ip": "10.90.4.4", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
send "$T_DIR/b7.json"
stale4() { [ "$(gone_of 10.90.4.4)" = stale ]; }
check "a host not seen for 7 days is gone, stale" wait_for 10 stale4
check "its change says so" test "$(sql "SELECT detail->>'reason' FROM inv.changes WHERE host_id = '$(host_of 10.90.4.4)' AND kind = 'host_disappeared'")" = stale
view_stale() { curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l3" | jq -e --arg h "$(host_of 10.90.4.4)" '[.nodes[] | select(.id == "h:" + $h)] | length == 1 and .[0].data.gone_reason == "stale" and (.[0].data.gone_at | type) == "string"' >/dev/null; }
check "and its node in the views says so" wait_for 10 view_stale
cat >"$T_DIR/b8.json" <<JSON
[{"sequence": 8, "observations": [{"observed_at_ms": $(( $(date +%s) * 1000 )), "host": {"ip": "10.90.4.4", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
send "$T_DIR/b8.json"
check "seen again: back, reason stale" \
	test "$(gone_of 10.90.4.4) $(sql "SELECT detail->>'reason' FROM inv.changes WHERE host_id = '$(host_of 10.90.4.4)' AND kind = 'host_reappeared'")" = "- stale"

# Out of order (a redelivery, or two topology replicas): a sweep's coverage
# applied before the batch in which that same sweep heard .5, the sweep
# before it having missed .5. The host was missed once only: no change
# either way, no mark, as in order.
cat >"$T_DIR/b9.json" <<JSON
[{"sequence": 9, "observations": [{"observed_at_ms": $((T0 + 40 * M)), "host": {"ip": "10.90.5.5", "mac": "02:00:00:90:05:05", "evidence": "EVIDENCE_ARP"}},
 {"observed_at_ms": $((T0 + 40 * M)), "host": {"ip": "10.90.6.6", "evidence": "EVIDENCE_ARP"}},
 {"observed_at_ms": $((T0 + 40 * M)), "host": {"ip": "10.90.7.7", "evidence": "EVIDENCE_ARP"}}]}]
JSON
cat >"$T_DIR/b10.json" <<JSON
[{"sequence": 10, "observations": [{"observed_at_ms": $((T0 + 50 * M + 30000)), "host": {"ip": "10.90.5.5", "mac": "02:00:00:90:05:05", "evidence": "EVIDENCE_ARP"}}]}]
JSON
cat >"$T_DIR/b11.json" <<JSON
[{"sequence": 11, "observations": [
 {"observed_at_ms": $((T0 + 51 * M)), "coverage": {"targets": ["10.90.5.0/24"], "started_at_ms": $((T0 + 50 * M)),
   "finished_at_ms": $((T0 + 51 * M)), "complete": true, "phase": "discovery"}}]}]
JSON
send "$T_DIR/b9.json"
cov 21 45 10.90.5.0/24
send "$T_DIR/b11.json"
check "(the coverages alone mark the host missed)" test "$(gone_of 10.90.5.5)" = missed_by_scan
send "$T_DIR/b10.json"
H5=$(host_of 10.90.5.5)
check "its sighting from that very sweep, applied after: not gone, and no change either way" \
	test "$(gone_of 10.90.5.5) $(sql "SELECT count(*) FROM inv.changes WHERE host_id = '$H5' AND kind IN ('host_disappeared', 'host_reappeared')")" = "- 0"
check "the events take the announced disappearance back (hosts_not_missed)" wait_for 10 ev_has hosts_not_missed 1

# Shuffled: the later of two sweeps that missed .6 applied first. Gone as of
# the later one's end, as in order, with one change.
cov 23 60 10.90.6.0/24
check "(a later sweep's coverage alone marks nothing)" test "$(gone_of 10.90.6.6)" = -
cov 22 55 10.90.6.0/24
check "coverages applied in the other order: gone as of the second sweep, as in order" \
	test "$(gone_of 10.90.6.6) $(gone_at 10.90.6.6) $(sql "SELECT count(*) FROM inv.changes WHERE host_id = '$(host_of 10.90.6.6)' AND kind = 'host_disappeared' AND extract(epoch FROM at)::bigint = $(( (T0 + 61 * M) / 1000 ))")" = "missed_by_scan $(( (T0 + 61 * M) / 1000 )) 1"

# Three sweeps of .7's subnet; the first heard it, but that sighting comes
# last. In order: heard, missed, missed: gone as of the third sweep's end,
# one change and no reappearance.
cov 24 65 10.90.7.0/24
cov 25 70 10.90.7.0/24
cov 26 75 10.90.7.0/24
check "(the first two coverages alone mark it missed, as of the second)" test "$(gone_at 10.90.7.7)" = $(( (T0 + 71 * M) / 1000 ))
cat >"$T_DIR/b27.json" <<JSON
[{"sequence": 27, "observations": [{"observed_at_ms": $((T0 + 65 * M + 30000)), "host": {"ip": "10.90.7.7", "evidence": "EVIDENCE_ARP"}}]}]
JSON
send "$T_DIR/b27.json"
H7=$(host_of 10.90.7.7)
check "the first sweep's sighting applied last: gone as of the third sweep, as in order, one change, naming that sweep's batch" \
	test "$(gone_of 10.90.7.7) $(gone_at 10.90.7.7) $(sql "SELECT string_agg(kind || '@' || extract(epoch FROM at)::bigint || '/' || (detail->>'missed_sweeps') || '/' || sequence, ' ') FROM inv.changes WHERE host_id = '$H7' AND kind IN ('host_disappeared', 'host_reappeared')")" \
	= "missed_by_scan $(( (T0 + 76 * M) / 1000 )) host_disappeared@$(( (T0 + 76 * M) / 1000 ))/2/26"

# An LLDP neighbour known by its chassis id alone, a MAC (lldpd's default):
# the host ARP already knows by that MAC, not a host of its own.
cat >"$T_DIR/b12.json" <<JSON
[{"sequence": 12, "observations": [{"observed_at_ms": $((T0 + 60 * M)), "host": {"ip": "10.90.1.66", "mac": "02:00:00:90:06:06", "evidence": "EVIDENCE_ARP"}}]}]
JSON
cat >"$T_DIR/b13.json" <<JSON
[{"sequence": 13, "observations": [{"observed_at_ms": $((T0 + 61 * M)), "neighbor": {"device_ip": "10.90.1.2", "protocol": "NEIGHBOR_LLDP",
   "local_port": "swp9", "remote_chassis_id": "02:00:00:90:06:06", "remote_chassis_id_subtype": 4, "remote_port_id": "eth0",
   "remote_port_id_subtype": 5}}]}]
JSON
send "$T_DIR/b12.json"
before=$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$NET'")
send "$T_DIR/b13.json"
check "an LLDP neighbour named by a chassis MAC is the host ARP knows by it" test \
	"$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$NET'") $(sql "SELECT count(*) FROM inv.host_identities WHERE network_id = '$NET' AND kind = 'snmp_chassis' AND value = '02:00:00:90:06:06' AND host_id = '$(host_of 10.90.1.66)'")" = "$before 1"
kill "$EVPID" 2>/dev/null

# A switch's port VLANs (what scanopy-collect reads from Q-BRIDGE-MIB): swp1
# (the LLDP cable to .10) native 20 and tagged 30, 40; swp2 native 50; swp3
# none (not a bridge port).
ife() { # NAME INDEX [PVID [TAGGED-JSON]]
	printf '{"observed_at_ms": %s, "if_entry": {"device_ip": "10.90.1.2", "if_index": %s, "name": "%s", "mac": "02:00:00:90:01:f%s"%s%s}}' \
		"$AT" "$2" "$1" "$2" "${3:+, \"vlan_id\": $3}" "${4:+, \"tagged_vlan_ids\": $4}"
}
AT=$((T0 + 70 * M))
SYS='{"observed_at_ms": '$AT', "snmp_system": {"ip": "10.90.1.2", "sys_name": "sw-h", "chassis_id": "02:00:00:90:01:02", "vlans": [{"vlan_id": 20, "name": "users"}, {"vlan_id": 60, "name": "mgmt"}, {"vlan_id": 4095}]}}'
printf '[{"sequence": 14, "observations": [%s, %s, %s, %s]}]' "$SYS" "$(ife swp1 1 20 '[30, 40]')" "$(ife swp2 2 50)" "$(ife swp3 3)" >"$T_DIR/b14.json"
send "$T_DIR/b14.json"
SW=$(host_of 10.90.1.2)
ports() { sql "SELECT string_agg(name || '=' || coalesce(pvid::text, '-') || '/' || coalesce(array_to_string(tagged_vlans, '+'), '-') || '/' || coalesce(vlans_source, '-'), ' ' ORDER BY name) FROM inv.interfaces WHERE host_id = '$SW' AND name LIKE 'swp%'"; }
check "a port's native and tagged VLANs are on its interface, with their source" \
	test "$(ports)" = "swp1=20/30+40/snmp swp2=50//snmp swp3=-/-/-"
check "and in the network's VLANs, with those the switch has (named; 4095 is none)" test "$(vlans)" = "0/20,0/30,0/40,0/50,0/60,30/300"
curl -sf -H "$A" "$G/api/v1/hosts/$SW" >"$T_DIR/sw.json"
check "GET /hosts/{id}: the interfaces' VLANs, by which daemon" \
	jq -e >/dev/null --arg d "$DID" '[.interfaces[] | select(.name == "swp1")][0] | .pvid == 20 and .tagged_vlans == [30, 40] and .vlans_source == "snmp" and .vlans_daemon_id == $d and .vlans_seen != null' "$T_DIR/sw.json"
l2_ports() {
	curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l2" >"$T_DIR/l2.json" &&
		jq -e >/dev/null --arg sw "h:$SW" '([.edges[] | select(.data.source_port == "swp1" or .data.target_port == "swp1")] | length == 1) and
		([.edges[] | select(.data.source_port == "swp1" or .data.target_port == "swp1")][0] | .data.vlans == [20, 30, 40] and
		 (if .source == $sw then .data.source_pvid == 20 and .data.source_tagged_vlans == [30, 40] and .data.target_pvid == null
		  else .data.target_pvid == 20 and .data.target_tagged_vlans == [30, 40] and .data.source_pvid == null end)) and
		([.nodes[] | select(.id == $sw)][0].data | .vlans == [] and .vlan_id == null)' "$T_DIR/l2.json"
}
check "L2 view: the cable carries its ports' VLANs (the switch node keeps its addresses' only)" wait_for 10 l2_ports
q12() { curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l3" | jq -e --arg h "$(host_of 10.90.1.12)" '[.nodes[] | select(.host_id == $h)][0].data.qinq == [[30, 300]]' >/dev/null; }
check "views: a host's node carries the QinQ pairs it was heard in" wait_for 10 q12
curl -sf -H "$A" "$G/api/v1/vlans?network_id=$NET" >"$T_DIR/vlans.json"
check "GET /vlans: each VLAN with the ports carrying it, the addresses heard in it, its name" \
	test "$(jq -r 'map("\(.outer_vlan_id)/\(.vlan_id):\(.ports):\(.addresses):\(.name // "-")") | join(" ")' "$T_DIR/vlans.json")" = "0/20:1:1:users 0/30:1:1:- 0/40:1:0:- 0/50:1:0:- 0/60:0:0:mgmt 30/300:0:1:-"
check "GET /vlans?outer_vlan_id=30: the C-VLANs in S-VLAN 30" \
	test "$(curl -sf -H "$A" "$G/api/v1/vlans?network_id=$NET&outer_vlan_id=30" | jq -c 'map(.vlan_id)')" = "[300]"
check "GET /interfaces?vlan=40: the ports carrying VLAN 40" \
	test "$(curl -sf -H "$A" "$G/api/v1/interfaces?network_id=$NET&vlan=40" | jq -c 'map([.name, .pvid, .tagged_vlans])')" = '[["swp1",20,[30,40]]]'

# An older report (redelivered late) does not undo a newer one; a newer one
# replaces the port's VLANs.
AT=$((T0 + 65 * M))
printf '[{"sequence": 15, "observations": [%s]}]' "$(ife swp1 1 99 '[]')" >"$T_DIR/b15.json"
send "$T_DIR/b15.json"
check "an older report leaves the port's VLANs" test "$(ports)" = "swp1=20/30+40/snmp swp2=50//snmp swp3=-/-/-"
AT=$((T0 + 80 * M))
printf '[{"sequence": 16, "observations": [%s]}]' "$(ife swp1 1 20 '[30]')" >"$T_DIR/b16.json"
send "$T_DIR/b16.json"
check "a newer one replaces them" test "$(ports)" = "swp1=20/30/snmp swp2=50//snmp swp3=-/-/-"

# A host last seen 8 days ago (a daemon of its own, sequences apart): stale.
# ?include_stale=false is then rendered per request, the unfiltered view
# less the stale hosts' nodes and the edges touching them.
SDID=$(uuid)
cat >"$T_DIR/s77.json" <<JSON
[{"sequence": 1, "observations": [{"observed_at_ms": $(( ($(date +%s) - 8 * 86400) * 1000 )), "host": {"ip": "10.90.4.77", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
	--daemon-id "$SDID" --json "$T_DIR/s77.json"
stale77() { [ -n "$(host_of 10.90.4.77)" ] && graph l3 | jq -e --arg h "h:$(host_of 10.90.4.77)" '[.nodes[] | select(.id == $h and .stale)] | length == 1' >/dev/null; }
check "a host last seen 8 days ago: stale in the l3 view" wait_for 30 stale77
no_stale='([.nodes[] | select(.stale and (.id | startswith("h:"))) | .id]) as $s | {nodes: [.nodes[] | select(.id | IN($s[]) | not)], edges: [.edges[] | select((.source | IN($s[])) or (.target | IN($s[])) | not)]}'
check "a host stale: l3?include_stale=false rendered per request" \
	test "$(vhdrs 'l3?include_stale=false' | vhdr x-scanopy-view-source)" = live
less_stale() {
	graph l3 | jq -S "$no_stale" >"$T_DIR/l3-fresh.want" && graph 'l3?include_stale=false' >"$T_DIR/l3-fresh.got" &&
		cmp -s "$T_DIR/l3-fresh.want" "$T_DIR/l3-fresh.got" && jq -e '.nodes | length > 0' "$T_DIR/l3-fresh.got" >/dev/null &&
		jq -e --arg h "h:$(host_of 10.90.4.77)" '[.nodes[] | select(.id == $h)] | length == 0' "$T_DIR/l3-fresh.got" >/dev/null
}
check "the unfiltered view less the stale host" less_stale
stale_rendered() { local h; h=$(vhdrs l3); [ "$(vhdr x-scanopy-view-source <<<"$h")" = cache ] && [ "$(vhdr x-scanopy-view-behind <<<"$h")" = 0 ]; }
stale_live() { wait_for 30 stale_rendered && [ "$(vhdrs 'l3?include_stale=false' | vhdr x-scanopy-view-source)" = live ]; }
check "once rendered ahead with the stale host, still per request" stale_live

# The history options: host_gone_missed_sweeps and sweeps_keep_days. With the
# defaults (2, 30) a sweep three days old stays and one sweep missing a host
# changes nothing; the service restarted with 1 and 1 (environment): one
# sweep is enough, and that sweep prunes the one three days old.
cov 30 -4320 10.90.8.0/24
cat >"$T_DIR/b31.json" <<JSON
[{"sequence": 31, "observations": [
 {"observed_at_ms": $((T0 + 100 * M)), "host": {"ip": "10.90.9.9", "evidence": "EVIDENCE_ICMP"}},
 {"observed_at_ms": $((T0 + 100 * M)), "host": {"ip": "10.90.9.10", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
send "$T_DIR/b31.json"
cov 32 105 10.90.9.10/32
old_sweeps() { sql "SELECT count(*) FROM inv.scan_coverage WHERE network_id = '$NET' AND started_at < now() - interval '2 days'"; }
check "defaults: one sweep missing a host changes nothing; a sweep 3 days old is kept" \
	test "$(gone_of 10.90.9.10) $(old_sweeps)" = "- 1"
check "a bad value stops the service at start, saying which and why" sh -c \
	"SCANOPY_HOST_GONE_MISSED_SWEEPS=0 timeout 10 '$BIN/scanopy-topology' --http-port 0 2>&1 | grep -q 'SCANOPY_HOST_GONE_MISSED_SWEEPS: host_gone_missed_sweeps: 0 is outside 1..100'"
svc_kill scanopy-topology $TOPO_PORT
SCANOPY_HOST_GONE_MISSED_SWEEPS=1 SCANOPY_SWEEPS_KEEP_DAYS=1 svc_start scanopy-topology $TOPO_PORT --gone-sweep-ms 500
cov 33 110 10.90.9.9/32
check "host_gone_missed_sweeps 1: one complete sweep missing a host makes it gone, as of its end" \
	test "$(gone_of 10.90.9.9) $(gone_at 10.90.9.9) $(sql "SELECT detail->>'missed_sweeps' FROM inv.changes WHERE host_id = '$(host_of 10.90.9.9)' AND kind = 'host_disappeared'")" \
	= "missed_by_scan $(( (T0 + 111 * M) / 1000 )) 1"
check "sweeps_keep_days 1: the sweep 3 days old is pruned" test "$(old_sweeps)" = 0

# The responses above against the OpenAPI document.
for p in "/api/v1/hosts/$H10" "/api/v1/hosts/$(host_of 10.90.1.12)" "/api/v1/networks/$NET/views/l2" \
	"/api/v1/hosts/$SW" "/api/v1/vlans?network_id=$NET" "/api/v1/interfaces?network_id=$NET&vlan=30"; do
	curl -s -o "$T_DIR/body" -w '%{http_code}' -H "$A" "$G$p" >"$T_DIR/code"
	jq -cn --arg p "$p" --argjson s "$(cat "$T_DIR/code")" --rawfile b "$T_DIR/body" \
		'{method: "GET", path: $p, status: $s, body: $b}' >>"$T_DIR/responses.jsonl"
done
check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$ROOT/svc-gateway/api/openapi.json" "$T_DIR/responses.jsonl"
finish
