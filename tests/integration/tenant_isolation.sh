#!/usr/bin/env bash
# Tenant isolation (issues 8 and 12): two organisations with the same lab-shaped
# data (topo_fixture.py through the bus, daemons, schedules, sessions, SNMP
# credentials), then every GET route of the OpenAPI document walked as the
# other tenant, as a member restricted to one network, and as a key of one
# organisation with the other's ids: no foreign id in any answer, 404 for a
# foreign id in the path. Then role and key-scope escalation, organisation
# switching, sign-in bypass attempts, and row-level security straight in SQL.
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT --secret-key-file "$T_DIR/gw-secret/secret.key" \
	--login-per-minute 1000 --rate-limit 0
G=http://127.0.0.1:$GW_PORT J='Content-Type: application/json'
DOC=$ROOT/svc-gateway/api/openapi.json
PW='correct horse battery'

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# login EMAIL JAR: signs in, prints the CSRF token.
login() { curl -sf -c "$2" -XPOST "$G/api/v1/auth/login" -H "$J" -d "{\"email\":\"$1\",\"password\":\"$PW\"}" | jq -r .csrf_token; }
# newkey JAR CSRF: a user key for the session's user.
newkey() { curl -sf -b "$1" -H "X-CSRF-Token: $2" -XPOST "$G/api/v1/api-keys" | jq -r .key; }

# Organisation A (setup), its owner, a key.
curl -sf -XPOST "$G/api/v1/setup" -H "$J" -d "{\"organization\":\"Acme MSP\",\"email\":\"owner@a.test\",\"password\":\"$PW\"}" >/dev/null
CA=$(login owner@a.test "$T_DIR/jar-a")
A="Authorization: Bearer $(newkey "$T_DIR/jar-a" "$CA")"
ORG_A=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)

# Organisation B: a client organisation the owner of A creates (and owns), run
# by its own owner, who belongs to B only.
out=$(curl -s -w '\n%{http_code}' -XPOST -H "$A" -H "$J" "$G/api/v1/organizations" -d '{"name":"Client B"}')
check "an owner creates a client organisation" test "$(tail -n1 <<<"$out")" = 201
ORG_B=$(head -n1 <<<"$out" | jq -r .id)
check "and owns it" test "$(head -n1 <<<"$out" | jq -r .role)" = owner
AB=("-H" "$A" "-H" "X-Scanopy-Organization: $ORG_B")
check "an owner of both adds B's owner through X-Scanopy-Organization" test "$(code -XPOST "${AB[@]}" -H "$J" "$G/api/v1/users" \
	-d "{\"email\":\"owner@b.test\",\"password\":\"$PW\",\"role\":\"owner\"}")" = 201
CB=$(login owner@b.test "$T_DIR/jar-b")
B="Authorization: Bearer $(newkey "$T_DIR/jar-b" "$CB")"
check "B's owner belongs to B alone" sh -c "curl -sf -H '$B' $G/api/v1/organizations | jq -e 'length == 1 and .[0].id == \"$ORG_B\" and .[0].current' >/dev/null"

python3 "$ROOT/tests/integration/topo_fixture.py" >"$T_DIR/fx.json"

# populate HEADER ORG NAME FIXTURE: a network with a registered daemon, the
# fixture's batches applied, a schedule, a session and an SNMP credential.
# Sets NET, DID, SCHED, SESS, CRED, HOST.
populate() {
	local h=$1 org=$2 name=$3 fx=$4 dkey n
	NET=$(curl -sf -XPOST -H "$h" -H "$J" "$G/api/v1/networks" -d "{\"name\":\"$name\"}" | jq -r .id)
	dkey=$(curl -sf -XPOST -H "$h" "$G/api/v1/networks/$NET/daemon-keys" | jq -r .key)
	DID=$(uuid)
	curl -sf -XPOST -H "Authorization: Bearer $dkey" -H "$J" "$G/api/v1/daemons/register" \
		-d "{\"daemon_id\":\"$DID\",\"name\":\"$name-d\",\"version\":\"0.1.0\",\"mode\":\"daemon_poll\"}" >/dev/null
	"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$org" --network-id "$NET" \
		--daemon-id "$DID" --json "$fx" >/dev/null
	n=$(jq length "$fx")
	applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$NET'")" -ge "$n" ]; }
	wait_for 90 applied
	SCHED=$(curl -sf -XPOST -H "$h" -H "$J" "$G/api/v1/schedules" \
		-d "{\"daemon_id\":\"$DID\",\"type\":\"network\",\"interval_seconds\":86400,\"first_run_in_seconds\":86400}" | jq -r .id)
	SESS=$(curl -sf -XPOST -H "$h" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d '{"type":"self_report"}' | jq -r .id)
	CRED=$(curl -sf -XPOST -H "$h" -H "$J" "$G/api/v1/networks/$NET/snmp-credentials" \
		-d '{"name":"c","version":"v2c","community":"s3cret-community"}' | jq -r .id)
	HOST=$(sql "SELECT id FROM inv.hosts WHERE network_id = '$NET' ORDER BY name NULLS LAST LIMIT 1")
	# One row of each inventory list with an id of its own, for /{resource}/{id}.
	local t
	for t in subnets interfaces links workloads applications; do
		printf -v "INV_$t" %s "$(sql "SELECT id FROM inv.$t WHERE network_id = '$NET' LIMIT 1")"
	done
}
# keep_inv TAG: populate's inventory row ids, kept as INV_<TAG>_<resource>.
keep_inv() {
	local t v
	for t in subnets interfaces links workloads applications; do
		v="INV_$t"
		printf -v "INV_$1_$t" %s "${!v}"
	done
}
populate "$A" "$ORG_A" a-one "$T_DIR/fx.json"
NA1=$NET DA1=$DID SA1=$SCHED XA1=$SESS CA1=$CRED HA1=$HOST
keep_inv NA1
populate "$A" "$ORG_A" a-two "$T_DIR/fx.json"
NA2=$NET DA2=$DID SA2=$SCHED XA2=$SESS CA2=$CRED HA2=$HOST
keep_inv NA2
populate "$B" "$ORG_B" b-one "$T_DIR/fx.json"
NB1=$NET DB1=$DID SB1=$SCHED XB1=$SESS CB1=$CRED HB1=$HOST
keep_inv NB1
for v in NA1 SA1 XA1 CA1 HA1 NA2 SA2 XA2 CA2 HA2 NB1 SB1 XB1 CB1 HB1; do
	is_uuid "${!v}" || { echo "setup failed: $v='${!v}'"; exit 1; }
done
check "both tenants hold the same model" test \
	"$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$NA1'")" = "$(sql "SELECT count(*) FROM inv.hosts WHERE network_id = '$NB1'")"

# A member of A restricted to a-two, and a viewer.
mkuser() { curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/users" -d "{\"email\":\"$1\",\"password\":\"$PW\",\"role\":\"$2\"}" | jq -r .id; }
MID=$(mkuser member@a.test member)
VID=$(mkuser viewer@a.test viewer)
check "a member is restricted" test "$(code -XPATCH -H "$A" -H "$J" "$G/api/v1/users/$MID" -d '{"all_networks":false}')" = 200
check "and granted one network" sh -c "curl -sf -XPUT -H '$A' $G/api/v1/networks/$NA2/access/$MID | jq -e '.access == \"granted\"' >/dev/null"
check "the network's access lists every member and why" sh -c "curl -sf -H '$A' $G/api/v1/networks/$NA1/access | \
	jq -e 'map({(.user_id): .access}) | add | .[\"$MID\"] == \"none\" and .[\"$VID\"] == \"all_networks\"' >/dev/null"
CM=$(login member@a.test "$T_DIR/jar-m")
M="Authorization: Bearer $(newkey "$T_DIR/jar-m" "$CM")"
CV=$(login viewer@a.test "$T_DIR/jar-v")
V="Authorization: Bearer $(newkey "$T_DIR/jar-v" "$CV")"
check "the restricted member sees only the granted network" sh -c "curl -sf -H '$M' $G/api/v1/networks | jq -e 'map(.id) == [\"$NA2\"]' >/dev/null"
check "and its hosts" sh -c "curl -sf -H '$M' '$G/api/v1/hosts?limit=1000' | jq -e 'length > 0 and all(.network_id == \"$NA2\")' >/dev/null"
check "its me says so" sh -c "curl -sf -H '$M' $G/api/v1/auth/me | jq -e '.all_networks == false and .role == \"member\" and .organization.id == \"$ORG_A\"' >/dev/null"

# The organisation's views (GET /api/v1/views/{view}): a node per network the
# caller may see, each network's own view under it, node for node.
orgnets() { curl -sf -H "$1" "$G/api/v1/views/$2" | jq -c '[.nodes[] | select(.kind == "network") | .id] | sort'; }
check "the organisation's l3 view: a node for each of its networks" test "$(orgnets "$A" l3)" = "$(jq -cn --arg a "n:$NA1" --arg b "n:$NA2" '[$a, $b] | sort')"
check "the restricted member's: the granted network only" test "$(orgnets "$M" l3)" = "[\"n:$NA2\"]"
check "the other organisation's: its own only" test "$(orgnets "$B" l2)" = "[\"n:$NB1\"]"
# part VIEW NET QUERY: the nodes and edges under NET in the organisation's
# view, top-level ones without their network parent, as the network's view.
part() {
	curl -sf -H "$A" "$G/api/v1/views/$1${3:+?$3}" | jq -S --arg n "n:$2" '
		(.nodes | map({key: .id, value: .parent}) | from_entries) as $up
		| def top: if $up[.] == null then . else ($up[.] | top) end;
		{nodes: [.nodes[] | select(.kind != "network" and (.id | top) == $n)
			| if .parent == $n then .parent = null else . end] | sort_by(.id),
		 edges: [.edges[] | select((.source | top) == $n)] | sort_by(.id)}'
}
whole() { curl -sf -H "$A" "$G/api/v1/networks/$2/views/$1${3:+?$3}" | jq -S '{nodes: (.nodes | sort_by(.id)), edges: (.edges | sort_by(.id))}'; }
# same_parts VIEW [QUERY]: both networks' parts are their views (not empty
# but for applications, which the fixture may not have).
same_parts() {
	local a1 w1
	a1=$(part "$1" "$NA1" "${2:-}") w1=$(whole "$1" "$NA1" "${2:-}")
	[ "$1" = applications ] || [ "$(jq '.nodes | length' <<<"$w1")" -gt 0 ] || return 1
	[ "$a1" = "$w1" ] && [ "$(part "$1" "$NA2" "${2:-}")" = "$(whole "$1" "$NA2" "${2:-}")" ]
}
for v in l2 l3 workloads applications; do
	check "the organisation's $v view holds each network's $v view" same_parts $v
done
check "filtered, the same: each network's part is its filtered view" same_parts l3 'include_stale=false&subnet=10.0.0.0/8'
check "a filter that keeps nothing leaves no network" test "$(curl -sf -H "$A" "$G/api/v1/views/l2?q=no-such-host-anywhere" | jq -c '[.nodes, .edges]')" = "[[],[]]"
check "as DOT, a cluster per network" sh -c "curl -sf -H '$A' '$G/api/v1/views/l3?format=dot' | grep -c 'subgraph cluster' | awk '{exit !(\$1 >= 2)}'"

# tenant_tables COLUMN: the tenant tables with that column, as "schema.table".
TABLES_WITH="FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
	WHERE t.table_type = 'BASE TABLE' AND c.table_schema IN ('core', 'inv', 'sched')"
# ids SCOPE VALUE [EXCLUDED_COLUMN]: every uuid in rows of every table whose
# SCOPE column (org_id or network_id) is VALUE, in one statement; users' ids
# are not secret between organisations they share, so user columns are left out.
ids() {
	sql "$(sql "SELECT string_agg(format('SELECT %I::text FROM %I.%I WHERE %I = %L', c.column_name, c.table_schema,
		c.table_name, '$1', '$2'), ' UNION ') $TABLES_WITH AND c.data_type = 'uuid'
		AND c.column_name NOT IN ('user_id', '${3:-none}') AND NOT (c.table_name = 'users' AND c.column_name = 'id')
		AND EXISTS (SELECT 1 FROM information_schema.columns s WHERE s.table_schema = c.table_schema
		            AND s.table_name = c.table_name AND s.column_name = '$1')")" | grep .
	echo "$2"
}
ids org_id "$ORG_A" >"$T_DIR/foreign-a"
ids org_id "$ORG_B" | grep -vx "$ORG_B" >"$T_DIR/foreign-b" # A's owner is a member of B
ids network_id "$NA1" org_id >"$T_DIR/foreign-na1"
check "the foreign id sets are not empty" test "$(wc -l <"$T_DIR/foreign-a")" -gt 100 -a "$(wc -l <"$T_DIR/foreign-na1")" -gt 50

AKID=$(curl -sf -H "$A" "$G/api/v1/api-keys" | jq -r '.[0].id')
BKID=$(curl -sf -H "$B" "$G/api/v1/api-keys" | jq -r '.[0].id')
MKID=$(curl -sf -H "$M" "$G/api/v1/api-keys" | jq -r '.[0].id')
BID=$(curl -sf -H "$B" "$G/api/v1/auth/me" | jq -r .id)
# idmap ORG NET DAEMON SCHEDULE SESSION CREDENTIAL HOST USER KEY: the ids a
# path parameter takes, by the resource it names.
# DEFINITION TAG: the organisation's own definition, and the inventory rows
# keep_inv saved under TAG.
idmap() {
	local inv="{}" t v
	for t in subnets interfaces links workloads applications; do
		v="INV_${11}_$t"
		inv=$(jq -c --arg k "$t" --arg v "${!v}" '. + {($k): $v}' <<<"$inv")
	done
	jq -n --arg o "$1" --arg n "$2" --arg d "$3" --arg s "$4" --arg x "$5" --arg c "$6" --arg h "$7" --arg u "$8" --arg k "$9" \
		--arg f "${10}" --argjson inv "$inv" \
		'{organizations: $o, networks: $n, daemons: $d, schedules: $s, sessions: $x, "snmp-credentials": $c, hosts: $h, users: $u, "api-keys": $k, definitions: $f} + $inv'
}
# An organisation's own definition each, for /definitions/{id}.
DEF='{"id":"acme-bastion","name":"Acme bastion","category":"NetworkCore","ports":[22],"match":{"port":22,"confidence":70}}'
FA=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/definitions" -d "$DEF" | jq -r .id)
FB=$(curl -sf -XPOST -H "$B" -H "$J" "$G/api/v1/definitions" -d "$DEF" | jq -r .id)
check "each organisation has a definition of its own" eval 'is_uuid "$FA" && is_uuid "$FB" && [ "$FA" != "$FB" ]'
idmap "$ORG_A" "$NA1" "$DA1" "$SA1" "$XA1" "$CA1" "$HA1" "$MID" "$AKID" "$FA" NA1 >"$T_DIR/ids-a1.json"
idmap "$ORG_A" "$NA2" "$DA2" "$SA2" "$XA2" "$CA2" "$HA2" "$MID" "$MKID" "$FA" NA2 >"$T_DIR/ids-a2.json"
idmap "$ORG_B" "$NB1" "$DB1" "$SB1" "$XB1" "$CB1" "$HB1" "$BID" "$BKID" "$FB" NB1 >"$T_DIR/ids-b.json"
walk() { python3 "$ROOT/tests/integration/tenant_walk.py" "$DOC" "$G" "$1" "$2" "$3" "$4" "$T_DIR/responses.jsonl"; }
check "every GET route as the other organisation: nothing of A" walk "$B" "$T_DIR/ids-b.json" "$T_DIR/ids-a1.json" "$T_DIR/foreign-a"
check "the same through B's session cookie" walk "Cookie: scanopy_session=$(awk '$6 == "scanopy_session" {print $7}' "$T_DIR/jar-b")" \
	"$T_DIR/ids-b.json" "$T_DIR/ids-a1.json" "$T_DIR/foreign-a"
check "every GET route with A's key and B's ids: nothing of B" walk "$A" "$T_DIR/ids-a1.json" "$T_DIR/ids-b.json" "$T_DIR/foreign-b"
check "every GET route as the restricted member: nothing of the other network" \
	walk "$M" "$T_DIR/ids-a2.json" "$T_DIR/ids-a1.json" "$T_DIR/foreign-na1"
check "the walk can fail: the owner of A sees the network the member may not" \
	sh -c "! python3 '$ROOT/tests/integration/tenant_walk.py' '$DOC' '$G' '$A' '$T_DIR/ids-a2.json' '$T_DIR/ids-a1.json' '$T_DIR/foreign-na1' /dev/null >/dev/null"

# Live events: a session started in a-one reaches its owner, not the member.
curl -s -N --max-time 8 -H "$A" "$G/api/v1/events" >"$T_DIR/ev-a" &
ev_a=$!
curl -s -N --max-time 8 -H "$M" "$G/api/v1/events" >"$T_DIR/ev-m" &
ev_m=$!
curl -s -N --max-time 8 -H "$B" "$G/api/v1/events" >"$T_DIR/ev-b" &
ev_b=$!
sleep 2
# A new host in a-one: the topology service says so on the network's subject.
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG_A" --network-id "$NA1" --daemon-id "$(uuid)" --start 1 >/dev/null
wait $ev_a $ev_m $ev_b || true
check "events of a network reach its organisation" grep -q "$NA1" "$T_DIR/ev-a"
check "but not a member restricted to another network" sh -c "! grep -q '$NA1' '$T_DIR/ev-m' && grep -q connected '$T_DIR/ev-m'"
check "nor another organisation" sh -c "! grep -q '$NA1' '$T_DIR/ev-b' && grep -q connected '$T_DIR/ev-b'"

# Role and scope escalation.
check "a viewer cannot create a network" test "$(code -XPOST -H "$V" -H "$J" "$G/api/v1/networks" -d '{"name":"x"}')" = 403
check "nor edit a host" test "$(code -XPATCH -H "$V" -H "$J" "$G/api/v1/hosts/$HA1" -d '{"name":"x"}')" = 403
check "nor start a discovery" test "$(code -XPOST -H "$V" -H "$J" "$G/api/v1/networks/$NA1/discoveries" -d '{"type":"self_report"}')" = 403
check "nor schedule one" test "$(code -XPOST -H "$V" -H "$J" "$G/api/v1/schedules" -d "{\"daemon_id\":\"$DA1\",\"type\":\"network\",\"interval_seconds\":3600}")" = 403
check "nor create an organisation" test "$(code -XPOST -H "$V" -H "$J" "$G/api/v1/organizations" -d '{"name":"x"}')" = 403
check "a member cannot add users" test "$(code -XPOST -H "$M" -H "$J" "$G/api/v1/users" -d "{\"email\":\"x@a.test\",\"password\":\"$PW\",\"role\":\"viewer\"}")" = 403
check "nor lift their own restriction" test "$(code -XPATCH -H "$M" -H "$J" "$G/api/v1/users/$MID" -d '{"all_networks":true}')" = 403
check "nor grant themselves a network" test "$(code -XPUT -H "$M" "$G/api/v1/networks/$NA1/access/$MID")" = 403
check "nor remove a user" test "$(code -XDELETE -H "$M" "$G/api/v1/users/$VID")" = 403
check "a restricted member cannot scan a network not granted" test "$(code -XPOST -H "$M" -H "$J" "$G/api/v1/networks/$NA1/discoveries" -d '{"type":"self_report"}')" = 404
check "nor edit its hosts" test "$(code -XPATCH -H "$M" -H "$J" "$G/api/v1/hosts/$HA1" -d '{"name":"x"}')" = 404
sched_refused() {
	local c n before
	before=$(sql "SELECT count(*) FROM sched.schedules WHERE daemon_id = '$DA1'")
	c=$(code -XPOST -H "$M" -H "$J" "$G/api/v1/schedules" -d "{\"daemon_id\":\"$DA1\",\"type\":\"network\",\"interval_seconds\":3600}")
	n=$(sql "SELECT count(*) FROM sched.schedules WHERE daemon_id = '$DA1'")
	[ "$c" = 404 ] && [ "$n" = "$before" ] || { echo "status $c, schedules $before then $n"; return 1; }
}
check "nor schedule its daemon" sched_refused
check "nor cancel its session" test "$(code -XPOST -H "$M" "$G/api/v1/sessions/$XA1/cancel")" = 404
check "but works in the one granted" test "$(code -XPATCH -H "$M" -H "$J" "$G/api/v1/hosts/$HA2" -d '{"name":"mine"}')" = 200
check "an admin cannot grant access to an owner" test "$(code -XPUT -H "$A" "$G/api/v1/networks/$NA1/access/$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .id)")" = 422
check "another organisation cannot grant itself our network" test "$(code -XPUT -H "$B" "$G/api/v1/networks/$NA1/access/$BID")" = 404
check "nor rename our organisation" test "$(code -XPATCH -H "$B" -H "$J" "$G/api/v1/organizations/$ORG_A" -d '{"name":"pwned"}')" = 404
check "nor delete it" test "$(code -XDELETE -H "$B" "$G/api/v1/organizations/$ORG_A")" = 404
check "nor change our users" test "$(code -XPATCH -H "$B" -H "$J" "$G/api/v1/users/$MID" -d '{"role":"viewer"}')" = 404
check "nor mint a daemon key for our network" test "$(code -XPOST -H "$B" "$G/api/v1/networks/$NA1/daemon-keys")" = 404
DKA=$(curl -sf -XPOST -H "$A" "$G/api/v1/networks/$NA1/daemon-keys" | jq -r .key)
D="Authorization: Bearer $DKA"
for p in /api/v1/hosts /api/v1/networks /api/v1/organizations /api/v1/auth/me /api/v1/users "/api/v1/networks/$NA1/views/l2"; do
	check "a daemon key is refused on the user route $p" test "$(code -H "$D" "$G$p")" = 403
done
check "a daemon key cannot switch organisation" test "$(code -XPOST -H "$D" -H "$J" "$G/api/v1/auth/switch" -d "{\"organization_id\":\"$ORG_B\"}")" = 403
check "a daemon key cannot heartbeat another network's daemon" test "$(code -XPOST -H "$D" "$G/api/v1/daemons/$DA2/heartbeat")" = 404
check "nor another organisation's" test "$(code -XPOST -H "$D" "$G/api/v1/daemons/$DB1/heartbeat")" = 404
check "a daemon key with another organisation's header stays in its own" test "$(code -XPOST -H "$D" -H "X-Scanopy-Organization: $ORG_B" "$G/api/v1/daemons/$DB1/heartbeat")" = 404
check "a key's user acts in another organisation they belong to" sh -c "curl -sf -H '$A' -H 'X-Scanopy-Organization: $ORG_B' $G/api/v1/networks | jq -e 'map(.id) == [\"$NB1\"]' >/dev/null"
check "but not in one they do not" test "$(code -H "$M" -H "X-Scanopy-Organization: $ORG_B" "$G/api/v1/networks")" = 403
check "nor with a header that is no id" test "$(code -H "$M" -H "X-Scanopy-Organization: x' OR 1=1" "$G/api/v1/networks")" = 403

# Switching the session's organisation.
check "a switch needs the CSRF token" test "$(code -b "$T_DIR/jar-a" -XPOST -H "$J" "$G/api/v1/auth/switch" -d "{\"organization_id\":\"$ORG_B\"}")" = 403
check "the owner switches to the client organisation" sh -c "curl -sf -b '$T_DIR/jar-a' -H 'X-CSRF-Token: $CA' -XPOST -H '$J' $G/api/v1/auth/switch \
	-d '{\"organization_id\":\"$ORG_B\"}' | jq -e '.organization.id == \"$ORG_B\" and .role == \"owner\" and (.organizations | length) == 2' >/dev/null"
check "and the session now sees B's networks only" sh -c "curl -sf -b '$T_DIR/jar-a' $G/api/v1/networks | jq -e 'map(.id) == [\"$NB1\"]' >/dev/null"
check "while the owner's key stays in A" sh -c "curl -sf -H '$A' $G/api/v1/networks | jq -e 'length == 2' >/dev/null"
check "a member cannot switch to an organisation they are not in" test "$(code -b "$T_DIR/jar-m" -H "X-CSRF-Token: $CM" -XPOST -H "$J" "$G/api/v1/auth/switch" -d "{\"organization_id\":\"$ORG_B\"}")" = 404
check "an organisation with networks is not deleted" test "$(code -XDELETE -H "$A" "$G/api/v1/organizations/$ORG_B")" = 409
check "nor the one the caller acts in" test "$(code -XDELETE -H "$A" "$G/api/v1/organizations/$ORG_A")" = 409
EMPTY=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/organizations" -d '{"name":"Short-lived"}' | jq -r .id)
check "only its owner may rename it" test "$(code -XPATCH -H "$B" -H "$J" "$G/api/v1/organizations/$EMPTY" -d '{"name":"x"}')" = 404
check "its owner renames it" test "$(code -XPATCH -H "$A" -H "$J" "$G/api/v1/organizations/$EMPTY" -d '{"name":"Renamed"}')" = 200
check "and deletes it once empty" test "$(code -XDELETE -H "$A" "$G/api/v1/organizations/$EMPTY")" = 204

# Signing in, bypassed.
check "no credentials: every GET route but the public ones says 401" sh -c "
	jq -r '.paths | to_entries[] | select(.value.get) | .key' '$DOC' | grep -v '^/api/health$\|^/api/openapi.json$' |
	sed 's/{[^}]*}/$NA1/g' | while read -r p; do c=\$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 '$G'\"\$p\"); [ \"\$c\" = 401 ] || { echo \"\$p: \$c\"; exit 1; }; done"
check "a forged session cookie: 401" test "$(code -b 'scanopy_session=scs_forged0000000000000000000000000000000000000' "$G/api/v1/networks")" = 401
check "a cookie POST without the CSRF token: 403" test "$(code -b "$T_DIR/jar-m" -XPOST -H "$J" "$G/api/v1/api-keys" -d '{}')" = 403
check "with another session's CSRF token: 403" test "$(code -b "$T_DIR/jar-m" -H "X-CSRF-Token: $CV" -XPOST -H "$J" "$G/api/v1/api-keys" -d '{}')" = 403
check "a removed member's key stops working" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -XDELETE -H '$A' $G/api/v1/users/$VID)\" = 204 ] && \
	[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H '$V' $G/api/v1/networks)\" = 401 ]"

# Row-level security straight in SQL, as the gateway's tenant role.
# as_tenant ORG NETWORK_IDS STATEMENT: its answer, as the gateway's tenant role.
as_tenant() {
	sql "BEGIN; SELECT set_config('scanopy.org_id', '$1', true), set_config('scanopy.network_ids', '$2', true);
	     SET LOCAL ROLE scanopy_tenant; $3; COMMIT" | grep -v '|'
}
# leaks COLUMN VALUE ORG NETWORK_IDS: the tables (those the tenant role may
# read) showing any row whose COLUMN is VALUE to that tenant. A user who is a
# member of the tenant is the tenant's to see.
leaks() {
	as_tenant "$3" "$4" "SELECT t FROM ($(sql "SELECT string_agg(format('SELECT %L AS t, count(*) AS n FROM %I.%I WHERE %I = %L%s',
		c.table_schema || '.' || c.table_name, c.table_schema, c.table_name, '$1', '$2', CASE WHEN c.table_name = 'users'
		THEN ' AND NOT EXISTS (SELECT 1 FROM core.memberships m WHERE m.user_id = users.id)' ELSE '' END), ' UNION ALL ')
		$TABLES_WITH AND c.column_name = '$1' AND has_table_privilege('scanopy_tenant', format('%I.%I', c.table_schema, c.table_name), 'SELECT')")) x WHERE n > 0"
}
check "in SQL, no table shows one organisation's rows to another" test -z "$(leaks org_id "$ORG_A" "$ORG_B" '')"
check "nor a network's rows to a caller held to another network" test -z "$(leaks network_id "$NA1" "$ORG_A" "{$NA2}")"
check "the SQL check can fail: unrestricted, the network's rows are there" test -n "$(leaks network_id "$NA1" "$ORG_A" '')"
check "nor the ports and services of its hosts" test \
	"$(as_tenant "$ORG_A" "{$NA2}" "SELECT (SELECT count(*) FROM inv.ports) + (SELECT count(*) FROM inv.services)")" = \
	"$(sql "SELECT (SELECT count(*) FROM inv.ports p JOIN inv.hosts h ON h.id = p.host_id WHERE h.network_id = '$NA2') +
	        (SELECT count(*) FROM inv.services s JOIN inv.hosts h ON h.id = s.host_id WHERE h.network_id = '$NA2')")"
check "while the organisation sees its own" test "$(as_tenant "$ORG_A" '' "SELECT count(*) FROM inv.hosts WHERE network_id = '$NA1'")" -gt 0
check "every tenant table forces row-level security" test "$(sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ('core', 'inv', 'sched') AND c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
	AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('org_id', 'network_id'))")" = 0
check "every table with a network holds to per-network access" test "$(sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ('core', 'inv', 'sched') AND c.relkind = 'r'
	AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'network_id')
	AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'network_access' AND NOT p.polpermissive)")" = 0

check "the gateway is still healthy" curl -sf "$G/healthz" -o /dev/null
check "every response matches the OpenAPI document" \
	python3 "$ROOT/tests/integration/openapi_check.py" responses "$DOC" "$T_DIR/responses.jsonl"
finish
