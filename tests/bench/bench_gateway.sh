#!/usr/bin/env bash
# The gateway under wrk beside nginx: GET /api/health, an authenticated list
# (GET /api/v1/hosts of a network holding the lab-shaped model of
# topo_fixture.py), a view (L2) and the organisation's (its one network),
# each against nginx serving a static file of exactly the same size from
# loopback, in the same run; then ingest
# (POST /api/v1/daemons/{id}/batches, a distinct protobuf batch per request,
# each answered only once JetStream has it) against nginx reading the same
# bodies and answering 202 with a reply of the same size, and against
# obs-publish sending the same batches straight to JetStream one at a time.
# Prints requests per second, latency and the gateway/nginx ratio per route.
# Figures only, not a pass/fail test.
#
#   tests/bench/bench_gateway.sh [SECONDS] [CONNECTIONS]     (wrk, nginx)
#
# The gateway runs with its rate limit off (--rate-limit 0: one key would be
# held to 50 requests per second otherwise) and its default worker threads
# (BENCH_GW_THREADS=N sets --threads N).
. "$(dirname "$0")/../integration/lib.sh"
SECS=${1:-10} CONNS=${2:-32}
command -v wrk >/dev/null || { echo "bench_gateway: wrk is missing (apt-get install wrk)"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench_gateway: nginx is missing (apt-get install nginx)"; exit 77; }
NGINX_PORT=$((26080 + O))

env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT # owns the sessions a daemon's registration touches
svc_start scanopy-gateway $GW_PORT --rate-limit 0 ${BENCH_GW_THREADS:+--threads $BENCH_GW_THREADS}
api_bootstrap bench
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
python3 "$ROOT/tests/integration/topo_fixture.py" >"$T_DIR/fx.json"
NB=$(jq length "$T_DIR/fx.json")
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
	--daemon-id "$(uuid)" --json "$T_DIR/fx.json" >/dev/null
applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$NET'")" -ge "$NB" ]; }
wait_for 90 applied || { echo "bench_gateway: the model did not load"; exit 1; }

# The same bodies, byte for byte, as nginx's static files.
mkdir -p "$T_DIR/www" "$T_DIR/nginx-tmp"
ROUTES=("/api/health" "/api/v1/hosts?network_id=$NET&limit=100" "/api/v1/networks/$NET/views/l2" "/api/v1/views/l2")
FILES=(health.json hosts.json l2.json org-l2.json)
for i in "${!ROUTES[@]}"; do
	curl -sf -H "$A" "$G${ROUTES[$i]}" >"$T_DIR/www/${FILES[$i]}"
done
chmod -R a+rX "$T_DIR/www"
cat >"$T_DIR/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $T_DIR/nginx.pid;
error_log $T_DIR/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	types { application/json json; }
	client_body_temp_path $T_DIR/nginx-tmp/body;
	proxy_temp_path $T_DIR/nginx-tmp/proxy;
	fastcgi_temp_path $T_DIR/nginx-tmp/fastcgi;
	uwsgi_temp_path $T_DIR/nginx-tmp/uwsgi;
	scgi_temp_path $T_DIR/nginx-tmp/scgi;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $T_DIR/www;
		location = /ingest {
			default_type application/json;
			return 202 '{"accepted":true,"sequence":100000,"observations":2}';
		}
	}
}
CONF
"$NGINX" -c "$T_DIR/nginx.conf" -p "$T_DIR" >>"$T_DIR/nginx.log" 2>&1 &
echo $! >"$T_DIR/nginx-main.pid" # stopped with the rest on exit
wait_for 10 curl -sf "http://127.0.0.1:$NGINX_PORT/${FILES[0]}" -o /dev/null ||
	{ echo "bench_gateway: nginx did not start"; cat "$T_DIR/nginx-error.log"; exit 1; }

# rps URL [HEADER]: wrk's requests per second and mean latency.
rps() {
	local url=$1; shift
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$url" "$@" >"$T_DIR/wrk.out" 2>&1
	if grep -q "Non-2xx" "$T_DIR/wrk.out"; then
		echo "bench_gateway: non-2xx answers from $url" >&2
		cat "$T_DIR/wrk.out" >&2
	fi
	echo "$(awk '/^Requests\/sec:/ {print $2}' "$T_DIR/wrk.out") $(awk '$1 == "Latency" {print $2; exit}' "$T_DIR/wrk.out")"
}
echo "wrk -t2 -c$CONNS -d${SECS}s, gateway with $(nproc) cores shared; nginx worker_processes auto"
printf '%-44s %8s %12s %10s %12s %10s %7s\n' route bytes gateway_rps latency nginx_rps latency ratio
for i in "${!ROUTES[@]}"; do
	size=$(stat -c %s "$T_DIR/www/${FILES[$i]}")
	read -r g gl < <(rps "$G${ROUTES[$i]}" -H "$A")
	read -r n nl < <(rps "http://127.0.0.1:$NGINX_PORT/${FILES[$i]}")
	ratio=$(awk -v a="$g" -v b="$n" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
	route=${ROUTES[$i]//$NET/\{id\}}
	printf '%-44s %8s %12s %10s %12s %10s %7s\n' "${route%%&*}" "$size" "$g" "$gl" "$n" "$nl" "$ratio"
done

# Ingest: a registered daemon posts distinct batches (obs-publish writes them
# length-prefixed; tests/bench/ingest.lua sends each once).
DID=$(uuid) NINGEST=200000
curl -sS --fail-with-body -XPOST -H "Authorization: Bearer $DKEY" -H "$J" "$G/api/v1/daemons/register" \
	-d '{"daemon_id":"'"$DID"'","name":"bench","version":"0.1.0","mode":"daemon_poll"}' >/dev/null ||
	{ echo "bench_gateway: the daemon did not register"; exit 1; }
"$BIN/obs-publish" --org-id "$ORG" --network-id "$NET" --daemon-id "$DID" --start 100000 \
	--count "$NINGEST" --write "$T_DIR/batches.bin"
LUA="$ROOT/tests/bench/ingest.lua"
read -r g gl < <(rps "$G/api/v1/daemons/$DID/batches" -s "$LUA" \
	-H "Authorization: Bearer $DKEY" -H "Content-Type: application/x-protobuf" -- "$T_DIR/batches.bin" 2)
read -r n nl < <(rps "http://127.0.0.1:$NGINX_PORT/ingest" -s "$LUA" \
	-H "Content-Type: application/x-protobuf" -- "$T_DIR/batches.bin" 2)
ratio=$(awk -v a="$g" -v b="$n" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
printf '%-44s %8s %12s %10s %12s %10s %7s\n' "POST /api/v1/daemons/{id}/batches" \
	"$(($(stat -c %s "$T_DIR/batches.bin") / NINGEST - 4))" "$g" "$gl" "$n" "$nl" "$ratio"
# The bus alone: the same kind of batches published to JetStream one at a
# time, each waiting for its ack, as the gateway does per request.
start=$(date +%s.%N)
"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$NET" \
	--daemon-id "$(uuid)" --start 1 --count 20000 >/dev/null
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "reference: obs-publish to JetStream, one at a time: %.0f batches/s\n", 20000 / (e - s) }'
