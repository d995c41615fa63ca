#!/usr/bin/env bash
# Starts what deploy/install.sh installed into a staging root the way systemd
# would start its units (no systemd runs here): each unit's EnvironmentFile=
# lines read in order (a leading '-' makes one optional), then its ExecStart=.
# Paths under the root's /usr/local, /etc/scanopy, /var/lib/scanopy and /run
# are taken inside the staging root. First the administrator's part: point
# /etc/scanopy/scanopy.env at the test NATS and PostgreSQL, move the ports,
# give the daemon its ids. Every service must become healthy on /healthz, the
# daemon must answer `scanopy-daemon status`, and all must exit 0 on SIGTERM.
#
#   units-smoke.sh STAGING_ROOT WORK NATS_PORT PG_PORT PORT_BASE
set -euo pipefail
R=$1 W=$2 NATS_PORT=$3 PG_PORT=$4 BASE=$5
mkdir -p "$W"
ETC=$R/etc/scanopy UNITS=$R/etc/systemd/system
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done' EXIT

# The administrator's edits.
sed -i -e "s|^SCANOPY_NATS_URL=.*|SCANOPY_NATS_URL=nats://127.0.0.1:$NATS_PORT|" \
	-e "s|^SCANOPY_DATABASE_URL=.*|SCANOPY_DATABASE_URL=postgresql://scanopy@127.0.0.1:$PG_PORT/scanopy_units|" \
	"$ETC/scanopy.env"
i=0
for s in gateway fingerprint topology scheduler; do
	sed -i "s|^SCANOPY_HTTP_PORT=.*|SCANOPY_HTTP_PORT=$((BASE + i))|" "$ETC/$s.env"
	i=$((i + 1))
done
sed -i -e "s|^SCANOPY_NATS_URL=.*|SCANOPY_NATS_URL=nats://127.0.0.1:$NATS_PORT|" \
	-e "s|^SCANOPY_ORG_ID=.*|SCANOPY_ORG_ID=7d3e0c52-9f4b-4c1e-8a6d-2b5f9e0a1c33|" \
	-e "s|^SCANOPY_NETWORK_ID=.*|SCANOPY_NETWORK_ID=0e8b6f21-3a7c-4d95-b1e4-5c2d8a9f6b44|" "$ETC/daemon.env"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAtc "SELECT 1 FROM pg_roles WHERE rolname='scanopy'" | grep -q 1 ||
	psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE ROLE scanopy LOGIN CREATEROLE"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS scanopy_units WITH (FORCE)"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE scanopy_units OWNER scanopy"

# A path systemd would see, inside the staging root.
inroot() {
	case $1 in
	/usr/local/* | /etc/scanopy* | /var/lib/scanopy* | /run/scanopy*) echo "$R$1" ;;
	ipc:///run/*) echo "ipc://$R${1#ipc://}" ;;
	*) echo "$1" ;;
	esac
}
# unit_env UNIT: fills ENV with KEY=VALUE from its EnvironmentFile= files, in
# order, as systemd reads them (whole lines; '#' starts a comment line only).
unit_env() {
	local f opt line
	ENV=()
	while read -r f; do
		opt=; case $f in -*) opt=1; f=${f#-} ;; esac
		if [ ! -f "$R$f" ]; then
			[ -n "$opt" ] && continue
			echo "unit_env: $1 needs $f, which install.sh did not write" >&2; return 1
		fi
		while IFS= read -r line || [ -n "$line" ]; do
			case $line in '' | '#'* | ';'*) continue ;; esac
			ENV+=("${line%%=*}=$(inroot "${line#*=}")")
		done <"$R$f"
	done < <(sed -n 's/^EnvironmentFile=//p' "$UNITS/$1")
}
mkdir -p "$R/var/lib/scanopy" "$R/run/scanopy" # StateDirectory=, RuntimeDirectory=
sed -e "s|ipc:///run/scanopy|ipc://$R/run/scanopy|" -e "s|\"/var/lib/scanopy\"|\"$R/var/lib/scanopy\"|" \
	"$ETC/daemon.json" >"$W/daemon.json"
for s in gateway fingerprint topology scheduler daemon; do
	read -r -a exec < <(sed -n 's/^ExecStart=//p' "$UNITS/scanopy-$s.service")
	unit_env "scanopy-$s.service" || exit 1
	extra=()
	[ "$s" = daemon ] && extra=(SCANOPY_CONFIG="$W/daemon.json") # its /etc/scanopy/daemon.json, in the root
	setsid env -i PATH=/usr/bin:/bin HOME=/nonexistent "${extra[@]}" "${ENV[@]}" \
		"$(inroot "${exec[0]}")" "${exec[@]:1}" >"$W/$s.log" 2>&1 </dev/null &
	PIDS+=($!)
done

ok=
for _ in $(seq 300); do
	ok=1
	for i in 0 1 2 3; do curl -sf -o /dev/null "http://127.0.0.1:$((BASE + i))/healthz" || ok=; done
	[ -n "$ok" ] && break
	sleep 0.2
done
[ -n "$ok" ] || { echo "services not healthy:"; tail -n 3 "$W"/*.log; exit 1; }
echo "    4 services started from their units and environment files are healthy"
ok=
for _ in $(seq 100); do
	if env -i PATH=/usr/bin:/bin SCANOPY_CONFIG="$W/daemon.json" "$R/usr/local/bin/scanopy-daemon" status >"$W/status" 2>&1; then ok=1; break; fi
	sleep 0.2
done
[ -n "$ok" ] || { echo "daemon status failed:"; cat "$W/status"; tail -n 5 "$W/daemon.log"; exit 1; }
echo "    daemon from its unit answers status: $(head -c 160 "$W/status")"
for p in "${PIDS[@]}"; do kill -TERM "$p"; done
rc=0
for p in "${PIDS[@]}"; do
	for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
	wait "$p" || { echo "a process exited $? on SIGTERM"; rc=1; }
done
[ $rc -eq 0 ] && echo "    all exited 0 on SIGTERM"
exit $rc
