#!/usr/bin/env bash
# The daemon links net-snmp, libcurl and jansson dynamically: a function of
# ours with the name of one of theirs silently replaces it inside the library
# (the discovery engine's snmp_parse once did, and net-snmp then parsed every
# answer with our code and corrupted its heap). Fails on any such name.
set -euo pipefail
BIN=$1
shift
ours=$(nm --defined-only "$BIN" | awk '$2 == "T" {print $3}' | sort -u)
clash=0
for lib in "$@"; do
	theirs=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sort -u)
	both=$(comm -12 <(echo "$ours") <(echo "$theirs"))
	if [ -n "$both" ]; then
		echo "FAIL - $(basename "$BIN") defines functions of $(basename "$lib"): $both"
		clash=1
	fi
done
[ "$clash" = 0 ] && echo "ok   - $(basename "$BIN") defines no function of $(basename -a "$@" | tr '\n' ' ')"
exit "$clash"
