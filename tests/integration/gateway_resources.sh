#!/usr/bin/env bash
# The inventory's resources through the gateway, on the lab-shaped model of
# topo_fixture.py: every list (subnets, interfaces, ports, services, links,
# workloads, applications) filtered, sorted and paged on the server with
# X-Total-Count, one item by id, ETags and 304, hosts and views filtered by
# tags, the exports (inventory JSON,
# NetBox with VLANs and prefixes, CSV per resource) and the views as SVG; another organisation sees
# none of it; every response is held to the OpenAPI document.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap resources
TRUTH=$ROOT/tests/lab/truth.json
python3 "$ROOT/tests/integration/topo_fixture.py" >"$T_DIR/fx.json"
NB=$(jq length "$T_DIR/fx.json")
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
	--daemon-id "$(uuid)" --json "$T_DIR/fx.json"
applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$NET'")" -ge "$NB" ]; }
check "the fixture's $NB batches are applied" wait_for 90 applied

# call METHOD PATH [curl args]: the body on stdout, headers in $T_DIR/h; the
# exchange recorded for the OpenAPI check.
call() {
	local m=$1 p=$2; shift 2
	: >"$T_DIR/body" # curl writes nothing for an empty body (304)
	curl -s -D "$T_DIR/h" -o "$T_DIR/body" -w '%{http_code}' -X "$m" "$G$p" "$@" >"$T_DIR/code"
	jq -cn --arg m "$m" --arg p "$p" --argjson s "$(cat "$T_DIR/code")" \
		--rawfile b "$T_DIR/body" '{method: $m, path: $p, status: $s, body: $b}' >>"$T_DIR/responses.jsonl"
	cat "$T_DIR/body"
}
header() { tr -d '\r' <"$T_DIR/h" | awk -v n="$(echo "$1" | tr A-Z a-z)" 'BEGIN{FS=": "} tolower($1) == n {print $2}'; }
code() { cat "$T_DIR/code"; }
n_sql() { sql "SELECT count(*) FROM $1"; }
L="network_id=$NET"

# Each list: the total over all pages is the model's, a page is no longer
# than asked, and the pages together are the whole list.
for res in subnets interfaces ports services links workloads applications; do
	case $res in
	subnets | interfaces | links | workloads | applications) want=$(n_sql "inv.$res WHERE network_id = '$NET'") ;;
	*) want=$(n_sql "inv.$res x JOIN inv.hosts h ON h.id = x.host_id WHERE h.network_id = '$NET'") ;;
	esac
	call GET "/api/v1/$res?$L&limit=2" -H "$A" >"$T_DIR/p1.json"
	total=$(header X-Total-Count)
	check "$res: X-Total-Count is the model's ($total of $want)" test "$total" = "$want" -a "$want" -gt 0
	check "$res: a page holds at most limit" test "$(jq length "$T_DIR/p1.json")" -eq $((want < 2 ? want : 2))
	all=$(call GET "/api/v1/$res?$L&limit=1000" -H "$A" | jq length)
	paged=0 off=0
	while [ $off -lt "$want" ]; do
		paged=$((paged + $(call GET "/api/v1/$res?$L&limit=3&offset=$off" -H "$A" | jq length)))
		off=$((off + 3))
	done
	check "$res: the pages together are the whole list" test "$paged" -eq "$all" -a "$all" -eq "$want"
	check "$res: an unknown sort key is refused, naming the field" \
		sh -c "curl -s -H '$A' '$G/api/v1/$res?sort=password' | jq -e '.error.field == \"sort\"' >/dev/null"
done

# Filters and sorts, resource by resource.
call GET "/api/v1/subnets?$L&sort=-cidr" -H "$A" >"$T_DIR/s.json"
check "subnets sorted by CIDR, descending" jq -e '[.[].cidr] == ([.[].cidr] | sort | reverse)' "$T_DIR/s.json"
check "subnets: the lab's two with their gateways" \
	jq -e '[.[] | select(.cidr == "10.77.1.0/24" or .cidr == "10.77.2.0/24") | .gateway] | length == 2 and all(. != null)' "$T_DIR/s.json"
T1=$(jq -r '.[0].type' "$T_DIR/s.json")
check "subnets filtered by type" sh -c "curl -sf -H '$A' '$G/api/v1/subnets?$L&type=$T1' | jq -e 'length >= 1 and all(.type == \"$T1\")' >/dev/null"
check "a filter of the wrong type is refused, naming it" \
	sh -c "curl -s -H '$A' '$G/api/v1/subnets?vlan=ten' | jq -e '.error.field == \"vlan\"' >/dev/null"
check "ports filtered by protocol and port" \
	sh -c "curl -sf -H '$A' '$G/api/v1/ports?$L&protocol=udp&port=161' | jq -e 'length >= 1 and all(.protocol == \"udp\" and .port == 161)' >/dev/null"
call GET "/api/v1/services?$L&sort=-confidence" -H "$A" >"$T_DIR/sv.json"
check "services sorted by confidence" jq -e '[.[].confidence] == ([.[].confidence] | sort | reverse)' "$T_DIR/sv.json"
CAT=$(jq -r '[.[] | select(.category != null)][0].category' "$T_DIR/sv.json")
DEF=$(jq -r '.[0].definition_id' "$T_DIR/sv.json")
check "services filtered by category ($CAT)" sh -c "curl -sf -H '$A' '$G/api/v1/services?$L&category=$CAT' | jq -e 'length >= 1 and all(.category == \"$CAT\")' >/dev/null"
check "services filtered by definition ($DEF)" \
	test "$(curl -sf -H "$A" "$G/api/v1/services?$L&definition_id=$DEF" | jq "map(select(.definition_id == \"$DEF\")) | length")" = \
	"$(sql "SELECT count(*) FROM inv.services s JOIN inv.hosts h ON h.id = s.host_id WHERE h.network_id = '$NET' AND s.definition_id = '$DEF'")"
check "links: one per cable of truth.json" test "$(curl -sf -H "$A" "$G/api/v1/links?$L" | jq length)" -eq "$(jq '.links | length' "$TRUTH")"
call GET "/api/v1/workloads?$L&kind=container&sort=name" -H "$A" >"$T_DIR/w.json"
check "workloads: the lab's containers, by name" jq -e --slurpfile t "$TRUTH" \
	'[.[].name] == ([.[].name] | sort) and length == ($t[0].containers | length)' "$T_DIR/w.json"
PARENT=$(jq -r '.[0].parent_host_id' "$T_DIR/w.json")
check "workloads filtered by the host they run on" \
	sh -c "curl -sf -H '$A' '$G/api/v1/workloads?parent_host_id=$PARENT' | jq -e 'length >= 1 and all(.parent_host_id == \"$PARENT\")' >/dev/null"
check "links at that host (either end)" \
	sh -c "curl -sf -H '$A' '$G/api/v1/links?host_id=$PARENT' | jq -e 'all(.a_host_id == \"$PARENT\" or .b_host_id == \"$PARENT\")' >/dev/null"
check "applications by name, descending, with members" \
	sh -c "curl -sf -H '$A' '$G/api/v1/applications?$L&sort=-name' | jq -e '[.[].name] == [\"shop\", \"legacy\"] and (.[0].members | length) == 2 and (.[0].dependencies | length) == 1' >/dev/null"
check "q matches a substring" sh -c "curl -sf -H '$A' '$G/api/v1/applications?q=SHO' | jq -e '[.[].name] == [\"shop\"]' >/dev/null"

# One item by id.
for res in subnets interfaces links workloads applications; do
	id=$(curl -sf -H "$A" "$G/api/v1/$res?$L&limit=1" | jq -r '.[0].id')
	check "$res/{id}: the item" sh -c "[ \"\$(curl -sf -H '$A' '$G/api/v1/$res/$id' | jq -r .id)\" = '$id' ]"
	call GET "/api/v1/$res/$id" -H "$A" >/dev/null
	call GET "/api/v1/$res/$(uuid)" -H "$A" >/dev/null
	check "$res/{id}: an unknown id is 404" test "$(code)" = 404
done

# ETags: every successful GET has one; sent back, an unchanged answer is 304
# with no body, a changed one is 200 with a new tag.
HOST=$(jq -r '.[0].parent_host_id' "$T_DIR/w.json")
call GET "/api/v1/hosts?$L" -H "$A" >/dev/null
ET=$(header ETag)
check "a list carries a weak ETag" sh -c "echo '$ET' | grep -q '^W/\"[0-9a-f]\{32\}\"$'"
check "and Cache-Control asks to revalidate" test "$(header Cache-Control)" = "private, no-cache"
call GET "/api/v1/hosts?$L" -H "$A" -H "If-None-Match: $ET" >/dev/null
check "the same ETag back: 304 with no body" sh -c "[ $(code) = 304 ] && [ ! -s '$T_DIR/body' ]"
check "a list of tags naming it: 304" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$A" -H "If-None-Match: \"x\", $ET" "$G/api/v1/hosts?$L")" = 304
curl -sf -XPATCH -H "$A" -H "$J" "$G/api/v1/hosts/$HOST" -d '{"name":"renamed-for-etag"}' >/dev/null
check "after a change: 200 and a new tag" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H '$A' -H 'If-None-Match: $ET' '$G/api/v1/hosts?$L')\" = 200 ]"
check "a POST gets no ETag" sh -c "! curl -s -D - -o /dev/null -XPOST -H '$A' -H '$J' $G/api/v1/networks -d '{\"name\":\"etag-net\"}' | grep -qi '^etag:'"

# Tags: ?tag= on the hosts list and the views keeps the hosts carrying every
# tag asked for (repeated or comma-separated), served by a GIN index.
curl -sf -H "$A" "$G/api/v1/networks/$NET/views/l3" >"$T_DIR/l3.json"
read -r TA TB TC < <(jq -r '[.nodes[] | select(.id | startswith("h:")) | .host_id][0:3] | join(" ")' "$T_DIR/l3.json")
check "three hosts of the L3 view to tag" test -n "$TC"
tag() { curl -sf -XPATCH -H "$A" -H "$J" "$G/api/v1/hosts/$1" -d "{\"tags\": $2}" >/dev/null; }
tag "$TA" '["rack-1", "prod"]'
tag "$TB" '["rack-1"]'
tag "$TC" '["we\"ird\\ tag", "prod"]'
# hosts?QUERY: the ids, sorted, one line; X-Total-Count in $T_DIR/h.
tagged() { call GET "/api/v1/hosts?$L&$1" -H "$A" | jq -r '[.[].id] | sort | join(" ")'; }
both=$(printf '%s\n' "$TA" "$TB" | sort | tr '\n' ' ' | sed 's/ $//')
check "hosts?tag=rack-1: the two carrying it" test "$(tagged tag=rack-1)" = "$both"
check "X-Total-Count counts them" test "$(header X-Total-Count)" = 2
check "the rows carry their tags" sh -c "curl -sf -H '$A' '$G/api/v1/hosts?$L&tag=rack-1' | jq -e 'all(.tags | index(\"rack-1\"))' >/dev/null"
check "tag repeated: all must match" test "$(tagged 'tag=rack-1&tag=prod')" = "$TA"
check "tag comma-separated, blanks trimmed: the same" test "$(tagged 'tag=rack-1,%20prod')" = "$TA"
check "a tag nobody carries: none" test "$(tagged 'tag=prod&tag=nowhere')" = ""
check "a tag with a quote and a backslash, matched exactly" test "$(tagged 'tag=we%22ird%5C%20tag')" = "$TC"
check "the model agrees (SQL, the same tag)" test \
	"$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$NET' AND tags @> '{rack-1}'")" = 2
for bad in 'tag=' 'tag=a,,b' "tag=$(printf 'x%.0s' $(seq 65))" "$(printf 'tag=t%d&' $(seq 33))"; do
	check "hosts?${bad:0:24}…: 422 naming tag" sh -c "[ \"\$(curl -s -H '$A' '$G/api/v1/hosts?$L&$bad' | jq -r .error.field)\" = tag ]"
done
check "an index serves the tags" test "$(sql "SELECT count(*) FROM pg_indexes WHERE schemaname = 'inv' AND tablename = 'hosts' AND indexdef LIKE '%USING gin (tags)%'")" = 1
# L2 shows the cables of the hosts kept, with whatever is at their far ends.
call GET "/api/v1/networks/$NET/views/l2?tag=rack-1" -H "$A" >"$T_DIR/vt.json"
check "the l2 view with ?tag=rack-1: only the tagged hosts' cables" jq -e --arg a "h:$TA" --arg b "h:$TB" \
	'[.edges[] | select(.source == $a or .target == $a or .source == $b or .target == $b)] == .edges' "$T_DIR/vt.json"
for v in l3 workloads applications; do
	call GET "/api/v1/networks/$NET/views/$v?tag=rack-1" -H "$A" >"$T_DIR/vt.json"
	check "the $v view with ?tag=rack-1: only tagged hosts, their tags in the node data" jq -e --arg a "$TA" --arg b "$TB" \
		'[.nodes[] | select(.id | startswith("h:"))] | all((.host_id == $a or .host_id == $b) and (.data.tags | index("rack-1")))' "$T_DIR/vt.json"
done
call GET "/api/v1/networks/$NET/views/l3?tag=rack-1&tag=prod" -H "$A" >"$T_DIR/vt.json"
check "the L3 view with two tags: the one host carrying both" \
	test "$(jq -r '[.nodes[] | select(.id | startswith("h:")) | .host_id] | join(" ")' "$T_DIR/vt.json")" = "$TA"
call GET "/api/v1/networks/$NET/views/l3?tag=rack-1" -H "$A" >"$T_DIR/vt.json"
check "the L3 view with ?tag=rack-1: both tagged hosts" \
	test "$(jq -r '[.nodes[] | select(.id | startswith("h:")) | .host_id] | sort | join(" ")' "$T_DIR/vt.json")" = "$both"
# A filtered view is the unfiltered one narrowed by the same rule: in L2 the
# cables with a kept host at an end and the hosts at their ends, in L3 every
# subnet, the kept hosts and the edges between what is left.
graph() { curl -sf -H "$A" -H 'Cache-Control: no-cache' "$G/api/v1/networks/$NET/views/$1" | jq -S '{nodes: (.nodes | sort_by(.id)), edges: (.edges | sort_by(.id))}'; }
l2_narrow='([.nodes[] | select(KEEP) | .id]) as $k | [.edges[] | select((.source | IN($k[])) or (.target | IN($k[])))] as $e | ([$e[] | .source, .target]) as $ends | {nodes: [.nodes[] | select(.id | IN($ends[]))], edges: $e}'
l3_narrow='([.nodes[] | select((.id | startswith("h:")) and (KEEP | not)) | .id]) as $x | {nodes: [.nodes[] | select(.id | IN($x[]) | not)], edges: [.edges[] | select((.source | IN($x[])) or (.target | IN($x[])) | not)]}'
narrowed() { # VIEW QUERY KEEP: the filtered view as the unfiltered one narrowed
	local rule=${2}_narrow
	graph "$1" | jq -S "${!rule//KEEP/$4}" >"$T_DIR/narrow.want"
	graph "$1?$3" >"$T_DIR/narrow.got"
	cmp -s "$T_DIR/narrow.want" "$T_DIR/narrow.got" && jq -e '.nodes | length > 0' "$T_DIR/narrow.got" >/dev/null
}
has_rack1='(.data.tags // [] | index("rack-1"))'
check "l2?tag=rack-1 is the unfiltered l2 narrowed to the tagged hosts' cables" narrowed l2 l2 tag=rack-1 "$has_rack1"
check "l3?tag=rack-1 is the unfiltered l3 narrowed to the tagged hosts" narrowed l3 l3 tag=rack-1 "$has_rack1"
Q=$(jq -r '[.nodes[] | select(.id | startswith("h:")) | .data.addresses[0] // empty][0] | split(".")[0:3] | join(".")' "$T_DIR/l3.json")
check "l3?q=$Q (an address prefix) is the unfiltered l3 narrowed to the hosts matching it" \
	narrowed l3 l3 "q=$Q" "(([.data.user_name // \"\", .data.name // \"\"] | join(\" \") | ascii_downcase | contains(\"$Q\")) or (.data.addresses | any(contains(\"$Q\"))))"
check "l3?q=ApP (a name, any case) likewise" \
	narrowed l3 l3 "q=ApP" '(([.data.user_name // "", .data.name // ""] | join(" ") | ascii_downcase | contains("app")) or (.data.addresses | any(contains("ApP"))))'
check "the unfiltered view carries tags too" sh -c "curl -sf -H '$A' '$G/api/v1/networks/$NET/views/l3' | jq -e '[.nodes[] | select(.id | startswith(\"h:\"))] | all(.data.tags | type == \"array\")' >/dev/null"
check "a view with an empty tag: 422 naming tag" test "$(call GET "/api/v1/networks/$NET/views/l2?tag=" -H "$A" | jq -r .error.field)" = tag

# Exports.
E=/api/v1/networks/$NET/exports
call GET "$E/inventory.json" -H "$A" >"$T_DIR/inv.json"
check "inventory.json: every host with interfaces, ports and services" jq -e --argjson n "$(n_sql "inv.hosts WHERE network_id = '$NET'")" \
	'.format == "scanopy-inventory/1" and (.hosts | length) == $n and (.hosts | all(has("interfaces") and has("ports") and has("services"))) and (.subnets | length) >= 2 and (.applications | length) == 2' "$T_DIR/inv.json"
check "inventory.json is an attachment" grep -qi '^content-disposition: attachment; filename="inventory.json"' "$T_DIR/h"
call GET "$E/netbox.json" -H "$A" >"$T_DIR/nb.json"
check "netbox.json: a device per host, a cable per link" jq -e \
	--argjson h "$(n_sql "inv.hosts WHERE network_id = '$NET'")" --argjson l "$(n_sql "inv.links WHERE network_id = '$NET'")" \
	'(.devices | length) == $h and (.cables | length) == $l and (.devices | map(.name) | unique | length) == $h' "$T_DIR/nb.json"
check "netbox.json: every IP and cable end names an exported interface" jq -e \
	'(.interfaces | map(.device.name + "|" + .name)) as $ifs | ([.ip_addresses[].assigned_object, .cables[].a_terminations[0].object, .cables[].b_terminations[0].object] | all((.device.name + "|" + .name) as $k | $ifs | index($k) != null))' "$T_DIR/nb.json"
check "netbox.json: devices reference the exported types, roles and site" jq -e \
	'(.device_types | map(.slug)) as $t | (.device_roles | map(.slug)) as $r | (.sites | map(.slug)) as $s | .devices | all(. as $d | ($t | index($d.device_type.slug)) != null and ($r | index($d.role.slug)) != null and ($s | index($d.site.slug)) != null)' "$T_DIR/nb.json"
check "netbox.json: addresses carry their prefix length" jq -e '.ip_addresses | length > 0 and all(.address | test("/[0-9]+$"))' "$T_DIR/nb.json"
for res in subnets interfaces ports services links workloads applications; do
	call GET "$E/$res.csv" -H "$A" >"$T_DIR/$res.csv"
	rows=$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))) - 1)' "$T_DIR/$res.csv")
	total=$(curl -s -D - -o /dev/null -H "$A" "$G/api/v1/$res?$L&limit=1" | tr -d '\r' | awk 'tolower($1) == "x-total-count:" {print $2}')
	check "$res.csv: a row per item ($rows of $total), the list's columns" sh -c \
		"[ '$rows' = '$total' ] && head -1 '$T_DIR/$res.csv' | grep -q '^[a-z_]*,' && grep -qi '^content-type: text/csv' '$T_DIR/h'"
done
for v in l2 l3 workloads applications; do
	call GET "/api/v1/networks/$NET/views/$v?format=svg" -H "$A" >"$T_DIR/$v.svg"
	nodes=$(curl -sf -H "$A" "$G/api/v1/networks/$NET/views/$v" | jq '.nodes | length')
	check "the $v view as SVG: well-formed, a box per node ($nodes)" python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
g = [e for e in root.iter("{http://www.w3.org/2000/svg}g") if e.get("class") == "node"]
sys.exit(0 if root.tag.endswith("svg") and len(g) == int(sys.argv[2]) else 1)' "$T_DIR/$v.svg" "$nodes"
done
check "SVG is served as image/svg+xml" grep -qi '^content-type: image/svg+xml' "$T_DIR/h"

# VLANs in the NetBox export (ipam/vlans, 802.1Q modes, prefixes' VLANs):
# sw1's ports as Q-BRIDGE-MIB reads them (swp1 access 10, swp2 native 1 and
# tagged 20 and 30, swp3 tagged 20 only), two addresses of 10.77.9.0/24 both
# heard in QinQ 30/300 and a daemon's VLAN interface (eth0.40) on
# 10.77.40.0/24, through the pipeline.
VT=$(( ($(date +%s) - 60) * 1000 ))
jq --argjson t "$VT" '.switches[] | select(.hostname == "sw1") as $sw | [{sequence: 1, observations: (
	[{observed_at_ms: $t, snmp_system: {ip: $sw.mgmt_ip, sys_name: "sw1", chassis_id: $sw.lldp_chassis_id,
	  vlans: [{vlan_id: 10, name: "users"}, {vlan_id: 20, name: "servers"}]}}] +
	[$sw.ports | to_entries[] | select(.value.name | IN("swp1", "swp2", "swp3")) | {observed_at_ms: $t, if_entry: ({
	  device_ip: $sw.mgmt_ip, if_index: (10 + .key), name: .value.name, mac: .value.mac, if_type: 6, oper_up: true} +
	  ({swp1: {vlan_id: 10}, swp2: {vlan_id: 1, tagged_vlan_ids: [20, 30]}, swp3: {tagged_vlan_ids: [20]}}[.value.name]))}] +
	[{observed_at_ms: $t, host: {ip: "10.77.9.5", evidence: "EVIDENCE_ICMP", vlan_id: 30, inner_vlan_id: 300}},
	 {observed_at_ms: $t, host: {ip: "10.77.9.6", evidence: "EVIDENCE_ICMP", vlan_id: 30, inner_vlan_id: 300}},
	 {observed_at_ms: $t, self_report: {hostname: "vlan-box", daemon_name: "vlan-box", mode: "daemon_poll",
	  interfaces: [{name: "eth0.40", index: 7, mac: "02:77:40:00:00:02", type: "IFTYPE_LAN", vlan_id: 40, up: true,
	   addresses: [{ip: "10.77.40.2", prefix_len: 24, subnet: "10.77.40.0/24"}]}]}}])}]' "$TRUTH" >"$T_DIR/vlans.json"
VD=$(uuid)
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$VD" --json "$T_DIR/vlans.json"
vlans_applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE daemon_id = '$VD'")" -eq 1 ]; }
check "the VLAN batch is applied" wait_for 30 vlans_applied
call GET "$E/netbox.json" -H "$A" >"$T_DIR/nb2.json"
check "netbox.json: the VLANs, named as the switch names them, C-VLAN 300 in S-VLAN 30" test \
	"$(jq -r '[.vlans[] | "\(.vid):\(.name):\(.qinq_role // "-"):\(.qinq_svlan.vid // "-"):\(.site.slug == $ARGS.named.s)"] | join(" ")' --arg s "$(jq -r '.sites[0].slug' "$T_DIR/nb2.json")" "$T_DIR/nb2.json")" \
	= "1:VLAN 1:-:-:true 10:users:-:-:true 20:servers:-:-:true 30:VLAN 30:svlan:-:true 40:VLAN 40:-:-:true 300:VLAN 30.300:cvlan:30:true"
port() { jq -c --arg p "$1" '[.interfaces[] | select(.device.name == "sw1" and .name == $p)][0] | [.mode, .untagged_vlan.vid, [.tagged_vlans[]?.vid]]' "$T_DIR/nb2.json"; }
check "netbox.json: each port's 802.1Q mode, untagged (native) and tagged VLANs" \
	test "$(port swp1) $(port swp2) $(port swp3) $(port swp4)" = '["access",10,[]] ["tagged",1,[20,30]] ["tagged",null,[20]] [null,null,[]]'
check "netbox.json: every VLAN a port or prefix names is exported, found by vid, site and S-VLAN" jq -e \
	'[.vlans[] | [.vid, .site.slug, .qinq_svlan.vid]] as $v | [.interfaces[] | (.untagged_vlan // empty), (.tagged_vlans // [])[]] + [.prefixes[] | .vlan // empty] | length > 0 and all([.vid, .site.slug, .qinq_svlan.vid] as $k | ($v | index([$k])) != null and has("qinq_svlan"))' "$T_DIR/nb2.json"
check "netbox.json: a prefix per subnet, the VLAN a daemon reported or all its addresses were heard in" test \
	"$(jq -r --argjson n "$(n_sql "inv.subnets WHERE network_id = '$NET'")" '(.prefixes | length == $n), ([.prefixes[] | select(.vlan != null) | "\(.prefix)=\(.vlan.vid)/\(.vlan.qinq_svlan.vid // "-")"] | join(" "))' "$T_DIR/nb2.json" | tr '\n' ' ')" \
	= "true 10.77.9.0/24=300/30 10.77.40.0/24=40/- "

# Another organisation sees nothing of it.
ORG_B=$(uuid) USER_B=$(uuid) KEY_B=scp_u_second_org_key_for_resources_test_0123456
sql "INSERT INTO core.organizations (id, name) VALUES ('$ORG_B', 'Other');
     INSERT INTO core.users (id, org_id, email, password_hash, role) VALUES ('$USER_B', '$ORG_B', 'b@other.test', 'x', 'owner');
     INSERT INTO core.api_keys (org_id, scope, user_id, prefix, key_hash) VALUES ('$ORG_B', 'user', '$USER_B', 'scp_u_seco', decode('$(printf %s "$KEY_B" | sha256sum | cut -d' ' -f1)', 'hex'))" >/dev/null
B="Authorization: Bearer $KEY_B"
for res in subnets interfaces ports services links workloads applications; do
	check "another organisation lists no $res" sh -c "[ \"\$(curl -sf -H '$B' '$G/api/v1/$res?$L' | jq length)\" = 0 ]"
done
WID=$(jq -r '.[0].id' "$T_DIR/w.json")
check "nor reads one by id" test "$(call GET "/api/v1/workloads/$WID" -H "$B" >/dev/null; code)" = 404
for e in inventory.json netbox.json links.csv; do
	check "nor exports $e of our network" test "$(call GET "$E/$e" -H "$B" >/dev/null; code)" = 404
done

DOC=$ROOT/svc-gateway/api/openapi.json
check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$DOC" "$T_DIR/responses.jsonl"
finish
