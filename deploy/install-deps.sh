#!/usr/bin/env bash
# Installs every Debian package the build, the local stack and the tests need.
# Idempotent: packages already present are skipped, so a warm machine pays ~1 s.
set -euo pipefail

BUILD_PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
  libnng-dev libnats-dev libpq-dev libmicrohttpd-dev libprotobuf-c-dev protobuf-c-compiler
  libpcap-dev libsnmp-dev libssl-dev libjansson-dev libargon2-dev libcmocka-dev
  libyaml-dev libpcre2-dev ieee-data libcurl4-openssl-dev zlib1g-dev libc-ares-dev"
# Hyperscan (multi-pattern matching for the fingerprint engine) is x86-64 only;
# elsewhere the engine falls back to PCRE2 alone.
[ "$(dpkg --print-architecture)" = amd64 ] && BUILD_PKGS="$BUILD_PKGS libhyperscan-dev"
# The web UI is built with node and npm (Debian's nodejs 18 is enough; a
# nodejs that ships its own npm, e.g. NodeSource's, is kept as it is).
UI_PKGS="nodejs"
command -v npm >/dev/null 2>&1 || UI_PKGS="$UI_PKGS npm"
RUN_PKGS="nats-server postgresql curl jq iproute2 iputils-ping procps"
TEST_PKGS="nmap arp-scan tcpdump snmp snmpd lldpd valgrind python3 wrk dnsmasq-base socat"

want=()
for p in $BUILD_PKGS $UI_PKGS $RUN_PKGS ${SCANOPY_WITH_TEST_DEPS:+$TEST_PKGS}; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || want+=("$p")
done
[ ${#want[@]} -eq 0 ] && exit 0

echo "installing: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
