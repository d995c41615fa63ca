#!/usr/bin/env bash
# Runs where the system should run for the browser tests (the lab's scanner
# namespace, or this host): NATS, PostgreSQL and the services on loopback
# test ports (tests/integration/lib.sh), the gateway serving the built UI,
# then the end-to-end flow and the 5,000-host load test in chromium.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
BUILD=${SCANOPY_BUILD_DIR:-$ROOT/build}
UI_DIR=${SCANOPY_UI_DIR:-$BUILD/ui}
env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT --ui-dir "$UI_DIR"
export G=http://127.0.0.1:$GW_PORT BIN T_DIR
export EMAIL=owner@ui-test.example PASSWORD='correct horse battery staple'
cd "$HERE"
check "browser: setup, daemon wizard, discovery, the four views, evidence, edit survives a rescan" node flow.mjs
check "browser: a 5,000-host view renders in budget" node load.mjs
finish
