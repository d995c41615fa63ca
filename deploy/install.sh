#!/usr/bin/env bash
# Installs Scanopy on a Linux host with systemd: the binaries, the built-in
# fingerprint definitions, the systemd units, the `scanopy` system user and a
# configuration in /etc/scanopy. Idempotent: run it again after a new build to
# upgrade; configuration files that exist are never changed (new defaults
# are left beside them as <file>.default), the daemon's id is kept, and the
# services that were running are restarted on the new binaries.
#
#   deploy/install.sh [options]
#
#   --components LIST  comma-separated: gateway,fingerprint,topology,scheduler,
#                      daemon (default: all of them); a host in a network to
#                      document needs only `--components daemon`
#   --bin-dir DIR      the built binaries (default: $SCANOPY_BUILD_DIR/bin, else
#                      build/bin in this repository)
#   --build            build first (installs the build packages with
#                      deploy/install-deps.sh, then cmake)
#   --prefix DIR       where binaries and data go (default: /usr/local)
#   --root DIR         install under DIR instead of / (staging, packaging,
#                      tests): no systemctl; the user is created only when
#                      DIR/etc/passwd exists
#   --no-start         enable the units but start or restart nothing
#
# First install: edit /etc/scanopy/scanopy.env (NATS and PostgreSQL URLs) and,
# for the daemon, /etc/scanopy/daemon.env; then
#   systemctl start scanopy.target          # the server services
#   systemctl start scanopy-daemon.service  # the daemon
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
ALL_COMPONENTS="gateway fingerprint topology scheduler daemon"
COMPONENTS=$ALL_COMPONENTS
BIN_DIR=${SCANOPY_BUILD_DIR:+$SCANOPY_BUILD_DIR/bin}
BIN_DIR=${BIN_DIR:-$REPO/build/bin}
PREFIX=/usr/local
ROOT=
BUILD=
START=1

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--components) COMPONENTS=$(echo "$2" | tr ',' ' '); shift ;;
	--bin-dir) BIN_DIR=$2; shift ;;
	--build) BUILD=1 ;;
	--prefix) PREFIX=$2; shift ;;
	--root) ROOT=$(cd "$2" && pwd); shift ;;
	--no-start) START= ;;
	-h | --help) usage ;;
	*) echo "install.sh: unknown option $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
for c in $COMPONENTS; do
	case " $ALL_COMPONENTS " in *" $c "*) ;; *) echo "install.sh: unknown component $c" >&2; exit 2 ;; esac
done
[ "$(id -u)" -eq 0 ] || [ -n "$ROOT" ] || { echo "install.sh: run as root" >&2; exit 1; }

has() { case " $COMPONENTS " in *" $1 "*) return 0 ;; esac; return 1; }
SERVICES=
for c in gateway fingerprint topology scheduler; do has "$c" && SERVICES="$SERVICES $c"; done

ETC=$ROOT/etc/scanopy
UNITDIR=$ROOT/etc/systemd/system
BINDEST=$ROOT$PREFIX/bin
SHARE=$ROOT$PREFIX/share/scanopy
DOCDIR=$ROOT$PREFIX/share/doc/scanopy
changed=0 unchanged=0 kept=0
note() { echo "install.sh: $*"; }

# ---- build ----------------------------------------------------------------------
if [ -n "$BUILD" ]; then
	"$REPO/deploy/install-deps.sh"
	build_dir=$(dirname "$BIN_DIR")
	cmake -S "$REPO" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DFP_DEFINITIONS_DIR="$PREFIX/share/scanopy/fingerprint" \
		-DSCANOPY_UI_DIR="$PREFIX/share/scanopy/ui" >/dev/null
	cmake --build "$build_dir" -j"$(nproc)" >/dev/null
fi
for c in $COMPONENTS; do
	[ -x "$BIN_DIR/scanopy-$c" ] || {
		echo "install.sh: $BIN_DIR/scanopy-$c is missing: build first (--build, or cmake)" >&2
		exit 1
	}
done

# ---- helpers ----------------------------------------------------------------------
# put SRC DEST MODE: replaces DEST with SRC atomically (a running binary keeps
# its old inode) when they differ.
put() {
	local src=$1 dest=$2 mode=$3
	if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
		chmod "$mode" "$dest"
		unchanged=$((unchanged + 1))
		return 1
	fi
	mkdir -p "$(dirname "$dest")"
	install -m "$mode" "$src" "$dest.install-new"
	mv -f "$dest.install-new" "$dest"
	changed=$((changed + 1))
	return 0
}
# config NAME CONTENT: writes /etc/scanopy/NAME unless it exists; a different
# new default goes to NAME.default for the administrator to compare.
config() {
	local f=$ETC/$1 tmp
	tmp=$(mktemp)
	printf '%s\n' "$2" >"$tmp"
	if [ -e "$f" ]; then
		kept=$((kept + 1))
		if ! cmp -s "$tmp" "$f"; then install -m 0640 "$tmp" "$f.default"; else rm -f "$f.default"; fi
	else
		install -m 0640 "$tmp" "$f"
		changed=$((changed + 1))
		note "wrote $f"
	fi
	rm -f "$tmp"
	[ -n "$OWNER_OK" ] && chown root:scanopy "$f" "$f.default" 2>/dev/null || true
}

# ---- user -------------------------------------------------------------------------
OWNER_OK=
if [ -n "$SERVICES" ] || has daemon; then
	if [ -z "$ROOT" ]; then
		getent group scanopy >/dev/null || groupadd --system scanopy
		id scanopy >/dev/null 2>&1 || useradd --system --gid scanopy --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin --comment "Scanopy services" scanopy
		OWNER_OK=1
	elif [ -f "$ROOT/etc/passwd" ]; then
		grep -q '^scanopy:' "$ROOT/etc/group" || groupadd --prefix "$ROOT" --system scanopy
		grep -q '^scanopy:' "$ROOT/etc/passwd" || useradd --prefix "$ROOT" --system --gid scanopy \
			--no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --comment "Scanopy services" scanopy
	else
		note "no $ROOT/etc/passwd: the scanopy user is not created"
	fi
fi

# ---- binaries, data, units ----------------------------------------------------------
UPDATED_UNITS=
for c in $COMPONENTS; do
	if put "$BIN_DIR/scanopy-$c" "$BINDEST/scanopy-$c" 0755; then
		note "installed $PREFIX/bin/scanopy-$c"
		UPDATED_UNITS="$UPDATED_UNITS scanopy-$c.service"
	fi
done
# Unit files name /usr/local/bin; another prefix is written into them.
unit() {
	local tmp
	tmp=$(mktemp)
	sed -e "s|/usr/local/bin/|$PREFIX/bin/|g" -e "s|/usr/local/share/|$PREFIX/share/|g" \
		"$REPO/deploy/systemd/$1" >"$tmp"
	if put "$tmp" "$UNITDIR/$1" 0644; then
		note "installed unit $1"
		UNITS_CHANGED=1
		case " $UPDATED_UNITS " in *" $1 "*) ;; *) UPDATED_UNITS="$UPDATED_UNITS $1" ;; esac
	fi
	rm -f "$tmp"
}
UNITS_CHANGED=
for c in $COMPONENTS; do unit "scanopy-$c.service"; done
[ -n "$SERVICES" ] && unit scanopy.target
if has fingerprint && [ -d "$REPO/svc-fingerprint/definitions" ]; then
	# The built-in definitions, replaced as a whole (definitions removed upstream go too).
	if ! diff -rq "$REPO/svc-fingerprint/definitions" "$SHARE/fingerprint" >/dev/null 2>&1; then
		rm -rf "$SHARE/fingerprint.install-new"
		mkdir -p "$SHARE"
		cp -R "$REPO/svc-fingerprint/definitions" "$SHARE/fingerprint.install-new"
		chmod -R u=rwX,go=rX "$SHARE/fingerprint.install-new"
		rm -rf "$SHARE/fingerprint.install-old"
		[ -d "$SHARE/fingerprint" ] && mv "$SHARE/fingerprint" "$SHARE/fingerprint.install-old"
		mv "$SHARE/fingerprint.install-new" "$SHARE/fingerprint"
		rm -rf "$SHARE/fingerprint.install-old"
		changed=$((changed + 1))
		note "installed the built-in definitions in $PREFIX/share/scanopy/fingerprint"
		case " $UPDATED_UNITS " in *" scanopy-fingerprint.service "*) ;; *) UPDATED_UNITS="$UPDATED_UNITS scanopy-fingerprint.service" ;; esac
	else
		unchanged=$((unchanged + 1))
	fi
fi
# The built web UI (build/ui), replaced as a whole, beside the gateway.
UI_BUILT=$(dirname "$BIN_DIR")/ui
if has gateway && [ -f "$UI_BUILT/index.html" ]; then
	if ! diff -rq "$UI_BUILT" "$SHARE/ui" >/dev/null 2>&1; then
		rm -rf "$SHARE/ui.install-new" "$SHARE/ui.install-old"
		mkdir -p "$SHARE"
		cp -R "$UI_BUILT" "$SHARE/ui.install-new"
		chmod -R u=rwX,go=rX "$SHARE/ui.install-new"
		[ -d "$SHARE/ui" ] && mv "$SHARE/ui" "$SHARE/ui.install-old"
		mv "$SHARE/ui.install-new" "$SHARE/ui"
		rm -rf "$SHARE/ui.install-old"
		changed=$((changed + 1))
		note "installed the web UI in $PREFIX/share/scanopy/ui"
	else
		unchanged=$((unchanged + 1))
	fi
fi
if [ -f "$REPO/docs/deployment.md" ]; then
	put "$REPO/docs/deployment.md" "$DOCDIR/deployment.md" 0644 || true
fi

# ---- configuration (never overwritten) ---------------------------------------------------
mkdir -p "$ETC" "$ETC/definitions"
chmod 0750 "$ETC"
[ -n "$OWNER_OK" ] && chown root:scanopy "$ETC" "$ETC/definitions"
if [ -n "$SERVICES" ]; then
	config scanopy.env "# Settings every Scanopy service on this host reads (SCANOPY_* variables;
# see scanopy-<service> --help). Each service's own file overrides these.
SCANOPY_NATS_URL=nats://127.0.0.1:4222
# JetStream stream replicas: 3 when NATS is a 3-node cluster.
SCANOPY_NATS_REPLICAS=1
# A libpq connection URI. The user owns the database and has CREATEROLE.
SCANOPY_DATABASE_URL=postgresql://scanopy@127.0.0.1:5432/scanopy
#PGPASSWORD=
SCANOPY_LOG_LEVEL=info"
fi
for c in $SERVICES; do
	port=$("$BINDEST/scanopy-$c" --help 2>/dev/null | sed -n 's/.*--http-port .*(default: \([0-9]*\)).*/\1/p')
	text="# scanopy-$c settings (SCANOPY_* variables; see scanopy-$c --help).
# /etc/scanopy/scanopy.env has the shared ones.
# Listen on 127.0.0.1 only, or 0.0.0.0 behind a firewall or load balancer.
SCANOPY_HTTP_BIND=127.0.0.1
SCANOPY_HTTP_PORT=${port:-0}"
	if [ "$c" = fingerprint ]; then
		text="$text
# Built-in definitions, and your own (reloaded without a restart).
SCANOPY_DEFINITIONS_DIR=$PREFIX/share/scanopy/fingerprint
SCANOPY_USER_DEFINITIONS_DIR=/etc/scanopy/definitions"
	fi
	if [ "$c" = gateway ]; then
		text="$text
# The web UI's built files.
SCANOPY_UI_DIR=$PREFIX/share/scanopy/ui"
	fi
	if [ "$c" = topology ]; then
		text="$text
# History: complete sweeps in a row that must miss a host for it to be gone
# (1..100), and days sweeps are kept (1..3650; more than host_gone_after_s).
#SCANOPY_HOST_GONE_MISSED_SWEEPS=2
#SCANOPY_SWEEPS_KEEP_DAYS=30"
	fi
	config "$c.env" "$text"
done
if has daemon; then
	config daemon.json '{
  "control_socket": "ipc:///run/scanopy/daemon.ipc",
  "state_dir": "/var/lib/scanopy"
}'
	config daemon.env "# scanopy-daemon settings (SCANOPY_* variables; see scanopy-daemon --help).
# daemon.json holds the control socket and state directory, which the
# scanopy-daemon status|scan|stop commands read too.
SCANOPY_NAME=$(hostname 2>/dev/null || echo daemon)
# integrated: straight to the server's NATS (the mode this version runs).
SCANOPY_MODE=integrated
SCANOPY_NATS_URL=nats://127.0.0.1:4222
# The organisation and network this daemon reports into.
SCANOPY_ORG_ID=
SCANOPY_NETWORK_ID=
# Docker discovery through a socket proxy instead of /var/run/docker.sock:
#SCANOPY_DOCKER_PROXY=https://docker-host:2376
#SCANOPY_DOCKER_PROXY_SSL_CERT=/etc/scanopy/docker-client.pem
#SCANOPY_DOCKER_PROXY_SSL_KEY=/etc/scanopy/docker-client.key
#SCANOPY_DOCKER_PROXY_SSL_CHAIN=/etc/scanopy/docker-ca.pem"
fi

# ---- shared libraries ---------------------------------------------------------------------
missing=
for c in $COMPONENTS; do
	m=$(ldd "$BINDEST/scanopy-$c" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
	[ -n "$m" ] && missing="$missing scanopy-$c: $m;"
done
if [ -n "$missing" ]; then
	echo "install.sh: shared libraries are missing:$missing" >&2
	echo "install.sh: deploy/docker/stage-runtime.sh on the build host lists the Debian packages" >&2
	[ -z "$ROOT" ] && exit 1
fi

# ---- systemd ----------------------------------------------------------------------------
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	[ -n "$SERVICES" ] && systemctl enable --quiet scanopy.target
	for c in $COMPONENTS; do systemctl enable --quiet "scanopy-$c.service"; done
	if [ -n "$START" ] && [ -n "$UPDATED_UNITS" ]; then
		# Upgrades: restart what was running; a first install starts nothing
		# (the configuration needs the administrator first).
		# shellcheck disable=SC2086
		systemctl try-restart $UPDATED_UNITS
	fi
elif [ -z "$ROOT" ]; then
	note "systemd is not running here: units installed, nothing enabled or started"
fi

echo "install.sh: $changed installed or updated, $unchanged unchanged, $kept configuration file(s) kept"
