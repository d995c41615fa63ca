#!/usr/bin/env bash
# Walks the API as a script would: setup, login, keys, a network, a daemon
# key, daemon registration, a batch ingested over HTTP, and the host read back;
# then the refusals: bad credentials, wrong scopes, CSRF, hostile bodies, and
# a second organisation that must see nothing of the first.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT --max-body 65536 --cors-origins "https://ui.example, https://noc.example"
G=http://127.0.0.1:$GW_PORT
J='Content-Type: application/json'

# call METHOD PATH [curl args...]: prints "<status> <body>", and records the
# exchange for the OpenAPI check at the end.
call() {
	local m=$1 p=$2; shift 2
	curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$m" "$G$p" "$@" >"$T_DIR/code"
	jq -cn --arg m "$m" --arg p "$p" --argjson s "$(cat "$T_DIR/code")" \
		--rawfile b "$T_DIR/body" '{method: $m, path: $p, status: $s, body: $b}' >>"$T_DIR/responses.jsonl"
	echo "$(cat "$T_DIR/code") $(cat "$T_DIR/body")"
}
status_is() { [ "${2%% *}" = "$1" ]; }
body() { echo "${1#* }"; }

out=$(call POST /api/v1/setup -H "$J" -d '{"organization":"Acme","email":"Owner@acme.test","password":"correct horse battery"}')
check "setup creates the first organisation and owner" status_is 201 "$out"
ORG=$(body "$out" | jq -r .organization.id)
out=$(call POST /api/v1/setup -H "$J" -d '{"organization":"Evil","email":"e@evil.test","password":"correct horse battery"}')
check "setup runs only once" status_is 409 "$out"
check "a short password is refused, naming the field" sh -c \
	'curl -s -XPOST '"$G"'/api/v1/setup -H "'"$J"'" -d "{\"organization\":\"A\",\"email\":\"a@b.c\",\"password\":\"short\"}" | jq -e ".error.field == \"password\"" >/dev/null'

out=$(call POST /api/v1/auth/login -H "$J" -d '{"email":"owner@acme.test","password":"wrong password!"}')
check "a wrong password is refused" status_is 401 "$out"
curl -s -c "$T_DIR/jar" -XPOST "$G/api/v1/auth/login" -H "$J" \
	-d '{"email":"owner@acme.test","password":"correct horse battery"}' >"$T_DIR/login"
CSRF=$(jq -r .csrf_token "$T_DIR/login")
check "login sets an HttpOnly session cookie" grep -q "#HttpOnly_127.0.0.1" "$T_DIR/jar"
out=$(call POST /api/v1/api-keys -b "$T_DIR/jar" -H "$J" -d '{"name":"script"}')
check "a cookie session without the CSRF token cannot write" status_is 403 "$out"
out=$(call POST /api/v1/api-keys -b "$T_DIR/jar" -H "X-CSRF-Token: $CSRF" -H "$J" -d '{"name":"script"}')
check "an API key is issued to a signed-in user" status_is 201 "$out"
KEY=$(body "$out" | jq -r .key)
A="Authorization: Bearer $KEY"
# bytea comparisons throughout: a hash may hold a NUL byte, which text cannot.
check "the key is stored as its SHA-256" \
	test "$(sql "SELECT count(*) FROM core.api_keys WHERE key_hash = sha256(convert_to('$KEY', 'UTF8'))")" -eq 1
check "and never in clear" \
	test "$(sql "SELECT count(*) FROM core.api_keys WHERE position(convert_to('$KEY', 'UTF8') IN key_hash) > 0 OR prefix = '$KEY'")" -eq 0

# People and roles.
newuser() { call POST /api/v1/users -H "$A" -H "$J" -d "{\"email\":\"$1\",\"password\":\"long enough pw\",\"role\":\"$2\"}"; }
out=$(newuser mia@acme.test member)
check "an owner adds a member" status_is 201 "$out"
MIA=$(body "$out" | jq -r .id)
check "a taken email is a conflict" status_is 409 "$(newuser MIA@acme.test viewer)"
check "an unknown role is refused, naming the field" sh -c "echo '$(newuser z@acme.test root | cut -d' ' -f2-)' | jq -e '.error.field == \"role\"' >/dev/null"
check "users are listed with their roles" sh -c "curl -sf -H '$A' $G/api/v1/users | jq -e 'length == 2 and (map(.role) | sort) == [\"member\", \"owner\"]' >/dev/null"
curl -s -c "$T_DIR/jar-mia" -XPOST "$G/api/v1/auth/login" -H "$J" -d '{"email":"mia@acme.test","password":"long enough pw"}' >"$T_DIR/login-mia"
MKEY=$(curl -s -b "$T_DIR/jar-mia" -H "X-CSRF-Token: $(jq -r .csrf_token "$T_DIR/login-mia")" -XPOST "$G/api/v1/api-keys" | jq -r .key)
M="Authorization: Bearer $MKEY"
check "a member cannot add users" status_is 403 "$(call POST /api/v1/users -H "$M" -H "$J" -d '{"email":"x@acme.test","password":"long enough pw","role":"viewer"}')"
check "nor change roles" status_is 403 "$(call PATCH "/api/v1/users/$MIA" -H "$M" -H "$J" -d '{"role":"admin"}')"
check "an owner makes the member a viewer" status_is 200 "$(call PATCH "/api/v1/users/$MIA" -H "$A" -H "$J" -d '{"role":"viewer"}')"
check "and the viewer can read" status_is 200 "$(call GET /api/v1/networks -H "$M")"
check "but not write" status_is 403 "$(call POST /api/v1/networks -H "$M" -H "$J" -d '{"name":"Nope"}')"
OWNER=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .id)
check "the last owner cannot step down" status_is 409 "$(call PATCH "/api/v1/users/$OWNER" -H "$A" -H "$J" -d '{"role":"admin"}')"
check "nor be removed" status_is 409 "$(call DELETE "/api/v1/users/$OWNER" -H "$A")"
check "a user's own keys are listed, never in clear" sh -c "curl -sf -H '$M' $G/api/v1/api-keys | jq -e 'length == 1 and (.[0].prefix | length) == 10 and (tostring | contains(\"$MKEY\") | not)' >/dev/null"
MKID=$(curl -sf -H "$M" "$G/api/v1/api-keys" | jq -r '.[0].id')
check "someone else's key cannot be revoked" status_is 404 "$(call DELETE "/api/v1/api-keys/$MKID" -H "$A")"
check "a user revokes their own key" status_is 204 "$(call DELETE "/api/v1/api-keys/$MKID" -H "$M")"
check "which then stops working" status_is 401 "$(call GET /api/v1/networks -H "$M")"
check "a removed user" status_is 204 "$(call DELETE "/api/v1/users/$MIA" -H "$A")"
check "can no longer sign in" status_is 401 "$(call POST /api/v1/auth/login -H "$J" -d '{"email":"mia@acme.test","password":"long enough pw"}')"

out=$(call POST /api/v1/networks -H "$A" -H "$J" -d '{"name":"HQ"}')
check "a network is created" status_is 201 "$out"
NET=$(body "$out" | jq -r .id)
out=$(call POST /api/v1/networks -H "$A" -H "$J" -d '{"name":"Branch"}')
NET2=$(body "$out" | jq -r .id)
check "a duplicate network name is a conflict" status_is 409 "$(call POST /api/v1/networks -H "$A" -H "$J" -d '{"name":"HQ"}')"
check "networks are listed" sh -c "curl -sf -H '$A' $G/api/v1/networks | jq -e 'length == 2' >/dev/null"

out=$(call POST "/api/v1/networks/$NET/daemon-keys" -H "$A")
check "a daemon key is issued for the network" status_is 201 "$out"
DKEY=$(body "$out" | jq -r .key)
D="Authorization: Bearer $DKEY"
DKEY2=$(curl -s -XPOST -H "$A" "$G/api/v1/networks/$NET2/daemon-keys" | jq -r .key)

DID=$(uuid)
reg='{"daemon_id":"'$DID'","name":"edge-1","version":"0.1.0","mode":"daemon_poll","hostname":"edge","capabilities":{"docker_socket":false,"subnets":["10.0.0.0/24"]}}'
out=$(call POST /api/v1/daemons/register -H "$D" -H "$J" -d "$reg")
check "a daemon registers with its key" status_is 200 "$out"
check "registration answers with the key's network" test "$(body "$out" | jq -r .network_id)" = "$NET"
call POST /api/v1/daemons/register -H "$D" -H "$J" -d "$reg" >/dev/null
check "registering again creates no second daemon" \
	sh -c "curl -sf -H '$A' '$G/api/v1/daemons?network_id=$NET' | jq -e 'length == 1' >/dev/null"
out=$(call POST /api/v1/daemons/register -H "$D" -H "$J" -d '{"name":"old","version":"9.0.0","mode":"daemon_poll"}')
check "an incompatible daemon version is told to upgrade" status_is 426 "$out"
check "a heartbeat answers with the server's clock" \
	sh -c "curl -sf -XPOST -H '$D' $G/api/v1/daemons/$DID/heartbeat | jq -e '.server_time_ms > 0' >/dev/null"

# A batch whose header claims another organisation and network: the gateway
# stamps it with the key's, so it lands in HQ of Acme all the same.
"$BIN/obs-publish" --org-id "$(uuid)" --network-id "$(uuid)" --daemon-id "$(uuid)" --start 1 --write "$T_DIR/batch.pb"
P='Content-Type: application/x-protobuf'
out=$(call POST "/api/v1/daemons/$DID/batches" -H "$D" -H "$P" --data-binary @"$T_DIR/batch.pb")
check "a batch is accepted once the bus has it" status_is 202 "$out"
landed() { curl -sf -H "$A" "$G/api/v1/hosts?network_id=$NET" | jq -e '.[0].interfaces[0].ip == "10.0.0.1"' >/dev/null; }
check "the host comes back through the API" wait_for 20 landed
check "with its open port" sh -c "curl -sf -H '$A' '$G/api/v1/hosts?network_id=$NET' | jq -e '.[0].ports[0].port == 22' >/dev/null"
check "lists say how many match in all (X-Total-Count)" sh -c "curl -s -D - -o /dev/null -H '$A' \
	'$G/api/v1/hosts?network_id=$NET&sort=-name&limit=1' | tr -d '\\r' | grep -qi '^x-total-count: 1$'"
check "filtered on the server by address" status_is 200 "$(call GET "/api/v1/hosts?network_id=$NET&q=10.0.0&sort=-last_seen" -H "$A")"
check "and nothing for another" sh -c "curl -sf -H '$A' '$G/api/v1/hosts?network_id=$NET&q=192.168.' | jq -e 'length == 0' >/dev/null"
check "an unknown sort is refused, naming the field" sh -c "curl -s -H '$A' '$G/api/v1/hosts?sort=password' | jq -e '.error.field == \"sort\"' >/dev/null"
curl -s -D "$T_DIR/csv.h" -o "$T_DIR/hosts.csv" -H "$A" "$G/api/v1/networks/$NET/exports/hosts.csv"
check "the hosts export as CSV" sh -c "grep -qi '^content-type: text/csv' '$T_DIR/csv.h' && head -1 '$T_DIR/hosts.csv' | grep -q '^id,name,discovered_name,kind,addresses' && grep -q ',10.0.0.1,' '$T_DIR/hosts.csv' && [ \$(wc -l <'$T_DIR/hosts.csv') -eq 2 ]"
# The rest of the inventory, one item by id, the exports and the views as
# SVG: each answer is held to the OpenAPI document at the end.
for res in subnets interfaces ports services links workloads applications; do
	check "GET /api/v1/$res answers with X-Total-Count" sh -c "curl -s -D - -o /dev/null -H '$A' \
		'$G/api/v1/$res?network_id=$NET&limit=5' | tr -d '\\r' | grep -qi '^x-total-count: [0-9]'"
	call GET "/api/v1/$res?network_id=$NET&limit=5" -H "$A" >/dev/null
	call GET "/api/v1/networks/$NET/exports/$res.csv" -H "$A" >/dev/null
done
IFID=$(curl -sf -H "$A" "$G/api/v1/interfaces?network_id=$NET" | jq -r '.[0].id // empty')
[ -n "$IFID" ] && call GET "/api/v1/interfaces/$IFID" -H "$A" >/dev/null
check "an unknown subnet is 404" status_is 404 "$(call GET "/api/v1/subnets/$(uuid)" -H "$A")"
check "a bad filter is refused, naming it" status_is 422 "$(call GET "/api/v1/ports?port=http" -H "$A")"
check "the inventory exports as JSON" status_is 200 "$(call GET "/api/v1/networks/$NET/exports/inventory.json" -H "$A")"
check "and for NetBox" status_is 200 "$(call GET "/api/v1/networks/$NET/exports/netbox.json" -H "$A")"
check "a view renders as SVG" sh -c "curl -sf -H '$A' '$G/api/v1/networks/$NET/views/l3?format=svg' | grep -q '^<svg'"
ET=$(curl -s -D - -o /dev/null -H "$A" "$G/api/v1/networks" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')
check "a GET answered before is 304 with its ETag" status_is 304 "$(call GET /api/v1/networks -H "$A" -H "If-None-Match: $ET")"
check "definitions are listed" status_is 200 "$(call GET /api/v1/definitions -H "$A")"
check "stamped with the key's organisation" test "$(sql "SELECT count(*) FROM inv.hosts WHERE org_id = '$ORG' AND network_id = '$NET'")" -eq 1

# Refusals.
check "no credentials: 401" status_is 401 "$(call GET /api/v1/networks)"
check "an unknown key: 401" status_is 401 "$(call GET /api/v1/networks -H 'Authorization: Bearer scp_u_nope')"
sql "UPDATE core.api_keys SET expires_at = now() - interval '1 minute' WHERE key_hash = (SELECT key_hash FROM core.api_keys WHERE scope = 'daemon' AND network_id = '$NET2')"
check "an expired key: 401" status_is 401 "$(call POST /api/v1/daemons/register -H "Authorization: Bearer $DKEY2" -H "$J" -d "$reg")"
out=$(call GET /api/v1/probe-plan -H "$D")
check "a daemon gets the probe plan the fingerprint service published" sh -c \
	"[ '${out%% *}' = 200 ] && echo '${out#* }' | jq -e '(.probes | length) > 30 and (.tcp_ports | index(9100)) != null' >/dev/null"
PV=$(body "$out" | jq -r .plan_version)
check "the plan it holds is not sent again (ETag)" \
	status_is 304 "$(call GET /api/v1/probe-plan -H "$D" -H "If-None-Match: \"$PV\"")"
check "a user key cannot fetch the probe plan" status_is 403 "$(call GET /api/v1/probe-plan -H "$A")"
check "a daemon key cannot read the inventory" status_is 403 "$(call GET /api/v1/hosts -H "$D")"
check "a user key cannot ingest" status_is 403 "$(call POST "/api/v1/daemons/$DID/batches" -H "$A" -H "$P" --data-binary @"$T_DIR/batch.pb")"
OTHER=$(uuid)
check "a daemon not in the key's network cannot ingest" \
	status_is 404 "$(call POST "/api/v1/daemons/$OTHER/batches" -H "$D" -H "$P" --data-binary @"$T_DIR/batch.pb")"
check "malformed JSON: 400" status_is 400 "$(call POST /api/v1/networks -H "$A" -H "$J" -d '{"name":')"
check "duplicate JSON keys: 400" status_is 400 "$(call POST /api/v1/networks -H "$A" -H "$J" -d '{"name":"a","name":"b"}')"
check "a JSON array where an object belongs: 400" status_is 400 "$(call POST /api/v1/networks -H "$A" -H "$J" -d '[1,2]')"
check "the wrong content type: 415" status_is 415 "$(call POST /api/v1/networks -H "$A" -d 'name=x')"
head -c 100000 /dev/zero | tr '\0' 'a' >"$T_DIR/big"
check "an oversized body: 413" status_is 413 "$(call POST /api/v1/networks -H "$A" -H "$J" --data-binary @"$T_DIR/big")"
check "a broken protobuf: 400" status_is 400 "$(call POST "/api/v1/daemons/$DID/batches" -H "$D" -H "$P" --data-binary 'garbage!')"
check "an unknown route: 404" status_is 404 "$(call GET /api/v1/nothing -H "$A")"
check "a path id that is not a UUID: 404" status_is 404 "$(call POST "/api/v1/networks/1%20OR%201=1/daemon-keys" -H "$A")"
check "a known route with the wrong method: 405" status_is 405 "$(call DELETE /api/v1/networks -H "$A")"

# A second organisation, made directly in the database, with its own owner key.
ORG_B=$(uuid) USER_B=$(uuid) KEY_B=scp_u_second_org_key_for_isolation_test_0123456789
sql "INSERT INTO core.organizations (id, name) VALUES ('$ORG_B', 'Other');
     INSERT INTO core.users (id, org_id, email, password_hash, role) VALUES ('$USER_B', '$ORG_B', 'b@other.test', 'x', 'owner');
     INSERT INTO core.api_keys (org_id, scope, user_id, prefix, key_hash) VALUES ('$ORG_B', 'user', '$USER_B', 'scp_u_seco', decode('$(printf %s "$KEY_B" | sha256sum | cut -d' ' -f1)', 'hex'))"
B="Authorization: Bearer $KEY_B"
for path in /api/v1/networks /api/v1/daemons /api/v1/hosts "/api/v1/hosts?network_id=$NET" "/api/v1/daemons?network_id=$NET"; do
	check "another organisation sees nothing at $path" sh -c "curl -sf -H '$B' '$G$path' | jq -e 'length == 0' >/dev/null"
done
check "nor can it mint a daemon key for our network" status_is 404 "$(call POST "/api/v1/networks/$NET/daemon-keys" -H "$B")"
check "in SQL, RLS hides other tenants' rows" test "$(sql "BEGIN; SELECT set_config('scanopy.org_id', '$ORG_B', true); SET LOCAL ROLE scanopy_tenant; SELECT count(*) FROM inv.hosts; COMMIT" | grep -x '[0-9]*' | tail -n 1)" -eq 0
for path in "/api/v1/networks" "/api/v1/daemons" "/api/v1/hosts?network_id=$NET" "/api/v1/auth/me"; do
	call GET "$path" -H "$A" >/dev/null
done
call POST "/api/v1/daemons/$DID/heartbeat" -H "$D" >/dev/null
check "the gateway is still healthy" curl -sf "$G/healthz"

# Hardening: guessing passwords is slowed per address; CORS only for the
# configured origins.
# The guesses go at once: one after another, each argon2 check on a loaded
# machine can take longer than the allowance takes to refill.
limited() {
	local i pids=()
	for i in $(seq 1 15); do
		curl -s -D "$T_DIR/hdr.$i" -o /dev/null -w '%{http_code}\n' -XPOST "$G/api/v1/auth/login" \
			-H "$J" -d '{"email":"owner@acme.test","password":"wrong guess"}' >"$T_DIR/guess.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	grep -qx 429 "$T_DIR"/guess.*
}
check "password guessing gets 429 after the minute's allowance" limited
# (The refused replies of the burst itself: a request after it may find the
# allowance refilled, on a slow machine.)
retry_after() {
	local f n=0
	for f in "$T_DIR"/hdr.*; do
		grep -q '^HTTP/1.1 429' "$f" || continue
		grep -qi '^retry-after: [1-9]' "$f" || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
check "with a Retry-After" retry_after
check "while keys keep working" curl -sf -H "$A" "$G/api/v1/networks" -o /dev/null
cors_h() { curl -s -D - -o /dev/null "$@" | tr -d '\r'; }
check "a configured origin's preflight is allowed" sh -c "cors_out=\$(curl -s -D - -o /dev/null -X OPTIONS \
	-H 'Origin: https://noc.example' -H 'Access-Control-Request-Method: POST' $G/api/v1/networks | tr -d '\\r'); \
	echo \"\$cors_out\" | grep -q '^HTTP/1.1 204' && echo \"\$cors_out\" | grep -qi '^access-control-allow-origin: https://noc.example$'"
check "another origin's preflight is refused" test "$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS \
	-H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: POST' "$G/api/v1/networks")" = 403
check "and its requests carry no CORS grant" sh -c "! curl -s -D - -o /dev/null -H 'Origin: https://evil.example' \
	-H '$A' $G/api/v1/networks | grep -qi '^access-control-allow-origin'"
check "a configured origin's requests do" sh -c "curl -s -D - -o /dev/null -H 'Origin: https://ui.example' \
	-H '$A' $G/api/v1/networks | grep -qi '^access-control-allow-origin: https://ui.example'"

DOC=$ROOT/svc-gateway/api/openapi.json
check "the OpenAPI document is served as built" sh -c "curl -sf $G/api/openapi.json | cmp -s - '$DOC'"
"$BIN/scanopy-gateway" --print-routes >"$T_DIR/routes.txt"
check "every route is documented and every documented path served" \
	python3 "$ROOT/tests/integration/openapi_check.py" routes "$DOC" "$T_DIR/routes.txt"
check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$DOC" "$T_DIR/responses.jsonl"
finish
