#!/usr/bin/env bash
# The fingerprint service classifies with its definitions, refuses a broken
# user file on SIGHUP (naming file and line, keeping the set in use), and
# loads the fixed file on a message on scanopy.control.fingerprint.reload.
. "$(dirname "$0")/lib.sh"
env_up
ORG=$(uuid) NET=$(uuid) DAEMON=$(uuid)
DEFS=$T_DIR/user-definitions
mkdir -p "$DEFS"
svc_start scanopy-fingerprint $FP_PORT --user-definitions-dir "$DEFS"
PID=$(cat "$T_DIR/scanopy-fingerprint-$FP_PORT.pid")
m() { metric $FP_PORT "$1"; }
loaded() { [ "$(m scanopy_fingerprint_definitions)" -ge 300 ] 2>/dev/null; }
check "built-in definitions loaded" wait_for 10 loaded
N=$(m scanopy_fingerprint_definitions)
echo "  $N definitions"

# obs-publish sends a host with 22/tcp open: the SSH fallback names it.
"$BIN/obs-publish" --org-id "$ORG" --network-id "$NET" --daemon-id "$DAEMON" --count 5
acked() { [ "$(m scanopy_fingerprint_acked_total)" -ge "$1" ]; }
check "five batches classified and acked" wait_for 30 acked 5
check "each got a service match" test "$(m scanopy_fingerprint_matches_total)" -ge 5

# A broken user file: SIGHUP reloads, the load fails, the old set stays.
cat >"$DEFS/site.yaml" <<'YAML'
definitions:
  - id: site-app
    name: Site app
    category: Nowhere
    match: {banner: '^SITE'}
YAML
kill -HUP "$PID"
failed() { [ "$(m scanopy_fingerprint_reload_failures_total)" -ge 1 ]; }
check "a broken file is refused" wait_for 15 failed
check "the error names file and line" grep -q "site.yaml:2: site-app: unknown category 'Nowhere'" \
	"$T_DIR/scanopy-fingerprint.log"
check "the set in use is kept" test "$(m scanopy_fingerprint_definitions)" -eq "$N"
check "still healthy" sh -c 'curl -sf http://127.0.0.1:$FP_PORT/healthz >/dev/null'

# Fixed; reloaded by a message on the control subject (NATS text protocol).
sed -i 's/category: Nowhere/category: Development/' "$DEFS/site.yaml"
exec 3<>"/dev/tcp/127.0.0.1/$T_NATS_PORT"
printf 'CONNECT {"verbose":false}\r\nPUB scanopy.control.fingerprint.reload 0\r\n\r\nPING\r\n' >&3
timeout 5 grep -m1 -q PONG <&3 || true
exec 3>&-
reloaded() { [ "$(m scanopy_fingerprint_reloads_total)" -ge 1 ]; }
# A reload parses and compiles every definition again: tens of seconds
# under the sanitizers on a busy machine.
check "a control message reloads" wait_for 90 reloaded
check "the user's definition is in the set" test "$(m scanopy_fingerprint_definitions)" -eq $((N + 1))
check "the new version is logged" grep -q "definitions reloaded: $((N + 1)) definitions" \
	"$T_DIR/scanopy-fingerprint.log"
"$BIN/obs-publish" --org-id "$ORG" --network-id "$NET" --daemon-id "$DAEMON" --count 5 --start 6
check "batches after the reload flow" wait_for 30 acked 10
finish
