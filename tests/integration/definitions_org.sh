#!/usr/bin/env bash
# An organisation's own fingerprint definitions: listed beside the built-in
# ones, checked by the fingerprint service's loader before they are stored
# (a bad one is refused, naming the problem), delivered to the running
# fingerprint service, and applied to that organisation's observations only:
# the same host is named by the organisation's definition in its network and
# by the built-in one in another organisation's. Updates and deletion apply
# without a restart too.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap defs
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
ORG_B=$(uuid) NET_B=$(uuid) USER_B=$(uuid) KEY_B=scp_u_second_org_key_for_definitions_0123456
sql "INSERT INTO core.organizations (id, name) VALUES ('$ORG_B', 'Other');
     INSERT INTO core.users (id, org_id, email, password_hash, role) VALUES ('$USER_B', '$ORG_B', 'b@other.test', 'x', 'owner');
     INSERT INTO core.api_keys (org_id, scope, user_id, prefix, key_hash) VALUES ('$ORG_B', 'user', '$USER_B', 'scp_u_seco', decode('$(printf %s "$KEY_B" | sha256sum | cut -d' ' -f1)', 'hex'))" >/dev/null
B="Authorization: Bearer $KEY_B"

call() {
	local m=$1 p=$2; shift 2
	: >"$T_DIR/body"
	curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$m" "$G$p" "$@" >"$T_DIR/code"
	jq -cn --arg m "$m" --arg p "$p" --argjson s "$(cat "$T_DIR/code")" \
		--rawfile b "$T_DIR/body" '{method: $m, path: $p, status: $s, body: $b}' >>"$T_DIR/responses.jsonl"
	cat "$T_DIR/body"
}
code() { cat "$T_DIR/code"; }
m() { metric $FP_PORT "$1"; }

published() { call GET /api/v1/definitions -H "$A" >/dev/null && [ "$(code)" = 200 ]; }
check "the built-in definitions are listed once the fingerprint service published them" wait_for 30 published
check "nginx among them, marked built-in" sh -c "curl -sf -H '$A' $G/api/v1/definitions | jq -e 'length > 300 and any(.definition_id == \"nginx\" and .source == \"builtin\" and .category == \"WebServer\")' >/dev/null"

DEF='{"id":"acme-bastion","name":"Acme bastion","category":"NetworkCore","description":"Our jump hosts","ports":[22],"match":{"port":22,"confidence":70}}'
call POST /api/v1/definitions -H "$A" -H "$J" -d "$(echo "$DEF" | sed 's/NetworkCore/Nowhere/')" >/dev/null
check "a definition the loader refuses: 422" test "$(code)" = 422
check "naming the problem" jq -e '.error.field == "definition" and (.error.message | contains("unknown category"))' "$T_DIR/body"
call POST /api/v1/definitions -H "$A" -H "$J" -d '{"name":"no id"}' >/dev/null
check "a definition without an id: 422" test "$(code)" = 422
check "nothing was stored" test "$(sql "SELECT count(*) FROM core.definitions")" -eq 0
call POST /api/v1/definitions -H "$A" -H "$J" -d "$DEF" >"$T_DIR/created.json"
check "a valid definition is created" test "$(code)" = 201
KEY=$(jq -r .id "$T_DIR/created.json")
check "answered with its key and body" jq -e '.definition_id == "acme-bastion" and .definition.name == "Acme bastion"' "$T_DIR/created.json"
call POST /api/v1/definitions -H "$A" -H "$J" -d "$DEF" >/dev/null
check "the same id twice: 409" test "$(code)" = 409
check "listed as the organisation's" sh -c "curl -sf -H '$A' '$G/api/v1/definitions?source=organization' | jq -e 'length == 1 and .[0].definition_id == \"acme-bastion\" and .[0].ports == [\"22/tcp\"]' >/dev/null"
check "read by its key" sh -c "curl -sf -H '$A' '$G/api/v1/definitions/$KEY' | jq -e '.definition_id == \"acme-bastion\"' >/dev/null"
call GET "/api/v1/definitions/$KEY" -H "$A" >/dev/null
check "another organisation does not see it" sh -c "curl -sf -H '$B' '$G/api/v1/definitions?source=organization' | jq -e 'length == 0' >/dev/null"
check "nor read, change or delete it" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -H '$B' $G/api/v1/definitions/$KEY) = 404 ] &&
	[ \$(curl -s -o /dev/null -w '%{http_code}' -XPUT -H '$B' -H '$J' -d '$DEF' $G/api/v1/definitions/$KEY) = 404 ] &&
	[ \$(curl -s -o /dev/null -w '%{http_code}' -XDELETE -H '$B' $G/api/v1/definitions/$KEY) = 404 ]"

loads() { [ "$(m scanopy_fingerprint_org_set_loads_total)" -ge "$1" ] 2>/dev/null; }
check "the running fingerprint service loaded it, no restart" wait_for 60 loads 1
check "for one organisation" test "$(m scanopy_fingerprint_org_sets)" -eq 1

# The same observation (a host with 22/tcp open) in both organisations.
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" --daemon-id "$(uuid)" --count 1
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG_B" --network-id "$NET_B" --daemon-id "$(uuid)" --count 1
svc_def() { sql "SELECT string_agg(s.definition_id, ',' ORDER BY s.definition_id) FROM inv.services s JOIN inv.hosts h ON h.id = s.host_id WHERE h.network_id = '$1'"; }
classified() { [ -n "$(svc_def "$NET")" ] && [ -n "$(svc_def "$NET_B")" ]; }
check "both batches are classified" wait_for 60 classified
check "our organisation's host: named by its own definition" test "$(svc_def "$NET")" = acme-bastion
check "the other organisation's: by the built-in one" test "$(svc_def "$NET_B")" = ssh
check "the API shows it" sh -c "curl -sf -H '$A' '$G/api/v1/services?network_id=$NET&definition_id=acme-bastion' | jq -e 'length == 1 and .[0].name == \"Acme bastion\"' >/dev/null"
call GET "/api/v1/services?network_id=$NET" -H "$A" >/dev/null

# Changed, then removed: each applies without a restart.
call PUT "/api/v1/definitions/$KEY" -H "$A" -H "$J" -d "$(echo "$DEF" | sed 's/Acme bastion/Acme jump host/')" >/dev/null
check "an update is answered with the new body" sh -c "[ $(code) = 200 ] && jq -e '.definition.name == \"Acme jump host\"' '$T_DIR/body' >/dev/null"
check "and loaded" wait_for 60 loads 2
NET2=$(uuid)
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET2" --daemon-id "$(uuid)" --count 1
named() { [ "$(sql "SELECT s.name FROM inv.services s JOIN inv.hosts h ON h.id = s.host_id WHERE h.network_id = '$NET2'")" = "Acme jump host" ]; }
check "new observations get the new name" wait_for 60 named
call DELETE "/api/v1/definitions/$KEY" -H "$A" >/dev/null
check "deleted: 204" test "$(code)" = 204
gone() { [ "$(m scanopy_fingerprint_org_sets)" -eq 0 ]; }
check "the fingerprint service drops the organisation's set" wait_for 60 gone
NET3=$(uuid)
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET3" --daemon-id "$(uuid)" --count 1
builtin() { [ "$(svc_def "$NET3")" = ssh ]; }
check "and the built-in definition names our hosts again" wait_for 60 builtin
call GET "/api/v1/definitions?source=organization" -H "$A" >/dev/null

DOC=$ROOT/svc-gateway/api/openapi.json
"$BIN/scanopy-gateway" --print-routes >"$T_DIR/routes.txt"
check "every route is documented and every documented path served" \
	python3 "$ROOT/tests/integration/openapi_check.py" routes "$DOC" "$T_DIR/routes.txt"
check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$DOC" "$T_DIR/responses.jsonl"
finish
