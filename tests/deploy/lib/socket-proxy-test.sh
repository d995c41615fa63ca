#!/usr/bin/env bash
# Runs deploy/docker/docker-socket-proxy/haproxy.cfg with Debian's haproxy in
# front of a fake Docker socket and checks the allow-list: the calls Docker
# discovery makes pass (with or without an API version prefix), everything
# else gets 403 and never reaches the socket.
#   socket-proxy-test.sh ROOT WORKDIR PORT
set -euo pipefail
ROOT=$1 W=$2 PORT=$3
rm -rf "$W"; mkdir -p "$W"
sed -e "s|bind :2375|bind 127.0.0.1:$PORT|" -e "s|/var/run/docker.sock|$W/docker.sock|" \
	"$ROOT/deploy/docker/docker-socket-proxy/haproxy.cfg" >"$W/haproxy.cfg"
haproxy -c -q -f "$W/haproxy.cfg"
python3 "$ROOT/tests/deploy/lib/fake-docker.py" "$W/docker.sock" 2>"$W/fake.log" &
FAKE=$!
haproxy -db -f "$W/haproxy.cfg" >"$W/haproxy.log" 2>&1 &
HAP=$!
trap 'kill $HAP $FAKE 2>/dev/null; wait $HAP $FAKE 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	[ -S "$W/docker.sock" ] && curl -s -o /dev/null "http://127.0.0.1:$PORT/_ping" && break
	sleep 0.1
done
fails=0
expect() { # expect STATUS METHOD PATH
	local got
	got=$(curl -s --path-as-is -o "$W/body" -w '%{http_code}' -X "$2" ${4:+-H 'Content-Type: application/json' -d "$4"} "http://127.0.0.1:$PORT$3")
	if [ "$got" != "$1" ]; then echo "    $2 $3: $got, want $1"; fails=$((fails + 1)); fi
	if [ "$1" = 200 ] && ! grep -q '"fake": "docker"' "$W/body"; then echo "    $2 $3: did not reach the socket"; fails=$((fails + 1)); fi
}
expect 200 GET /_ping
expect 200 GET /v1.41/version
expect 200 GET "/containers/json?all=1"
expect 200 GET /v1.41/containers/json
expect 200 GET /v1.41/containers/3f4e8a9b2c1d/json
expect 200 GET /networks
expect 200 POST /v1.41/containers/web1/exec '{"Cmd":["cat","/etc/os-release"]}'
expect 200 POST /v1.41/exec/0a1b2c3d4e5f/start '{"Detach":false}'
expect 200 GET /v1.41/exec/0a1b2c3d4e5f/json
expect 403 POST /v1.41/containers/create '{"Image":"alpine"}'
expect 403 POST /containers/web1/start
expect 403 POST /containers/web1/kill
expect 403 DELETE /v1.41/containers/web1
expect 403 GET /v1.41/images/json
expect 403 POST /v1.41/images/create
expect 403 GET /v1.41/volumes
expect 403 POST /v1.41/networks/create '{"Name":"x"}'
expect 403 GET /v1.41/networks/bridge
expect 403 GET /v1.41/containers/web1/logs
expect 403 GET /v1.41/containers/web1/archive
expect 403 GET /info
expect 403 GET /v1.41/secrets
expect 403 GET /containers/../images/json
expect 403 POST /v1.41/exec/0a1b2c3d4e5f/resize
expect 403 GET /v1.41/containers/json/../../images/json
expect 403 GET /v1.41/containers/../json
expect 403 GET /v1.41/containers/%2e%2e/images/json
expect 403 GET //v1.41/images/json
# Nothing denied may have reached the socket.
if grep -Eq '"(POST|DELETE) /v1.41/containers/create|images|volumes|/kill|/logs' "$W/fake.log"; then
	echo "    a denied request reached the Docker socket"; fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
