#!/usr/bin/env bash
# ServerPoll over HTTPS: the daemon serves its API with a self-signed
# certificate and logs its public key pin; the admin gives the gateway the
# https URL with that pin, and the scheduler trusts the daemon by the pin
# alone. The same URL with another pin, or with no pin and no authority that
# signed the certificate, is refused before anything is sent, saying why. A
# pin on a plain http URL, or a malformed one, is refused (422). No key or
# community reaches a log.
. "$(dirname "$0")/lib.sh"
server_poll_up dmz-tls 2
D="https://127.0.0.1:$DPORT"

# selfsigned NAME: a P-256 certificate for a name that is not the URL's host
# (the pin alone must be the trust), and its pin as curl writes it.
selfsigned() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$1.dmz.test" -keyout "$T_DIR/$1.key" -out "$T_DIR/$1.crt" 2>/dev/null
	chmod 600 "$T_DIR/$1.key"
	openssl x509 -in "$T_DIR/$1.crt" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64 | sed 's|^|sha256//|'
}
PIN=$(selfsigned daemon) OTHER=$(selfsigned other)

provision() { # provision NAME BODY -> the reply
	curl -s -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/server-daemons" -d "$2"
}
code_of() { curl -s -o /dev/null -w '%{http_code}' -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/server-daemons" -d "$1"; }
check "a pin on a plain http URL is refused (422)" test \
	"$(code_of "{\"name\":\"x\",\"url\":\"http://127.0.0.1:$DPORT\",\"tls_pin\":\"$PIN\"}")" = 422
check "a malformed pin is refused (422)" test \
	"$(code_of "{\"name\":\"x\",\"url\":\"$D\",\"tls_pin\":\"sha256//short=\"}")" = 422
check "a pin that is not a string is refused (422)" test \
	"$(code_of "{\"name\":\"x\",\"url\":\"$D\",\"tls_pin\":42}")" = 422

R=$(provision dmz "{\"name\":\"dmz-tls\",\"url\":\"$D\",\"tls_pin\":\"$PIN\"}")
DID=$(echo "$R" | jq -r .daemon_id) CKEY=$(echo "$R" | jq -r .call_key)
check "an https daemon is provisioned with its pin" sh -c "echo '$R' | jq -e '.tls_pin == \"$PIN\" and .url == \"$D\"' >/dev/null"
# The same daemon under two more records: one pinned to another key, one with
# no pin (so its certificate must chain to an authority; it does not).
R2=$(provision wrong "{\"name\":\"wrong-pin\",\"url\":\"$D\",\"tls_pin\":\"$OTHER\"}")
R3=$(provision nopin "{\"name\":\"no-pin\",\"url\":\"$D\"}")
WRONG=$(echo "$R2" | jq -r .daemon_id) NOPIN=$(echo "$R3" | jq -r .daemon_id)

"$BIN/scanopy-daemon" run --mode server_poll --daemon-id "$DID" --call-key "$CKEY" --name dmz-tls \
	--listen-address 127.0.0.1 --listen-port "$DPORT" --listen-tls-cert "$T_DIR/daemon.crt" \
	--listen-tls-key "$T_DIR/daemon.key" --state-dir "$T_DIR/daemon" \
	--control-socket "ipc://$T_DIR/daemon.ipc" >>"$T_DIR/scanopy-daemon.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon.pid"
check "the daemon serves HTTPS" wait_for 20 curl -sk -o /dev/null "$D/v1/status"
check "and logs its public key pin, the one openssl computes" grep -qF "public key pin $PIN" "$T_DIR/scanopy-daemon.log"
check "plain HTTP to it gets no answer" sh -c "! curl -sf -m 5 -o /dev/null http://127.0.0.1:$DPORT/v1/status"
check "curl pinned to its key reaches it (401 without a call key)" test \
	"$(curl -sk --pinnedpubkey "$PIN" -o /dev/null -w '%{http_code}' "$D/v1/status")" = 401

session() { curl -sf -H "$A" "$G/api/v1/sessions/$1"; }
is_state() { [ "$(session "$1" | jq -r .state)" = "$2" ]; }
SR=$(sql "SELECT id FROM sched.sessions WHERE daemon_id = '$DID' AND discovery_type = 'self_report' LIMIT 1")
check "the scheduler, trusting the pin, dispatches its self-report, which completes" wait_for 90 is_state "$SR" completed
landed() { curl -sf -H "$A" "$G/api/v1/hosts?network_id=$NET" | jq -e --arg h "$(hostname)" 'any(.[]; .hostname == $h)' >/dev/null; }
check "its results were pulled over HTTPS into the inventory" wait_for 30 landed

poll_error() { sql "SELECT coalesce(last_error, '') FROM sched.server_polls WHERE daemon_id = '$1'"; }
says() { poll_error "$1" | grep -q "$2"; }
check "another pin for the same URL is refused by the scheduler" wait_for 30 says "$WRONG" "pinned public key"
check "no pin and no authority: the certificate is refused" wait_for 30 says "$NOPIN" "certificate"
check "a new URL without a pin drops the old pin" sh -c \
	"curl -sf -XPOST -H '$A' -H '$J' $G/api/v1/daemons/$WRONG/call-key -d '{\"url\":\"http://127.0.0.1:9\"}' | jq -e '.tls_pin == null' >/dev/null"
check "a pin without its URL on a new key is refused (422)" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST \
	-H "$A" -H "$J" "$G/api/v1/daemons/$NOPIN/call-key" -d "{\"tls_pin\":\"$PIN\"}")" = 422
check "the call key is in no log" sh -c "! grep -rqF '$CKEY' '$T_DIR'/*.log"
stop_pid "$T_DIR/scanopy-daemon.pid"
finish
