# Shell functions that start and stop the servers the system runs on: a
# nats-server with JetStream and a private PostgreSQL cluster. Sourced by the
# local stack (deploy/stack) and by the integration tests, each with its own
# directory and ports. Everything is started as a plain process with a pidfile,
# because these machines have no systemd.

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# pid_alive PIDFILE: the pid in PIDFILE names a running process.
pid_alive() {
	[ -s "$1" ] && kill -0 "$(head -n 1 "$1")" 2>/dev/null
}

# stop_pid PIDFILE [SECONDS]: SIGTERM, wait, then SIGKILL; removes the file.
stop_pid() {
	local f=$1 t=${2:-10} pid
	[ -s "$f" ] || { rm -f "$f"; return 0; }
	pid=$(head -n 1 "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		wait_for "$t" sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
		wait_for 5 sh -c "! kill -0 $pid"
	fi
	rm -f "$f"
}

# start_nats DIR PORT MONITOR_PORT; NATS_OPTS adds flags (e.g. --tls ...).
start_nats() {
	local dir=$1 port=$2 mon=$3
	mkdir -p "$dir/js"
	pid_alive "$dir/nats.pid" && return 0
	# shellcheck disable=SC2086 # NATS_OPTS is a list of flags
	nats-server -a 127.0.0.1 -p "$port" -m "$mon" -js -sd "$dir/js" ${NATS_OPTS:-} \
		-P "$dir/nats.pid" >>"$dir/nats.log" 2>&1 &
	wait_for 10 curl -sf "http://127.0.0.1:$mon/healthz" ||
		{ echo "nats-server did not start; see $dir/nats.log" >&2; return 1; }
}

stop_nats() { stop_pid "$1/nats.pid"; }

# start_pg DIR PORT: initialises the cluster on first use, starts it, and
# creates the scanopy database. PostgreSQL refuses root, so it runs as postgres.
# PG_OPTS adds server settings (e.g. "-c ssl=on -c ssl_cert_file=...").
start_pg() {
	local dir=$1 port=$2
	mkdir -p "$dir"
	chown postgres:postgres "$dir"
	if [ ! -s "$dir/data/PG_VERSION" ]; then
		runuser -u postgres -- "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust \
			-E UTF8 --locale=C.UTF-8 --no-sync >/dev/null ||
			{ echo "initdb failed" >&2; return 1; }
	fi
	if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-on} ${PG_OPTS:-}" \
			start >/dev/null || { echo "postgres did not start; see $dir/server.log" >&2; return 1; }
	fi
	runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -U postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = 'scanopy'" | grep -q 1 ||
		runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres scanopy
}

stop_pg() {
	[ -d "$1/data" ] || return 0
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
}
