#!/usr/bin/env bash
# SNMP credentials per network: stored sealed (AES-256-GCM, key file made on
# first start with mode 600), never returned by GET nor written to the log or
# the database in clear, validated, deletable, and handed with their secrets
# to the network's daemon in the jobs that use them.
. "$(dirname "$0")/lib.sh"
env_up
KEYF="$T_DIR/gw-secret/secret.key"
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT --secret-key-file "$KEYF"
api_bootstrap lab

check "the secret key file is made on first start" test -s "$KEYF"
check "with mode 600" test "$(stat -c %a "$KEYF")" = 600
check "holding 32 bytes" test "$(stat -c %s "$KEYF")" = 32

C="$G/api/v1/networks/$NET/snmp-credentials"
post() { curl -s -o "$T_DIR/out.json" -w '%{http_code}' -XPOST -H "$A" -H "$J" "$C" -d "$1"; }
check "a v2c community is accepted" test "$(post '{"version":"v2c","community":"c0mmunity-XYZZY","scope":["10.77.1.0/24"]}')" = 201
check "a v3 authPriv user is accepted" test "$(post '{"version":"v3","username":"labmon","auth_protocol":"SHA","auth_key":"auth-PLUGH-2024","priv_protocol":"AES","priv_key":"priv-FROBOZZ-2024"}')" = 201
V3ID=$(jq -r .id "$T_DIR/out.json")
check "the answer carries no secret" sh -c "! grep -q 'PLUGH\|FROBOZZ' '$T_DIR/out.json'"
check "a v2c credential without community is refused" test "$(post '{"version":"v2c"}')" = 422
check "a short v3 auth key is refused" test "$(post '{"version":"v3","username":"u","auth_protocol":"SHA","auth_key":"short"}')" = 422
check "privacy without authentication is refused" test "$(post '{"version":"v3","username":"u","priv_protocol":"AES","priv_key":"12345678"}')" = 422
check "an unknown auth protocol is refused" test "$(post '{"version":"v3","username":"u","auth_protocol":"ROT13","auth_key":"12345678"}')" = 422
check "a malformed scope is refused" test "$(post '{"version":"v1","community":"x","scope":["10.0.0.0/33"]}')" = 422
check "an unknown network is 404" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "$A" -H "$J" \
	"$G/api/v1/networks/00000000-0000-0000-0000-000000000000/snmp-credentials" -d '{"version":"v1","community":"x"}')" = 404

curl -sf -H "$A" "$C" >"$T_DIR/list.json"
check "GET lists both, in order" jq -e 'length == 2 and .[0].version == "v2c" and .[1].username == "labmon"' "$T_DIR/list.json"
check "GET returns no secret" sh -c "! grep -q 'XYZZY\|PLUGH\|FROBOZZ\|community\"\|auth_key\|priv_key' '$T_DIR/list.json'"
check "the database holds no secret in clear" test "$(sql "SELECT count(*) FROM core.snmp_credentials WHERE position(convert_to('XYZZY', 'UTF8') in secret) > 0 OR position(convert_to('PLUGH', 'UTF8') in secret) > 0 OR position(convert_to('FROBOZZ', 'UTF8') in secret) > 0")" = 0
check "the gateway's log holds no secret" sh -c "! grep -q 'XYZZY\|PLUGH\|FROBOZZ' '$T_DIR/scanopy-gateway.log'"
check "a daemon key cannot list them" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $DKEY" "$C")" = 403

# The daemon's heartbeat hands a job out with the credentials, decrypted.
DID=$(curl -sf -XPOST -H "Authorization: Bearer $DKEY" -H "$J" "$G/api/v1/daemons/register" \
	-d '{"name":"edge-snmp","version":"0.1.0","mode":"daemon_poll","hostname":"edge"}' | jq -r .daemon_id)
check "a daemon registers" is_uuid "$DID"
# the next heartbeat must hand out the session given (the scheduler may have
# queued others for a new daemon): finish every other one first
only() { sql "UPDATE sched.sessions SET state = 'completed' WHERE daemon_id = '$DID' AND id <> '$1' AND state IN ('pending', 'starting', 'running')" >/dev/null; }
SID=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "{\"type\":\"snmp\",\"daemon_id\":\"$DID\"}" | jq -r .id)
check "an SNMP discovery is requested" is_uuid "$SID"
only "$SID"
curl -sf -XPOST -H "Authorization: Bearer $DKEY" "$G/api/v1/daemons/$DID/heartbeat" >"$T_DIR/beat.json"
check "the heartbeat's job carries both credentials with their secrets" jq -e \
	'.jobs[0].type == "snmp" and (.jobs[0].snmp_credentials | length == 2 and .[0].community == "c0mmunity-XYZZY" and .[0].scope == ["10.77.1.0/24"] and .[1].auth_key == "auth-PLUGH-2024" and .[1].priv_key == "priv-FROBOZZ-2024" and .[1].priv_protocol == "AES")' "$T_DIR/beat.json"

check "DELETE removes one" test "$(curl -s -o /dev/null -w '%{http_code}' -XDELETE -H "$A" "$C/$V3ID")" = 204
check "a second DELETE is 404" test "$(curl -s -o /dev/null -w '%{http_code}' -XDELETE -H "$A" "$C/$V3ID")" = 404
check "one is left" sh -c "curl -sf -H '$A' '$C' | jq -e 'length == 1' >/dev/null"

# Restarted with the same key file, the gateway still opens what it sealed;
# with another key it leaves the credential out rather than send garbage.
svc_kill scanopy-gateway $GW_PORT
svc_start scanopy-gateway $GW_PORT --secret-key-file "$KEYF"
SID2=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "{\"type\":\"unified\",\"daemon_id\":\"$DID\"}" | jq -r .id)
only "$SID2"
curl -sf -XPOST -H "Authorization: Bearer $DKEY" "$G/api/v1/daemons/$DID/heartbeat" >"$T_DIR/beat2.json"
check "after a restart the secrets still open" jq -e '.jobs[0].type == "unified" and .jobs[0].snmp_credentials[0].community == "c0mmunity-XYZZY"' "$T_DIR/beat2.json"
svc_kill scanopy-gateway $GW_PORT
svc_start scanopy-gateway $GW_PORT --secret-key-file "$T_DIR/other.key"
SID3=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "{\"type\":\"snmp\",\"daemon_id\":\"$DID\"}" | jq -r .id)
only "$SID3"
curl -sf -XPOST -H "Authorization: Bearer $DKEY" "$G/api/v1/daemons/$DID/heartbeat" >"$T_DIR/beat3.json"
check "with another key nothing is sent" jq -e --arg s "$SID3" '.jobs[0].session_id == $s and .jobs[0].snmp_credentials == []' "$T_DIR/beat3.json"
check "and the gateway says why" grep -q "does not open with this gateway's secret key" "$T_DIR/scanopy-gateway.log"
finish
