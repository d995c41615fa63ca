#!/usr/bin/env bash
# Install the Debian packages the Scanopy test lab needs (idempotent).
#
# Only packages that are not yet installed are handed to apt-get, so a second
# run on a ready machine does nothing and needs no network. Daemons never
# auto-start here (policy-rc.d / no systemd); the lab starts every one by hand.
set -euo pipefail

# Grouped by purpose so it is easy to see why each package is here.
PKGS=(
  # plumbing: namespaces, bridges, probes used by up/check/score
  iproute2 iputils-ping procps psmisc util-linux openssl python3
  nmap bind9-dnsutils snmp lldpd snmpd curl
  # host services
  dnsmasq-base nginx-light openssh-server openssh-client
  postgresql redis-server memcached mosquitto
  postfix slapd mariadb-server
  prometheus-node-exporter chrony
  # Docker-compatible API (see shared/ENVIRONMENT.md: podman recipe)
  podman runc crun netavark aardvark-dns iptables uidmap slirp4netns
  fuse-overlayfs catatonit busybox-static
  # Docker socket proxy (allow-list, HTTPS with client certificates) for collect_e2e
  haproxy
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# postfix and slapd ask questions at install time: answer them so that neither
# creates a system-wide configuration or database (the lab writes its own).
debconf-set-selections <<'SEL'
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string lab.example
slapd slapd/no_configuration boolean true
SEL

APT=(apt-get -o DPkg::Lock::Timeout=600 -y --no-install-recommends)
# Only refresh the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  apt-get -o DPkg::Lock::Timeout=600 update
fi
"${APT[@]}" install "${missing[@]}"
echo "install-deps: done"
