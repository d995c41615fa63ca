#!/usr/bin/env bash
# Users' applications through the gateway, on the lab-shaped model of
# topo_fixture.py (compose projects shop and legacy): a user's application
# with members (a container, a host, a service) and dependencies, their own
# name and members on an inferred application, the applications view and the
# change log; viewers, members held to another network and another
# organisation refused; the same scans again (and a compose project gone)
# leave every user's row as it was. Also GET /api-keys: an owner sees every
# key of the organisation, users' and daemons', never a secret; others their
# own. Every response is held to the OpenAPI document.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap apps
python3 "$ROOT/tests/integration/topo_fixture.py" >"$T_DIR/fx.json"
NB=$(jq length "$T_DIR/fx.json")
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
publish() {
	"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
		--daemon-id "$(uuid)" --json "$T_DIR/fx.json"
}
publish
applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$NET'")" -ge "$1" ]; }
check "the fixture's $NB batches are applied" wait_for 90 applied "$NB"

# call METHOD PATH [curl args]: "<status> <body>", the exchange recorded for
# the OpenAPI check.
call() {
	local m=$1 p=$2; shift 2
	: >"$T_DIR/body"
	curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$m" "$G$p" "$@" >"$T_DIR/code"
	jq -cn --arg m "$m" --arg p "$p" --argjson s "$(cat "$T_DIR/code")" \
		--rawfile b "$T_DIR/body" '{method: $m, path: $p, status: $s, body: $b}' >>"$T_DIR/responses.jsonl"
	echo "$(cat "$T_DIR/code") $(cat "$T_DIR/body")"
}
status_is() { [ "${2%% *}" = "$1" ]; }
body() { echo "${1#* }"; }
# is STATUS JQ OUT: the status, and the body holds to the jq filter.
is() { status_is "$1" "$3" && body "$3" | jq -e "$2" >/dev/null; }

# People: a viewer, and a member held to a second network.
NET2=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks" -d '{"name":"apps-two"}' | jq -r .id)
person() { # EMAIL ROLE: a user's key header
	local id login
	id=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/users" \
		-d "{\"email\":\"$1\",\"password\":\"long enough pw\",\"role\":\"$2\"}" | jq -r .id)
	curl -sf -c "$T_DIR/jar-$2" -XPOST "$G/api/v1/auth/login" -H "$J" \
		-d "{\"email\":\"$1\",\"password\":\"long enough pw\"}" >"$T_DIR/login-$2"
	echo "$id Authorization: Bearer $(curl -sf -b "$T_DIR/jar-$2" -H "X-CSRF-Token: $(jq -r .csrf_token "$T_DIR/login-$2")" \
		-XPOST "$G/api/v1/api-keys" -H "$J" -d "{\"name\":\"$2 key\"}" | jq -r .key)"
}
read -r VID V <<<"$(person viewer@test.example viewer)"
read -r MID M <<<"$(person member@test.example member)"
curl -sf -XPATCH -H "$A" -H "$J" "$G/api/v1/users/$MID" -d '{"all_networks":false}' >/dev/null
curl -sf -XPUT -H "$A" "$G/api/v1/networks/$NET2/access/$MID" >/dev/null

# What a scan found: a container of shop, a host with a service, the shop
# and legacy applications.
WEB=$(curl -sf -H "$A" "$G/api/v1/workloads?network_id=$NET&q=shop-web" | jq -r '.[0].id')
SVC=$(curl -sf -H "$A" "$G/api/v1/services?network_id=$NET&limit=1" | jq -c '.[0]')
SH=$(jq -r .host_id <<<"$SVC") SPROTO=$(jq -r .protocol <<<"$SVC") SPORT=$(jq -r .port <<<"$SVC")
HOST2=$(curl -sf -H "$A" "$G/api/v1/hosts?network_id=$NET&limit=100" | jq -r --arg h "$SH" '[.[] | select(.id != $h)][0].id')
SHOP=$(curl -sf -H "$A" "$G/api/v1/applications?network_id=$NET&q=shop" | jq -r '.[0].id')
check "the scan gave a container, a service, another host and the shop application" \
	eval 'is_uuid "$WEB" && is_uuid "$SH" && is_uuid "$HOST2" && is_uuid "$SHOP" && [ "$SPORT" -gt 0 ]'

# A user's application.
new_app() { call POST /api/v1/applications -H "$1" -H "$J" -d "$2"; }
check "a viewer cannot create an application" status_is 403 \
	"$(new_app "$V" "{\"network_id\":\"$NET\",\"name\":\"Billing\"}")"
out=$(new_app "$A" "{\"network_id\":\"$NET\",\"name\":\" Billing \",\"description\":\"invoices\",\"tags\":[\"prod\",\"finance\"]}")
check "a user creates an application" is 201 '.source == "user" and .name == "Billing" and .description == "invoices" and .tags == ["prod","finance"] and .members == [] and .dependencies == []' "$out"
BILL=$(body "$out" | jq -r .id)
check "a second of that name in the network is a conflict" status_is 409 \
	"$(new_app "$A" "{\"network_id\":\"$NET\",\"name\":\"Billing\"}")"
check "an unknown network is refused, naming the field" is 422 '.error.field == "network_id"' \
	"$(new_app "$A" "{\"network_id\":\"$(uuid)\",\"name\":\"Ghost\"}")"
check "a blank name is refused" is 422 '.error.field == "name"' \
	"$(new_app "$A" "{\"network_id\":\"$NET\",\"name\":\"  \"}")"

# Members: a container, a host, a service of a host.
add_member() { call POST "/api/v1/applications/$1/members" -H "${3:-$A}" -H "$J" -d "$2"; }
check "a container joins it" is 201 '[.members[] | select(.source == "user" and .kind == "workload")] | length == 1' \
	"$(add_member "$BILL" "{\"workload_id\":\"$WEB\",\"role\":\"frontend\"}")"
check "a host joins it" status_is 201 "$(add_member "$BILL" "{\"host_id\":\"$HOST2\"}")"
out=$(add_member "$BILL" "{\"host_id\":\"$SH\",\"protocol\":\"$SPROTO\",\"port\":$SPORT,\"role\":\"db\"}")
check "a service of a host joins it, named" is 201 \
	"[.members[] | select(.kind == \"service\" and .port == $SPORT and .host_id == \"$SH\" and (.name | length > 0))] | length == 1" "$out"
SVCM=$(body "$out" | jq -r '.members[] | select(.kind == "service") | .id')
check "the same member twice is a conflict" status_is 409 "$(add_member "$BILL" "{\"host_id\":\"$HOST2\"}")"
check "a host not in the network is refused" is 422 '.error.field == "host_id"' \
	"$(add_member "$BILL" "{\"host_id\":\"$(uuid)\"}")"
check "a port the host does not serve is refused" is 422 '.error.field == "port"' \
	"$(add_member "$BILL" "{\"host_id\":\"$SH\",\"protocol\":\"udp\",\"port\":9}")"
check "a viewer cannot add members" status_is 403 "$(add_member "$BILL" "{\"host_id\":\"$SH\"}" "$V")"

# The inferred application: a user's name, description and a member of its own.
out=$(call PATCH "/api/v1/applications/$SHOP" -H "$A" -H "$J" -d '{"name":"Storefront","description":"the shop","tags":["web"]}')
check "a user names an inferred application" is 200 '.name == "Storefront" and .discovered_name == "shop" and .source == "compose" and .description == "the shop"' "$out"
out=$(add_member "$SHOP" "{\"host_id\":\"$HOST2\",\"role\":\"cache\"}")
check "and adds a member to it beside the inferred ones" is 201 '([.members[] | select(.source == "inferred")] | length) >= 2 and ([.members[] | select(.source == "user")] | length) == 1' "$out"
SHOPM=$(body "$out" | jq -r '.members[] | select(.source == "user") | .id')
check "a viewer cannot rename it" status_is 403 "$(call PATCH "/api/v1/applications/$SHOP" -H "$V" -H "$J" -d '{"name":"x"}')"
check "a user's application keeps a name" is 422 '.error.field == "name"' \
	"$(call PATCH "/api/v1/applications/$BILL" -H "$A" -H "$J" -d '{"name":null}')"

# Dependencies.
add_dep() { call POST "/api/v1/applications/$1/dependencies" -H "${3:-$A}" -H "$J" -d "$2"; }
out=$(add_dep "$BILL" "{\"target_application_id\":\"$SHOP\",\"description\":\"orders\"}")
check "Billing depends on the shop" is 201 "[.dependencies[] | select(.inferred == false and .target_application_id == \"$SHOP\" and .source == \"$BILL\")] | length == 1" "$out"
DEP=$(body "$out" | jq -r '.dependencies[] | select(.inferred == false) | .id')
out=$(add_dep "$BILL" "{\"target_application_id\":\"$SHOP\",\"source_member_id\":\"$SVCM\",\"target_member_id\":\"$SHOPM\",\"kind\":\"reads_from\"}")
check "and its service on the shop's cache" is 201 "[.dependencies[] | select(.source == \"$SVCM\" and .target == \"$SHOPM\" and .kind == \"reads_from\")] | length == 1" "$out"
check "the shop lists the dependency on it" sh -c "curl -sf -H '$A' $G/api/v1/applications/$SHOP | jq -e '[.dependencies[] | select(.id == \"$DEP\")] | length == 1' >/dev/null"
check "the same dependency twice is a conflict" status_is 409 "$(add_dep "$BILL" "{\"target_application_id\":\"$SHOP\"}")"
check "an application cannot depend on itself" is 422 '.error.field == "target_application_id"' \
	"$(add_dep "$BILL" "{\"target_application_id\":\"$BILL\"}")"
check "a member of another application is refused" is 422 '.error.field == "source_member_id"' \
	"$(add_dep "$BILL" "{\"target_application_id\":\"$SHOP\",\"source_member_id\":\"$SHOPM\"}")"
check "a viewer cannot add dependencies" status_is 403 "$(add_dep "$SHOP" "{\"target_application_id\":\"$BILL\"}" "$V")"
check "but reads them" is 200 '.name == "Billing" and (.dependencies | length) == 2' "$(call GET "/api/v1/applications/$BILL" -H "$V")"
check "lists filter by tag" is 200 "map(.id) == [\"$BILL\"]" "$(call GET "/api/v1/applications?network_id=$NET&tag=finance" -H "$A")"

# The applications view: users' members and edges marked as theirs.
VIEW=/api/v1/networks/$NET/views/applications
call GET "$VIEW" -H "$A" | cut -d' ' -f2- >"$T_DIR/view.json"
jqv() { jq -e "$@" >/dev/null; }
check "the view shows Billing with its three members" jqv --arg b "a:$BILL" \
	'([.nodes[] | select(.parent == $b and .data.source == "user")] | map(.kind) | sort) == ["container", "host", "service"]' "$T_DIR/view.json"
check "the shop under its user's name, its containers as inferred" jqv --arg s "a:$SHOP" \
	'([.nodes[] | select(.id == $s) | .label] == ["Storefront"]) and ([.nodes[] | select(.parent == $s and .data.source == "inferred")] | length) >= 2' "$T_DIR/view.json"
check "users' dependencies are edges marked user, inferred ones inferred" jqv --arg b "a:$BILL" --arg s "a:$SHOP" \
	'([.edges[] | select(.kind == "depends" and .data.source == "user")] | length) == 2 and ([.edges[] | select(.kind == "depends" and .data.source == "user" and .source == $b and .target == $s)] | length) == 1 and ([.edges[] | select(.kind == "depends" and .data.source == "inferred" and .data.inferred)] | length) >= 1' "$T_DIR/view.json"
check "every edge joins two nodes of the view" jqv '[.nodes[].id] as $n | all(.edges[]; (.source as $s | $n | index($s)) != null and (.target as $t | $n | index($t)) != null)' "$T_DIR/view.json"

# The change log says who did what.
check "the change log has each kind of user's change" sh -c "curl -sf -H '$A' '$G/api/v1/networks/$NET/changes?limit=1000' | jq -e '[.[].kind] as \$k | all(\"application_created\", \"application_member_added\", \"application_edited\", \"application_dependency_added\"; . as \$x | \$k | index(\$x) != null)' >/dev/null"

# A member held to the other network sees none of it, and writes nothing there.
check "a member held to another network cannot read it" status_is 404 "$(call GET "/api/v1/applications/$BILL" -H "$M")"
check "nor edit it" status_is 404 "$(call PATCH "/api/v1/applications/$BILL" -H "$M" -H "$J" -d '{"description":"x"}')"
check "nor add to it" status_is 404 "$(add_member "$BILL" "{\"host_id\":\"$SH\"}" "$M")"
check "nor create one in it" is 422 '.error.field == "network_id"' "$(new_app "$M" "{\"network_id\":\"$NET\",\"name\":\"Sneaky\"}")"
out=$(new_app "$M" "{\"network_id\":\"$NET2\",\"name\":\"Theirs\"}")
check "but creates one in its own network" status_is 201 "$out"
THEIRS=$(body "$out" | jq -r .id)
check "which cannot depend on an application of a network it cannot see" is 422 '.error.field == "target_application_id"' \
	"$(add_dep "$THEIRS" "{\"target_application_id\":\"$BILL\"}" "$M")"
check "and lists only its own network's" is 200 "map(.id) == [\"$THEIRS\"]" "$(call GET /api/v1/applications -H "$M")"

# Another organisation: nothing of ours, by id or by list.
ORG_B=$(uuid) USER_B=$(uuid) KEY_B=scp_u_second_org_key_for_applications_test_01
sql "INSERT INTO core.organizations (id, name) VALUES ('$ORG_B', 'Other');
     INSERT INTO core.users (id, org_id, email, password_hash, role) VALUES ('$USER_B', '$ORG_B', 'b@other.test', 'x', 'owner');
     INSERT INTO core.api_keys (org_id, scope, user_id, prefix, key_hash) VALUES ('$ORG_B', 'user', '$USER_B', 'scp_u_seco', decode('$(printf %s "$KEY_B" | sha256sum | cut -d' ' -f1)', 'hex'))" >/dev/null
B="Authorization: Bearer $KEY_B"
NETB=$(curl -sf -XPOST -H "$B" -H "$J" "$G/api/v1/networks" -d '{"name":"b-net"}' | jq -r .id)
check "another organisation cannot read our application" status_is 404 "$(call GET "/api/v1/applications/$BILL" -H "$B")"
check "nor list it" is 200 'length == 0' "$(call GET /api/v1/applications -H "$B")"
check "nor rename it" status_is 404 "$(call PATCH "/api/v1/applications/$SHOP" -H "$B" -H "$J" -d '{"name":"pwned"}')"
check "nor delete it" status_is 404 "$(call DELETE "/api/v1/applications/$BILL" -H "$B")"
check "nor remove its members" status_is 404 "$(call DELETE "/api/v1/applications/$BILL/members/$SVCM" -H "$B")"
check "nor create one in our network" is 422 '.error.field == "network_id"' "$(new_app "$B" "{\"network_id\":\"$NET\",\"name\":\"Evil\"}")"
BAPP=$(curl -sf -XPOST -H "$B" -H "$J" "$G/api/v1/applications" -d "{\"network_id\":\"$NETB\",\"name\":\"Theirs\"}" | jq -r .id)
check "nor make its own depend on ours" is 422 '.error.field == "target_application_id"' \
	"$(add_dep "$BAPP" "{\"target_application_id\":\"$BILL\"}" "$B")"
check "nor add our hosts to its own" is 422 '.error.field == "host_id"' "$(add_member "$BAPP" "{\"host_id\":\"$SH\"}" "$B")"
check "and its view of our network is empty" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H '$B' '$G$VIEW')\" = 404 ] || curl -sf -H '$B' '$G$VIEW' | jq -e '.nodes == []' >/dev/null"
check "SQL as the other organisation sees no row of ours" test "$(sql "BEGIN; SET LOCAL ROLE scanopy_tenant; SELECT set_config('scanopy.org_id', '$ORG_B', true);
	SELECT (SELECT count(*) FROM inv.application_user_members WHERE network_id = '$NET') + (SELECT count(*) FROM inv.application_dependencies WHERE network_id = '$NET'); COMMIT;" | tail -1)" = 0

# The same scans again, from another daemon: every user's row stays.
snapshot() {
	sql "SELECT a.id, a.name, a.user_name, a.description, a.tags, (SELECT string_agg(m.id || m.kind || coalesce(m.role, ''), ',' ORDER BY m.id) FROM inv.application_user_members m WHERE m.application_id = a.id),
	            (SELECT string_agg(d.id || d.kind, ',' ORDER BY d.id) FROM inv.application_dependencies d WHERE d.source_app = a.id)
	     FROM inv.applications a WHERE a.network_id = '$NET' AND a.id IN ('$BILL', '$SHOP') ORDER BY a.id"
}
snapshot >"$T_DIR/before"
publish
check "the rescan's batches are applied" wait_for 90 applied $((2 * NB))
snapshot >"$T_DIR/after"
check "a rescan leaves users' applications, names, members and dependencies as they were" \
	sh -c "[ -s '$T_DIR/before' ] && [ \"\$(wc -l <'$T_DIR/before')\" = 2 ] && cmp '$T_DIR/before' '$T_DIR/after'"
check "and the shop still has its inferred members" is 200 '([.members[] | select(.source == "inferred")] | length) >= 2 and .name == "Storefront"' \
	"$(call GET "/api/v1/applications/$SHOP" -H "$A")"
# Both compose projects gone (as a scan would find): legacy, which no user
# touched, goes; the shop, which a user made theirs, stays with their rows.
sql "UPDATE inv.workloads SET project = NULL WHERE network_id = '$NET'; SELECT inv.rebuild_applications('$NET')" >/dev/null
check "a project gone takes an untouched inferred application with it" test \
	"$(sql "SELECT count(*) FROM inv.applications WHERE network_id = '$NET' AND source = 'compose' AND name = 'legacy'")" = 0
snapshot >"$T_DIR/gone"
check "but not one a user made theirs" cmp "$T_DIR/before" "$T_DIR/gone"

# A merge (a user's here; scans merge the same way): members users made of
# the merged host follow it; a member the other host already was absorbs
# its twin and the twin's dependency.
out=$(add_member "$SHOP" "{\"host_id\":\"$SH\"}")
check "the shop also has the service's host as a member" status_is 201 "$out"
SHOPM2=$(body "$out" | jq -r --arg h "$SH" '.members[] | select(.source == "user" and .host_id == $h) | .id')
check "a user merges the other host into it" status_is 200 \
	"$(call POST "/api/v1/hosts/$SH/merge" -H "$A" -H "$J" -d "{\"other\":\"$HOST2\"}")"
check "Billing's host member follows the merge" is 200 \
	"[.members[] | select(.source == \"user\" and .kind == \"host\") | .host_id] == [\"$SH\"]" \
	"$(call GET "/api/v1/applications/$BILL" -H "$A")"
check "the shop's twin members fold into one, its dependency kept" is 200 \
	"([.members[] | select(.source == \"user\") | .id] == [\"$SHOPM2\"]) and ([.dependencies[] | select(.source == \"$SVCM\" and .target == \"$SHOPM2\")] | length == 1)" \
	"$(call GET "/api/v1/applications/$SHOP" -H "$A")"
SHOPM=$SHOPM2

# Removing: users' members and dependencies; inferred applications stay.
check "a user removes a dependency" status_is 204 "$(call DELETE "/api/v1/applications/$SHOP/dependencies/$DEP" -H "$A")"
check "which is then gone" status_is 404 "$(call DELETE "/api/v1/applications/$SHOP/dependencies/$DEP" -H "$A")"
check "a viewer cannot remove a member" status_is 403 "$(call DELETE "/api/v1/applications/$SHOP/members/$SHOPM" -H "$V")"
check "a user removes a member (its dependency goes with it)" status_is 204 "$(call DELETE "/api/v1/applications/$SHOP/members/$SHOPM" -H "$A")"
check "Billing has no dependency left" is 200 '.dependencies == []' "$(call GET "/api/v1/applications/$BILL" -H "$A")"
check "an inferred application cannot be deleted" status_is 409 "$(call DELETE "/api/v1/applications/$SHOP" -H "$A")"
check "a viewer cannot delete one" status_is 403 "$(call DELETE "/api/v1/applications/$BILL" -H "$V")"
check "a user deletes theirs" status_is 204 "$(call DELETE "/api/v1/applications/$BILL" -H "$A")"
check "which is then gone, with its members" eval '[ "$(call GET "/api/v1/applications/$BILL" -H "$A" | cut -d" " -f1)" = 404 ] && [ "$(sql "SELECT count(*) FROM inv.application_user_members WHERE application_id = '"'$BILL'"'")" = 0 ]'
check "the deletion is in the change log" sh -c "curl -sf -H '$A' '$G/api/v1/networks/$NET/changes?limit=1000' | jq -e '[.[] | select(.kind == \"application_deleted\" and .detail.application_id == \"$BILL\")] | length == 1' >/dev/null"

# API keys: the organisation's, for its owner; one's own for others.
KEYS=$(call GET /api/v1/api-keys -H "$A")
check "an owner lists every key of the organisation, users' and daemons'" is 200 \
	"([.[] | select(.scope == \"daemon\" and .network_id == \"$NET\" and .network == \"apps\")] | length) == 1 and ([.[] | select(.scope == \"user\")] | map(.user) | sort) == [\"member@test.example\", \"o@test.example\", \"viewer@test.example\"]" "$KEYS"
check "with when each was last used" is 200 '[.[] | select(.mine)] | length == 1 and (.[0] | has("last_used_at")) and ([.[] | select(.mine and .last_used_at != null)] | length) == 1' "$KEYS"
body "$KEYS" >"$T_DIR/keys.json"
check "and never a key itself" sh -c "! grep -qF -e '${A#Authorization: Bearer }' -e '$DKEY' -e '${V#Authorization: Bearer }' '$T_DIR/keys.json'"
check "no other organisation's key" sh -c "! grep -q 'b@other.test' '$T_DIR/keys.json'"
check "a viewer lists only their own" is 200 'length == 1 and .[0].mine and .[0].user == "viewer@test.example"' "$(call GET /api/v1/api-keys -H "$V")"
check "a member too" is 200 'length == 1 and .[0].user == "member@test.example"' "$(call GET /api/v1/api-keys -H "$M")"

DOC=$ROOT/svc-gateway/api/openapi.json
check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$DOC" "$T_DIR/responses.jsonl"
"$BIN/scanopy-gateway" --print-routes >"$T_DIR/routes.txt"
check "every route is documented, every documented path served" \
	python3 "$ROOT/tests/integration/openapi_check.py" routes "$DOC" "$T_DIR/routes.txt"
finish
