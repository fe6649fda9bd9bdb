#!/bin/bash
# Reads from a PostgreSQL streaming replica within a staleness bound: a
# record read is served by the replica when it is fresh (header
# x-dancu-read: replica); a citizen registered a moment ago is still found
# (the primary answers what the replica lacks); a replica that falls behind
# the bound, or stops, is not used; writes always go to the primary.
. "$(dirname "$0")/lib.inc"
root=$(cd "$(dirname "$0")/../.." && pwd)
chmod 755 "$T" # the PostgreSQL servers run as their own user
P=$("$root/scripts/pg.sh" start "$T/p") || { notok "primary up"; finish; }
R=$("$root/scripts/pg.sh" replica "$T/r" "$T/p") || { notok "replica up"; "$root/scripts/pg.sh" stop "$T/p"; finish; }
trap '"$root/scripts/pg.sh" stop "$T/r"; "$root/scripts/pg.sh" stop "$T/p"; rm -rf "$T"' EXIT
"$DANCU" gen --count 500 --seed 7 --out "$T/p.csv"
"$DANCU" import --quiet --pg "$P" "$T/p.csv"
pin=$(sed -n 2p "$T/p.csv" | cut -d, -f1)
SEC=$(officer_new --pg "$P" -- r.admin national_admin VN)
for _ in $(seq 50); do
	[ "$(psql -Atq "$R" -c "SELECT count(*) FROM officer" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
serve_start --pg "$P" --pg-replica "$R" --replica-lag-ms 1000 || { notok "server up"; finish; }
TOK=$(officer_token r.admin "$SEC")
read_from() { # pin → prints "STATUS replica|primary"
	curl -s -D "$T/h" -o "$T/body" -w '%{http_code}' "$URL/api/v1/citizens/$1?purpose=verification" -H "Authorization: Bearer $TOK"
	if grep -qi '^x-dancu-read: replica' "$T/h"; then echo " replica"; else echo " primary"; fi
}
sleep 0.3
check "a fresh replica serves record reads" test "$(read_from "$pin")" = "200 replica"
check "the read is audited on the primary" test "$(psql -Atq "$P" -c "SELECT count(*) FROM audit WHERE action = 'citizen.read' AND subject_pin = '$pin'")" = 1
# A birth, read back at once.
api POST /api/v1/births "$TOK" '{"birth_name":"Đỗ Thị Hoa","dob":"2026-11-01","sex":"F","birth_reg_unit":"00004","evidence":"KS-1"}' >/dev/null
kid=$(json_str pin <"$T/body")
check "a citizen registered a moment ago is found at once" test "$(read_from "$kid" | cut -d' ' -f1)" = 200
# Replay paused: the replica falls behind; past the bound, reads go to the primary.
psql -q "$R" -c "SELECT pg_wal_replay_pause()" >/dev/null
api POST "/api/v1/citizens/$pin/death" "$TOK" '{"death_date":"2026-11-20","evidence":"KT-1"}' >/dev/null
sleep 1.6
check "a lagging replica is not used" test "$(read_from "$pin")" = "200 primary"
check "and the read is current (the death shows)" grep -q '"status":"dead"' "$T/body"
psql -q "$R" -c "SELECT pg_wal_replay_resume()" >/dev/null
ok=""
for _ in $(seq 30); do
	[ "$(read_from "$pin")" = "200 replica" ] && ok=1 && break
	sleep 0.2
done
check "once caught up, the replica serves again" test -n "$ok"
"$root/scripts/pg.sh" stop "$T/r"
sleep 0.4
check "a stopped replica is not used; reads still work" test "$(read_from "$pin")" = "200 primary"
serve_stop
check "one audit chain that verifies" "$DANCU" audit verify --pg "$P"
finish
