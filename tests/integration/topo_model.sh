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
# Views re-rendered 2.5 s after changes pause (not 0.5 s): long enough to see
# the last rendering served while a newer one is pending, below.
VIEWS_OPTS=(--view-debounce-ms 2500)
svc_start scanopy-topology $TOPO_PORT --gone-sweep-ms 500 "${VIEWS_OPTS[@]}"
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap topo
TRUTH=$ROOT/tests/lab/truth.json
python3 "$ROOT/tests/integration/topo_fixture.py" >"$T_DIR/fx.json"
NB=$(jq length "$T_DIR/fx.json")
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)

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

N1=$NET
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
svc_start scanopy-topology $TOPO2_PORT --fetch-batch 2 "${VIEWS_OPTS[@]}"
N3=$(uuid)
publish "$N3" --shuffle 11
dump "$N3" >"$T_DIR/model3.txt"
check "two replicas at once give the same model" diff "$T_DIR/model1.txt" "$T_DIR/model3.txt"
check "both replicas applied batches" sh -c "[ \"\$(curl -sf http://127.0.0.1:$TOPO2_PORT/metrics | grep -c '_total [1-9]')\" -ge 1 ]"

# A cable moved: sw1 now reports web1 on swp9 (and web1 names swp9 as its far
# port); the rebuild records link_moved at web1's end, from swp3 to swp9.
sql "UPDATE inv.neighbors n SET local_port = 'swp9' FROM inv.hosts h WHERE h.id = n.host_id AND n.network_id = '$N2' AND h.name = 'sw1' AND n.local_port = 'swp3';
     UPDATE inv.neighbors n SET remote_port = 'swp9' FROM inv.hosts h WHERE h.id = n.host_id AND n.network_id = '$N2' AND h.name = 'web1' AND n.remote_port = 'swp3';
     SELECT inv.rebuild_links('$N2')" >/dev/null
check "a moved cable is a link_moved change" test "$(sql "SELECT count(*) FROM inv.changes c JOIN inv.hosts h ON h.id = c.host_id WHERE c.network_id = '$N2' AND c.kind = 'link_moved' AND h.name = 'web1' AND c.detail->'from'->>'port' = 'swp3' AND c.detail->'to'->>'port' = 'swp9'")" -eq 1
check "an unchanged rebuild moves nothing" test "$(sql "SELECT inv.rebuild_links('$N1')")" -eq 0

check "the change log records hosts appearing and ports opening" \
	test "$(sql "SELECT count(DISTINCT kind) FROM inv.changes WHERE network_id = '$N1' AND kind IN ('host_appeared', 'port_opened')")" -eq 2

# The API: the four views, one host in full, users' edits, merges, changes.
call() {
	local m=$1 p=$2; shift 2
	curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$m" "$G$p" "$@" >"$T_DIR/code"
	jq -cn --arg m "$m" --arg p "$p" --argjson s "$(cat "$T_DIR/code")" \
		--rawfile b "$T_DIR/body" '{method: $m, path: $p, status: $s, body: $b}' >>"$T_DIR/responses.jsonl"
	cat "$T_DIR/body"
}
V=/api/v1/networks/$NET/views
call GET "$V/l2" -H "$A" >"$T_DIR/l2.json"
check "L2 view: one link edge per cable" test "$(jq '[.edges[] | select(.kind == "link")] | length' "$T_DIR/l2.json")" -eq "$(jq '.links | length' "$TRUTH")"
check "L2 view: edges carry the ports at both ends" jq -e '[.edges[] | select(.data.source_port and .data.target_port)] | length > 0' "$T_DIR/l2.json"
check "L2 view: the contract's node fields" jq -e '.view == "l2" and (.nodes | all(has("id") and has("kind") and has("label") and has("parent") and has("host_id") and has("category") and has("ip") and has("stale") and has("data")))' "$T_DIR/l2.json"
call GET "$V/l3" -H "$A" >"$T_DIR/l3.json"
check "L3 view: both lab subnets with their gateways" jq -e '[.nodes[] | select(.kind == "subnet" and .data.gateway != null) | .label] | contains(["10.77.1.0/24", "10.77.2.0/24"])' "$T_DIR/l3.json"
check "L3 view: the router joins the subnets" jq -e '[.edges[] | select(.kind == "gateway")] | length >= 2' "$T_DIR/l3.json"
check "L3 view: the daemon's default route" jq -e '[.edges[] | select(.kind == "route" and .label == "default route")] | length == 1' "$T_DIR/l3.json"
check "L3 view filtered by subnet" sh -c "curl -sf -H '$A' '$G$V/l3?subnet=10.77.2.0/24' | jq -e '[.nodes[] | select(.kind != \"subnet\") | .data.addresses | any(startswith(\"10.77.2.\"))] | all and length > 0' >/dev/null"
call GET "$V/workloads" -H "$A" >"$T_DIR/wl.json"
check "workloads view: containers under docker1" jq -e '[.nodes[] | select(.kind == "container") | .parent] | unique | length == 1' "$T_DIR/wl.json"
call GET "$V/applications" -H "$A" >"$T_DIR/apps.json"
check "applications view: shop and legacy with a depends edge" jq -e '([.nodes[] | select(.kind == "application") | .label] | sort == ["legacy", "shop"]) and ([.edges[] | select(.kind == "depends")] | length == 1)' "$T_DIR/apps.json"
check "q filters by name" sh -c "curl -sf -H '$A' '$G$V/l2?q=web1' | jq -e '[.nodes[] | select(.kind == \"host\")] | length == 1' >/dev/null"
check "mermaid rendering" sh -c "curl -sf -D - -H '$A' '$G$V/l2?format=mermaid' | grep -qi 'content-type: text/vnd.mermaid' && curl -sf -H '$A' '$G$V/l2?format=mermaid' | grep -q '^flowchart LR'"
check "dot rendering" sh -c "curl -sf -H '$A' '$G$V/l3?format=dot' | grep -q '^graph view {'"
check "a bad subnet filter: 422" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$A" "$G$V/l2?subnet=nope")" -eq 422

WEB=$(jq -r '.nodes[] | select(.label | startswith("web1")) | .host_id' "$T_DIR/l2.json")
call GET "/api/v1/hosts/$WEB" -H "$A" >"$T_DIR/web1.json"
check "a host in full: identity with reasons, services, changes" jq -e '(.identity | map(.kind) | index("mac")) and (.identity | all(.reason != null)) and (.ports | length == 3) and (.changes | length > 0)' "$T_DIR/web1.json"
call PATCH "/api/v1/hosts/$WEB" -H "$A" -H "$J" -d '{"name":"frontend","description":"the shop","tags":["prod","web"]}' >"$T_DIR/patched.json"
check "a user names a host" jq -e '.name == "frontend" and .user_name == "frontend" and .tags == ["prod", "web"]' "$T_DIR/patched.json"
publish "$N1"   # a rescan: new daemon id, same observations
check "a rescan keeps the user's name" sh -c "curl -sf -H '$A' '$G/api/v1/hosts/$WEB' | jq -e '.name == \"frontend\" and .discovered_name != \"frontend\"' >/dev/null"
check "views show the user's name" sh -c "curl -sf -H '$A' '$G$V/l2' | jq -e '[.nodes[] | select(.label == \"frontend\")] | length == 1' >/dev/null"
# A host a scan cannot join: a second address seen only by ICMP; the user merges it.
cat >"$T_DIR/extra.json" <<JSON
[{"observations": [{"observed_at_ms": 1700000009000, "host": {"ip": "10.77.1.99", "evidence": "EVIDENCE_ICMP"}},
                   {"observed_at_ms": 1700000009000, "port": {"ip": "10.77.1.99", "protocol": "PROTOCOL_TCP", "port": 8443, "status": "PORT_OPEN"}}]}]
JSON
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$(uuid)" --json "$T_DIR/extra.json"
extra() { [ "$(sql "SELECT count(*) FROM inv.addresses WHERE network_id = '$NET' AND ip = '10.77.1.99'")" -eq 1 ]; }
wait_for 30 extra
OTHERH=$(sql "SELECT host_id FROM inv.addresses WHERE network_id = '$NET' AND ip = '10.77.1.99'")
call POST "/api/v1/hosts/$WEB/merge" -H "$A" -H "$J" -d "{\"other\":\"$OTHERH\"}" >"$T_DIR/merged.json"
check "a user merges two hosts" jq -e '(.ports | map(.port) | index(8443)) and (.interfaces | map(.addresses[]) | index("10.77.1.99"))' "$T_DIR/merged.json"
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$(uuid)" --json "$T_DIR/extra.json"
sleep 2
check "a later scan respects the merge" test "$(sql "SELECT count(DISTINCT host_id) FROM inv.addresses WHERE network_id = '$NET' AND ip IN ('10.77.1.99', '10.77.1.12')")" -eq 1
call GET "/api/v1/networks/$NET/changes?limit=1000" -H "$A" >"$T_DIR/changes.json"
check "the change log through the API" jq -e '(map(.kind) | index("host_appeared")) and (map(.kind) | index("user_edited")) and (map(.kind) | index("hosts_merged"))' "$T_DIR/changes.json"
check "changes since a time" sh -c "curl -sf -H '$A' '$G/api/v1/networks/$NET/changes?since=2100-01-01T00:00:00Z' | jq -e 'length == 0' >/dev/null"
"$BIN/scanopy-gateway" --print-routes >"$T_DIR/routes.txt"
check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$ROOT/svc-gateway/api/openapi.json" "$T_DIR/responses.jsonl"

# Views rendered ahead: once changes pause, the unfiltered views come from the
# topology service's cache, the same graph as rendered per request (here the
# subnet filter 0.0.0.0/0, which keeps everything of this IPv4-only model),
# with a tag that a revalidation answers with 304. A batch applied: the last
# rendering at once, saying how far behind it is (or, asked for a current
# view, the model); a user's rename shows at once, from the model until the
# cache has caught up.
hdrs() { curl -s -D - -o /dev/null -H "$A" "$@" | tr -d '\r'; }
hdr() { awk -F': ' -v h="$1" 'tolower($1) == h {print $2}'; }
# Served from the cache, and current (no generation behind).
cached() { local h; h=$(hdrs "$G$V/$1"); [ "$(hdr x-scanopy-view-source <<<"$h")" = cache ] && [ "$(hdr x-scanopy-view-behind <<<"$h")" = 0 ]; }
all_cached() { for v in l2 l3 workloads applications; do cached "$v" || return 1; done; }
check "the four views are rendered ahead once changes pause" wait_for 30 all_cached
check "the model is IPv4 only, every host addressed (so 0.0.0.0/0 filters nothing)" \
	test "$(sql "SELECT count(*) FROM inv.hosts h WHERE network_id = '$NET' AND NOT EXISTS (SELECT 1 FROM inv.addresses a WHERE a.host_id = h.id AND family(a.ip) = 4)") $(sql "SELECT count(*) FROM inv.addresses WHERE network_id = '$NET' AND family(ip) = 6")" = "0 0"
for v in l2 l3 workloads applications; do
	curl -sf -H "$A" "$G$V/$v" | jq -S '{nodes: (.nodes | sort_by(.id)), edges: (.edges | sort_by(.id))}' >"$T_DIR/cached.$v"
	curl -sf -H "$A" "$G$V/$v?subnet=0.0.0.0/0" | jq -S '{nodes: (.nodes | sort_by(.id)), edges: (.edges | sort_by(.id))}' >"$T_DIR/live.$v"
	check "the cached $v view is the view rendered per request" \
		sh -c "jq -e '.nodes | length > 0' '$T_DIR/cached.$v' >/dev/null && cmp -s '$T_DIR/cached.$v' '$T_DIR/live.$v'"
done
check "a cached view goes gzip to a client that takes it" \
	sh -c "curl -s -D - -o /dev/null --compressed -H '$A' '$G$V/l2' | tr -d '\r' | grep -qix 'content-encoding: gzip' && curl -sf --compressed -H '$A' '$G$V/l2' | jq -S '{nodes: (.nodes | sort_by(.id)), edges: (.edges | sort_by(.id))}' | cmp -s - '$T_DIR/cached.l2'"
TAG=$(curl -s -D - -o /dev/null -H "$A" "$G$V/l3" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}')
check "a cached view revalidates: 304" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$A" -H "If-None-Match: $TAG" "$G$V/l3")" -eq 304
curl -sN -H "$A" "$G/api/v1/events?network_id=$NET" >"$T_DIR/events.txt" 2>/dev/null &
EVPID=$!
wait_for 10 grep -q ": connected" "$T_DIR/events.txt"
cat >"$T_DIR/new.json" <<JSON
[{"observations": [{"observed_at_ms": 1700000010000, "host": {"ip": "10.77.1.98", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$(uuid)" --json "$T_DIR/new.json"
newhost() { [ "$(sql "SELECT count(*) FROM inv.addresses WHERE network_id = '$NET' AND ip = '10.77.1.98'")" -eq 1 ]; }
wait_for 30 newhost
has98='[.nodes[] | .data.addresses // [] | .[]] | index("10.77.1.98") != null'
curl -s -D "$T_DIR/behind.h" -o "$T_DIR/behind.json" -H "$A" "$G$V/l3"
B=$(tr -d '\r' <"$T_DIR/behind.h" | hdr x-scanopy-view-behind)
# Whether the refresher has rendered it yet depends on timing: the answer
# says which. Current, it has the batch; behind, it may or may not (the
# batch's generation may have been rendered and a later change, such as the
# daemon's own sighting, moved the network on), and a request for a current
# view below must show it.
check "a batch just applied: at once from the cache, current with the batch or behind" \
	sh -c "[ '$(tr -d '\r' <"$T_DIR/behind.h" | hdr x-scanopy-view-source)' = cache ] &&
		tr -d '\r' <'$T_DIR/behind.h' | grep -qix 'x-scanopy-view-age-ms: [0-9][0-9]*' &&
		if [ '$B' = 0 ]; then jq -e '$has98' '$T_DIR/behind.json' >/dev/null; else [ '$B' -ge 1 ]; fi"
check "asked for a current view (Cache-Control: no-cache), the batch shows at once" \
	sh -c "curl -sf -H '$A' -H 'Cache-Control: no-cache' '$G$V/l3' | jq -e '$has98' >/dev/null"
check "a filtered view is rendered per request, current" \
	sh -c "curl -sf -H '$A' '$G$V/l3?subnet=0.0.0.0/0' | jq -e '$has98' >/dev/null"
l3_cached() { cached l3; }
check "then the cache catches up" wait_for 30 l3_cached
check "and shows it too" sh -c "curl -sf -H '$A' '$G$V/l3' | jq -e '$has98' >/dev/null"
# Just rendered, then a scan's change (its generation bump, as an apply
# makes it): for the next 2.5 s (the debounce) the rendering is behind.
BTAG=$(hdrs "$G$V/l3" | hdr etag)
sql "SELECT inv.view_touch_scan('$ORG', '$NET')" >/dev/null
H=$(hdrs "$G$V/l3")
check "a scan's change pending: the last rendering at once, from the cache" test "$(hdr x-scanopy-view-source <<<"$H")" = cache
check "saying it is behind (changes) and how old it is (ms)" \
	bash -c "grep -qix 'x-scanopy-view-behind: [1-9][0-9]*' <<<'$H' && grep -qix 'x-scanopy-view-age-ms: [0-9][0-9]*' <<<'$H' && grep -qx 'ETag: $BTAG' <<<'$H'"
check "it revalidates: 304" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$A" -H "If-None-Match: $BTAG" "$G$V/l3")" -eq 304
check "asked for a current view, it is rendered per request" \
	test "$(hdrs -H 'Cache-Control: no-cache' "$G$V/l3" | hdr x-scanopy-view-source)" = live
check "and the last rendering's tag no longer matches" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$A" -H 'Cache-Control: no-cache' -H "If-None-Match: $BTAG" "$G$V/l3")" -eq 200
# A user's edit (its bump, as the edits' triggers make it): never the last
# rendering (per request, or the refresher's new one if it is that quick),
# and rendered ahead without waiting for changes to pause.
sql "SELECT inv.view_touch('$ORG', '$NET')" >/dev/null
check "a user's edit pending: never a rendering behind it" \
	test "$(hdrs "$G$V/l3" | hdr x-scanopy-view-behind)" = 0
check "and rendered ahead at once" wait_for 10 l3_cached
NEWH=$(sql "SELECT host_id FROM inv.addresses WHERE network_id = '$NET' AND ip = '10.77.1.98'")
# Hosts that disappeared: the lab's (last seen in 2023) and this new one,
# each recorded once, announced on the network's events; seen again, back.
gone98() { [ "$(sql "SELECT count(*) FROM inv.changes WHERE host_id = '$NEWH' AND kind = 'host_disappeared'")" -eq 1 ]; }
check "a host not seen for 7 days has disappeared" wait_for 10 gone98
ngone() { sql "SELECT count(*) FROM inv.changes WHERE network_id = '$NET' AND kind = 'host_disappeared'"; }
before=$(ngone)
sleep 2 # four more sweeps
check "every host not seen for 7 days has disappeared" \
	test "$(sql "SELECT count(*) FROM inv.hosts h WHERE network_id = '$NET' AND last_seen < now() - interval '7 days' AND (gone_at IS NULL OR NOT EXISTS (SELECT 1 FROM inv.changes c WHERE c.host_id = h.id AND c.kind = 'host_disappeared'))")" -eq 0
check "and only once (later sweeps record nothing more)" test "$(ngone)" -eq "$before"
check "the disappearance is announced on the network's events" \
	sh -c "grep '^data: ' '$T_DIR/events.txt' | grep -qi 'hosts_\?disappeared'"
kill "$EVPID" 2>/dev/null
cat >"$T_DIR/back.json" <<JSON
[{"observations": [{"observed_at_ms": $(( $(date +%s) * 1000 )), "host": {"ip": "10.77.1.98", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$(uuid)" --json "$T_DIR/back.json"
back98() { [ "$(sql "SELECT gone_at IS NULL AND last_seen > now() - interval '1 hour' FROM inv.hosts WHERE id = '$NEWH'")" = t ]; }
check "seen again, it is back" wait_for 30 back98
curl -sf -o /dev/null -X PATCH -H "$A" -H "$J" -d '{"name":"renamed-98"}' "$G/api/v1/hosts/$NEWH"
check "a rename shows in the view at once" sh -c "curl -sf -H '$A' '$G$V/l3' | jq -e '[.nodes[] | select(.label == \"renamed-98\")] | length == 1' >/dev/null"
# A host about to turn stale (last seen 7 days less 8 seconds ago): the
# cached view shows it fresh, and stale once that time has passed.
cat >"$T_DIR/old.json" <<JSON
[{"observations": [{"observed_at_ms": $(( ($(date +%s) - 7 * 86400 + 8) * 1000 )), "host": {"ip": "10.77.1.97", "evidence": "EVIDENCE_ICMP"}}]}]
JSON
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$(uuid)" --json "$T_DIR/old.json"
stale97() { curl -sf -H "$A" "$G$V/l3" | jq -e --argjson s "$1" '[.nodes[] | select(.data.addresses // [] | index("10.77.1.97"))] | length == 1 and all(.stale == $s)' >/dev/null; }
fresh_cached() { l3_cached && stale97 false; }
check "a host about to turn stale: fresh in the cached view" wait_for 30 fresh_cached
sleep 9
check "and stale once its time has come" stale97 true
# Users' edits the topology service never sees invalidate the cache too.
check "the cache catches up once more" wait_for 30 l3_cached
curl -sf -o /dev/null -X PATCH -H "$A" -H "$J" -d '{"tags":["cache-probe"]}' "$G/api/v1/hosts/$NEWH"
check "a tag edit shows in the view at once" sh -c "curl -sf -H '$A' '$G$V/l3' | jq -e '[.nodes[] | select(.data.tags // [] | index(\"cache-probe\"))] | length == 1' >/dev/null"
apps_cached() { cached applications; }
check "the applications view is rendered ahead" wait_for 30 apps_cached
curl -sf -o /dev/null -X POST -H "$A" -H "$J" -d "{\"network_id\":\"$NET\",\"name\":\"cache-probe-app\"}" "$G/api/v1/applications"
check "a user's new application shows in the view at once" sh -c "curl -sf -H '$A' '$G$V/applications' | jq -e '[.nodes[] | select(.label == \"cache-probe-app\")] | length == 1' >/dev/null"

# A host heard on IPv4 and by NDP on its IPv6 link-local address: one host,
# two addresses, still a host (a link-local address is in no subnet: every
# link has fe80::/64, which would make it a router between two subnets).
cat >"$T_DIR/ll.json" <<JSON
[{"observations": [{"observed_at_ms": 1700000020000, "host": {"ip": "10.77.1.97", "mac": "00:16:3e:77:01:97", "evidence": "EVIDENCE_ARP"}},
 {"observed_at_ms": 1700000020000, "host": {"ip": "fe80::216:3eff:fe77:197", "mac": "00:16:3e:77:01:97", "evidence": "EVIDENCE_NDP"}}]}]
JSON
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$(uuid)" --json "$T_DIR/ll.json"
ll_applied() { [ "$(sql "SELECT count(*) FROM inv.addresses WHERE network_id = '$NET' AND ip = 'fe80::216:3eff:fe77:197'")" -eq 1 ]; }
wait_for 30 ll_applied
ll_host() { sql "SELECT h.kind || ' ' || (SELECT count(*) FROM inv.addresses a WHERE a.host_id = h.id) || ' ' || (SELECT count(*) FROM inv.addresses a WHERE a.host_id = h.id AND a.subnet_id IS NULL) FROM inv.hosts h JOIN inv.addresses a ON a.host_id = h.id AND a.ip = '10.77.1.97'"; }
ll_settled() { [ "$(ll_host)" = "host 2 1" ]; }
check "a host with an IPv6 link-local address: one host, still a host, that address in no subnet" wait_for 15 ll_settled
check "and no link-local subnet is made" test "$(sql "SELECT count(*) FROM inv.subnets WHERE network_id = '$NET' AND cidr <<= 'fe80::/10'")" -eq 0

# Tenancy in SQL: another organisation's setting sees none of it.
OTHER=$(uuid)
for t in hosts host_identities addresses interfaces ports links subnets workloads applications changes fdb neighbors arp if_entries view_cache view_state; do
	check "another organisation reads nothing from inv.$t" \
		test "$(sql "BEGIN; SELECT set_config('scanopy.org_id', '$OTHER', true); SET LOCAL ROLE scanopy_tenant; SELECT count(*) FROM inv.$t; COMMIT" | grep -x '[0-9]*' | tail -n 1)" -eq 0
done
for t in hosts view_cache; do
	check "while its own organisation reads its inv.$t" \
		test "$(sql "BEGIN; SELECT set_config('scanopy.org_id', '$ORG', true); SET LOCAL ROLE scanopy_tenant; SELECT count(*) FROM inv.$t; COMMIT" | grep -x '[0-9]*' | tail -n 1)" -gt 0
done
finish
