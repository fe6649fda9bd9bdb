#!/bin/sh
# Starts or stops a throw-away PostgreSQL server for the tests.
#   pg.sh start DIR   initdb into DIR (as an unprivileged user when run as
#                     root), start on a free 127.0.0.1 port, print the conninfo
#   pg.sh stop DIR    stop it (the caller removes DIR)
#   pg.sh resume DIR  start a stopped one again on the same port (fault tests)
#   pg.sh replica DIR PRIMARY_DIR
#                     a streaming replica (hot standby) of the server in
#                     PRIMARY_DIR, on its own free port; prints its conninfo
# Nothing outside DIR is touched; no system service is used.
set -eu
cmd=$1
dir=$(realpath -m "$2")
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "pg.sh: PostgreSQL server binaries not found (install the postgresql package)" >&2
	exit 1
fi
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
case "$cmd" in
start)
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	# A free port: try random ones until the server starts on one.
	opts="-c listen_addresses=127.0.0.1 -c max_connections=200"
	# Tests trade durability for speed; benchmarks keep PostgreSQL's defaults.
	[ "${PG_DURABLE:-0}" = 1 ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	tries=0
	while :; do
		tries=$((tries + 1))
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000))
		if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-p $port -k $dir $opts" \
			start >/dev/null 2>&1; then
			break
		fi
		if [ $tries -ge 5 ]; then
			cat "$dir/server.log" >&2
			exit 1
		fi
	done
	echo "$port" >"$dir/port"
	echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
	;;
replica)
	pdir=$(realpath -m "$3")
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$(cat "$pdir/port")" -U postgres \
		-D "$dir/data" -R -X stream >"$dir/basebackup.log" 2>&1 || {
		cat "$dir/basebackup.log" >&2
		exit 1
	}
	opts="-c listen_addresses=127.0.0.1 -c max_connections=200 -c hot_standby=on"
	[ "${PG_DURABLE:-0}" = 1 ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	tries=0
	while :; do
		tries=$((tries + 1))
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000))
		if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-p $port -k $dir $opts" start >/dev/null 2>&1; then
			break
		fi
		if [ $tries -ge 5 ]; then
			cat "$dir/server.log" >&2
			exit 1
		fi
	done
	echo "$port" >"$dir/port"
	echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
	;;
resume)
	opts="-c listen_addresses=127.0.0.1 -c max_connections=200"
	[ "${PG_DURABLE:-0}" = 1 ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-p $(cat "$dir/port") -k $dir $opts" start >/dev/null
	;;
stop)
	[ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	;;
*)
	echo "usage: pg.sh start|stop|resume DIR | replica DIR PRIMARY_DIR" >&2
	exit 2
	;;
esac
