#!/usr/bin/env bash
# TLS on every link, with a throwaway CA made here: the gateway serves HTTPS,
# a daemon trusting the CA registers and ingests over it, and daemons with
# the wrong CA or a wrong key pin are refused with a reason; the services use
# a TLS-only nats-server (client certificates required) and PostgreSQL with
# ssl=on, hostssl only, through sslmode=verify-full.
. "$(dirname "$0")/lib.sh"

C="$T_DIR/certs"
mkdir -p "$C"
# ca NAME: a self-signed CA.
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$C/$1.key" -out "$C/$1.pem" 2>/dev/null
}
# leaf NAME CA SAN: a certificate for SAN signed by CA.
leaf() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$C/$1.key" \
		-out "$C/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\n' "$3" >"$C/$1.ext"
	openssl x509 -req -in "$C/$1.csr" -CA "$C/$2.pem" -CAkey "$C/$2.key" \
		-CAcreateserial -days 2 -extfile "$C/$1.ext" -out "$C/$1.pem" 2>/dev/null
}
ca test-ca
ca other-ca
leaf server test-ca "DNS:localhost,IP:127.0.0.1"
leaf client test-ca "DNS:scanopy-service"
chmod 600 "$C"/*.key
CA="$C/test-ca.pem"

# PostgreSQL: TLS on, and only TLS connections accepted from the network.
PGC="$T_DIR/pgcerts"
mkdir -p "$PGC"
cp "$C/server.pem" "$C/server.key" "$PGC/"
printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n' \
	>"$PGC/pg_hba.conf"
chown -R postgres:postgres "$PGC"
chmod 600 "$PGC/server.key"
PG_OPTS="-c ssl=on -c ssl_cert_file=$PGC/server.pem -c ssl_key_file=$PGC/server.key -c hba_file=$PGC/pg_hba.conf" \
	PG_FSYNC=off start_pg "$T_DIR/pg" "$T_PG_PORT"
# nats-server: TLS-only on the client port, client certificates required.
NATS_OPTS="--tls --tlscert $C/server.pem --tlskey $C/server.key --tlsverify --tlscacert $CA" \
	start_nats "$T_DIR/nats" "$T_NATS_PORT" "$T_NATS_MON"

export SCANOPY_NATS_URL=tls://localhost:$T_NATS_PORT
export SCANOPY_NATS_TLS_CA=$CA SCANOPY_NATS_TLS_CERT=$C/client.pem SCANOPY_NATS_TLS_KEY=$C/client.key
export SCANOPY_DATABASE_URL="postgresql://postgres@localhost:$T_PG_PORT/scanopy?sslmode=verify-full&sslrootcert=$CA"

# (psql fails here by design: its output is read apart from its status, which
# pipefail would otherwise make the pipeline's)
plain_pg_refused() {
	local out
	out=$(psql "postgresql://postgres@127.0.0.1:$T_PG_PORT/scanopy?sslmode=disable" -c 'SELECT 1' 2>&1) || true
	grep -q "no pg_hba.conf entry.*no encryption" <<<"$out"
}
check "PostgreSQL refuses a connection without TLS" plain_pg_refused
check "nats-server refuses a client without TLS" \
	sh -c "! timeout 60 '$BIN/obs-publish' --nats-url nats://127.0.0.1:$T_NATS_PORT --org-id o \
		--network-id n --daemon-id d --count 1 >'$T_DIR/plain-nats.log' 2>&1"

svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
ssl_clients() {
	sql "SELECT count(*) FILTER (WHERE s.ssl) || ' ' || count(*) FROM pg_stat_ssl s
	     JOIN pg_stat_activity a USING (pid) WHERE a.backend_type = 'client backend'
	     AND a.client_addr IS NOT NULL"
}
read -r SSL_N ALL_N <<<"$(ssl_clients)"
check "services reach PostgreSQL over TLS only ($SSL_N of $ALL_N connections)" \
	test "$SSL_N" -ge 3 -a "$SSL_N" = "$ALL_N"
nats_tls() {
	curl -sf "http://127.0.0.1:$T_NATS_MON/connz?auth=true" |
		jq -e '[.connections[] | select(.tls_version != null and .tls_version != "")] | length >= 3' >/dev/null
}
check "services reach NATS over TLS with their client certificate" nats_tls

# A service given the wrong CA for PostgreSQL does not connect, and says why.
"$BIN/scanopy-topology" --http-port $TOPO2_PORT --db-wait-ms 0 \
	--database-url "postgresql://postgres@localhost:$T_PG_PORT/scanopy?sslmode=verify-full&sslrootcert=$C/other-ca.pem" \
	>"$T_DIR/topo-wrong-ca.log" 2>&1 && WRONG_RC=0 || WRONG_RC=$?
check "verify-full with the wrong CA is refused (certificate verify failed)" \
	sh -c "[ $WRONG_RC -ne 0 ] && grep -q 'certificate verify failed' '$T_DIR/topo-wrong-ca.log'"

# The gateway on HTTPS, its own port, nothing in clear.
"$BIN/scanopy-gateway" --http-port "$GW_PORT" --tls-cert "$C/server.pem" --tls-key "$C/server.key" \
	--secret-key-file "$T_DIR/gw/secret.key" >>"$T_DIR/scanopy-gateway.log" 2>&1 &
echo $! >"$T_DIR/scanopy-gateway-$GW_PORT.pid"
GW_URL=https://localhost:$GW_PORT
check "the gateway serves HTTPS" wait_for 60 curl -sf --cacert "$CA" "$GW_URL/healthz"
check "and only HTTPS on its port" sh -c "! curl -sf --max-time 5 http://127.0.0.1:$GW_PORT/api/health"
check "its certificate is not trusted without the CA" sh -c "! curl -sf --max-time 5 $GW_URL/api/health"
export CURL_CA_BUNDLE=$CA # for this script's curl, not the daemons
api_bootstrap tls
check "the API works over HTTPS" is_uuid "$NET"
cookie_secure() { grep -qi 'scanopy_session=.*; Secure' "$T_DIR/jar.headers"; }
curl -sf -D "$T_DIR/jar.headers" -o /dev/null -XPOST "$G/api/v1/auth/login" -H "$J" \
	-d '{"email":"o@test.example","password":"correct horse battery"}'
check "the session cookie is marked Secure" cookie_secure

# daemon_run NAME [FLAGS...]: a daemon of its own state and control socket.
# Trust comes from its flags alone, never from the environment's CA bundle.
daemon_run() {
	local name=$1; shift
	env -u CURL_CA_BUNDLE "$BIN/scanopy-daemon" run --server-url "$GW_URL" --api-key "$DKEY" \
		--name "$name" --state-dir "$T_DIR/$name" --control-socket "ipc://$T_DIR/$name.ipc" \
		--poll-interval 1 "$@" >>"$T_DIR/$name.log" 2>&1 &
	echo $! >"$T_DIR/$name.pid"
}
registered_are() {
	[ "$(curl -sf -H "$A" "$G/api/v1/daemons?network_id=$NET" | jq -r '[.[].name] | sort | join(",")')" = "$1" ]
}
ingested() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$NET'")" -ge 1 ]; }

daemon_run good --server-ca "$CA"
check "a daemon trusting the CA registers over HTTPS" wait_for 90 registered_are good
check "and its observations are ingested" wait_for 90 ingested

daemon_run wrong-ca --server-ca "$C/other-ca.pem"
daemon_run no-ca
PIN=$(openssl x509 -in "$C/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
daemon_run pinned --server-ca "$CA" --server-pin "sha256//$PIN"
daemon_run bad-pin --server-ca "$CA" --server-pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
explained() { grep -q "certificate is not trusted: give the CA that signed it with --server-ca" "$T_DIR/$1.log"; }
check "a daemon with the wrong CA is refused, and told to fix --server-ca" wait_for 90 explained wrong-ca
check "so is one with no CA (the system's do not include it)" wait_for 90 explained no-ca
pin_refused() { grep -q "does not match --server-pin" "$T_DIR/bad-pin.log"; }
check "a daemon with a wrong key pin is refused" wait_for 90 pin_refused
check "a daemon with the right pin registers" wait_for 90 registered_are good,pinned
sleep 2
check "and none of the refused ones did" registered_are good,pinned
for d in good wrong-ca no-ca pinned bad-pin; do stop_pid "$T_DIR/$d.pid"; done

no_ca_file() {
	local out rc=0
	out=$(timeout 20 "$BIN/scanopy-daemon" run --server-url "$GW_URL" --api-key x \
		--server-ca "$T_DIR/none.pem" --state-dir "$T_DIR/none" \
		--control-socket "ipc://$T_DIR/none.ipc" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q -- "--server-ca $T_DIR/none.pem" <<<"$out"
}
check "a CA file that does not exist stops the daemon at start, named" no_ca_file
finish
