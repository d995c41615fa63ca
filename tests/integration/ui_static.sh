#!/usr/bin/env bash
# The gateway serves the web UI's files from ui_dir: types, caching of hashed
# assets, the index.html fallback for client routes (and not for missing
# files), the CSP on every answer, no escape from ui_dir, /api/* untouched.
. "$(dirname "$0")/lib.sh"
env_up
UI=$T_DIR/ui
mkdir -p "$UI/assets" "$UI/.hidden"
echo '<!doctype html><title>t</title>' >"$UI/index.html"
echo 'console.log(1)' >"$UI/assets/index-AbC123.js"
echo 'body{}' >"$UI/assets/style-x1.css"
echo '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$UI/favicon.svg"
echo secret >"$UI/.hidden/x.txt"
echo outside >"$T_DIR/outside.txt"
ln -s "$T_DIR/outside.txt" "$UI/link.txt"
svc_start scanopy-gateway $GW_PORT --ui-dir "$UI"
G=http://127.0.0.1:$GW_PORT
h() { curl -s -o /dev/null -D - "$G$1" | tr -d '\r'; }
code() { curl -s -o /dev/null -w '%{http_code}' --path-as-is "$G$1"; }
has() { h "$1" | grep -qi "^$2"; }

check "/ is index.html" has / "content-type: text/html"
check "index.html is revalidated" has / "cache-control: no-cache"
check "a strict CSP on the page" has / "content-security-policy: default-src 'none'; script-src 'self'"
check "a hashed asset is JavaScript" has /assets/index-AbC123.js "content-type: text/javascript"
check "and cached for a year" has /assets/index-AbC123.js "cache-control: public, max-age=31536000, immutable"
check "CSS type" has /assets/style-x1.css "content-type: text/css"
check "SVG type" has /favicon.svg "content-type: image/svg+xml"
check "a client route gets index.html" bash -c "curl -sf '$G/views/l3' | grep -q '<title>t</title>'"
check "a deep client route too" bash -c "curl -sf '$G/hosts/$(uuid)' | grep -q '<title>t</title>'"
check "a missing asset is 404" test "$(code /assets/missing-1.js)" = 404
check "a missing file with an extension is 404" test "$(code /nope.png)" = 404
check "no .. escape" test "$(code /assets/../../outside.txt)" = 404
check "no hidden files" test "$(code /.hidden/x.txt)" = 404
check "no symlinks out" test "$(code /link.txt)" = 404
etag=$(h /assets/index-AbC123.js | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "an ETag" test -n "$etag"
check "If-None-Match gives 304" test "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$G/assets/index-AbC123.js")" = 304
check "HEAD works" test "$(curl -s -o /dev/null -w '%{http_code}' -I "$G/")" = 200
check "/api/health is still the API" bash -c "curl -sf '$G/api/health' | jq -e '.status == \"ok\"' >/dev/null"
check "an unknown /api/ route is a JSON 404, not the UI" bash -c "curl -s '$G/api/v1/nope' | jq -e '.error.code == \"not_found\"' >/dev/null"
check "POST to a UI path is not the UI" test "$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$G/views/l3")" = 404
check "/healthz still answers" curl -sf "$G/healthz" -o /dev/null

# Without a built UI: a clear 404, not a crash.
stop_pid "$T_DIR/scanopy-gateway-$GW_PORT.pid" 10
svc_start scanopy-gateway $GW_PORT --ui-dir "$T_DIR/none"
check "no UI built: / says so" bash -c "curl -s '$G/' | jq -e '.error.code == \"ui_not_built\"' >/dev/null"
finish
