#!/bin/bash
# Faults: PostgreSQL stopped under a running server, a full disk under
# SQLite. The service answers promptly with 503 / 507 problem documents,
# recovers by itself when the fault clears, and nothing is corrupted.
. "$(dirname "$0")/lib.inc"
root=$(cd "$(dirname "$0")/../.." && pwd)
chmod 755 "$T" # the PostgreSQL server runs as its own user

ms() { date +%s%3N; }
stay() { # key guests-count → status
	local g="" at
	at=$(TZ=Asia/Ho_Chi_Minh date +%FT%H:%M)
	for i in $(seq "$2"); do g="$g${g:+,}{\"event\":\"arrival\",\"passport\":\"F$RANDOM$i\",\"nationality\":\"DE\",\"at\":\"$at\",\"name\":\"$(head -c 190 /dev/zero | tr '\0' x)\"}"; done
	curl -s -m 10 -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/stays" -H "X-Api-Key: $1" -d "{\"guests\":[$g]}"
}

# --- PostgreSQL stopped and started again ------------------------------------
if conn=$("$root/scripts/pg.sh" start "$T/pg"); then
	SEC=$(officer_new --pg "$conn" -- f.admin national_admin VN)
	serve_start --pg "$conn" || notok "pg: server up"
	TOK=$(officer_token f.admin "$SEC")
	api POST /api/v1/businesses "$TOK" '{"id":"f.hotel","name":"F","commune":"00004","kind":"hotel"}' >/dev/null
	KEY=$(json_str api_key <"$T/body")
	check "pg: a report before the fault" test "$(stay "$KEY" 1)" = 200
	"$root/scripts/pg.sh" stop "$T/pg"
	t0=$(ms)
	check "pg: readiness says 503 when PostgreSQL is down" test "$(curl -s -m 5 -o "$T/r" -w '%{http_code}' "$URL/readyz")" = 503
	st=$(stay "$KEY" 1)
	t1=$(ms)
	check "pg: a write answers 503 (got $st)" test "$st" = 503
	check "pg: with a problem document" grep -q '"code":"unavailable"' "$T/body"
	check "pg: promptly ($((t1 - t0)) ms < 3000)" test $((t1 - t0)) -lt 3000
	check "pg: liveness still answers" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200
	"$root/scripts/pg.sh" resume "$T/pg"
	ok=0
	for _ in $(seq 50); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && ok=1 && break
		sleep 0.1
	done
	check "pg: ready again by itself" test $ok = 1
	for _ in 1 2 3; do st=$(stay "$KEY" 1); [ "$st" = 200 ] && break; done
	check "pg: writes work again" test "$st" = 200
	check "pg: reads work again" test "$(api GET "/api/v1/stays?commune=00004" "$TOK")" = 200
	serve_stop
	check "pg: the audit chain verifies" "$DANCU" audit verify --pg "$conn"
	"$root/scripts/pg.sh" stop "$T/pg"
else
	notok "pg: could not start a PostgreSQL server for the fault test"
fi

# --- slow clients and a connection flood ----------------------------------------
rm -f "$T/k.key"
serve_start --db "$T/flood.db" || notok "flood: server up"
ulimit -n 8192 2>/dev/null || true
node "$root/tests/node/flood.mjs" "$URL" 1500 >"$T/flood.out" 2>&1
sed 's/^/flood: /; s/^flood: ok /ok flood: /; s/^flood: not ok /not ok flood: /' "$T/flood.out"
grep -q '^ok promptly' "$T/flood.out" || notok "flood: the node script finished"
check "flood: the server is still up" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200
serve_stop

# --- a full disk ---------------------------------------------------------------
mkdir -p "$T/small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=6m tmpfs "$T/small" 2>/dev/null; then
	trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
	rm -f "$T/k.key"
	SEC=$(officer_new --db "$T/small/f.db" -- d.admin national_admin VN)
	serve_start --db "$T/small/f.db" || notok "disk: server up"
	TOK=$(officer_token d.admin "$SEC")
	api POST /api/v1/businesses "$TOK" '{"id":"d.hotel","name":"D","commune":"00004","kind":"hotel"}' >/dev/null
	KEY=$(json_str api_key <"$T/body")
	check "disk: a report fits" test "$(stay "$KEY" 1)" = 200
	# Fill the disk, leaving a little room, then write until it is full.
	dd if=/dev/zero of="$T/small/filler" bs=64k 2>/dev/null || true
	rm -f "$T/small/filler"
	dd if=/dev/zero of="$T/small/filler" bs=64k count=$(($(df --output=avail -k "$T/small" | tail -1) / 64 - 4)) 2>/dev/null
	st=200
	for _ in $(seq 80); do
		st=$(stay "$KEY" 50)
		[ "$st" = 200 ] || break
	done
	check "disk: a full disk answers 507 (got $st)" test "$st" = 507
	check "disk: with the storage_full code" grep -q '"code":"storage_full"' "$T/body"
	dd if=/dev/zero of="$T/small/filler2" bs=4k 2>/dev/null || true # the last pages too
	# A read is answered only when its audit entry could be written (SQLite
	# may still fit it in the write-ahead log's reused space): 200 with one
	# more audit entry, or 503 with none — never an unaudited read.
	a0=$(sqlite3 "$T/small/f.db" "SELECT count(*) FROM audit WHERE action = 'stay.overview'")
	st=$(api GET "/api/v1/stays?commune=00004" "$TOK")
	a1=$(sqlite3 "$T/small/f.db" "SELECT count(*) FROM audit WHERE action = 'stay.overview'")
	check "disk: no read of personal data without its audit entry ($st, $a0 → $a1)" test "$st/$((a1 - a0))" = 200/1 -o "$st/$((a1 - a0))" = 503/0
	rm -f "$T/small/filler2"
	check "disk: liveness still answers" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200
	rm -f "$T/small/filler"
	for _ in 1 2 3; do st=$(stay "$KEY" 1); [ "$st" = 200 ] && break; done
	check "disk: writes work again once space is freed" test "$st" = 200
	serve_stop
	check "disk: the database is intact" test "$(sqlite3 "$T/small/f.db" 'PRAGMA integrity_check')" = ok
	check "disk: the audit chain verifies" "$DANCU" audit verify --db "$T/small/f.db"
else
	echo "ok disk: full-disk test skipped (needs root to mount a small tmpfs) # SKIP"
fi
finish
