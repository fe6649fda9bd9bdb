#!/bin/bash
# Scale-out on PostgreSQL: two `dancu serve` nodes on one database take
# birth registrations at the same time → no personal ID number handed out
# twice, no lost event, one audit chain that verifies.
. "$(dirname "$0")/lib.inc"
if [ -z "${DANCU_TEST_PG:-}" ]; then
	notok "DANCU_TEST_PG is not set"
	finish
fi
db="dancu_nodes_$$"
psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
PGC="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
SECA=$(officer_new --pg "$PGC" -- n.a national_admin VN)
SECB=$(officer_new --pg "$PGC" -- n.b national_admin VN)
start_node() { # name → URL in URL_name
	"$DANCU" serve --port 0 --threads 2 --pg "$PGC" --master-key "$T/k.key" --access-log '' 2>"$T/$1.err" &
	echo $! >"$T/$1.pid"
	for _ in $(seq 100); do
		u=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/$1.err" | head -n 1)
		[ -n "$u" ] && echo "$u" >"$T/$1.url" && return 0
		sleep 0.1
	done
	return 1
}
check "node A up" start_node a
check "node B up" start_node b
A=$(cat "$T/a.url")
B=$(cat "$T/b.url")
URL=$A
TOKA=$(officer_token n.a "$SECA")
URL=$B
TOKB=$(officer_token n.b "$SECB")
check "logged in on both nodes" test ${#TOKA} = 43 -a ${#TOKB} = 43
births() { # url token tag
	local given=(An Bình Cường Dũng Giang Hải Khoa Lâm Minh Nam)
	for i in $(seq 60); do
		curl -s -X POST "$1/api/v1/births" -H "Authorization: Bearer $2" \
			-d "{\"birth_name\":\"Phạm Văn ${given[$((i % 10))]}\",\"dob\":\"2026-10-$(printf %02d $((i % 28 + 1)))\",\"sex\":\"F\",\"birth_reg_unit\":\"00004\",\"evidence\":\"KS-$3-$i\",\"mother_name\":\"Mẹ $3 $i\"}" |
			grep -o '"pin":"[0-9]*"' | head -n 1 | cut -d'"' -f4
	done >"$T/pins.$3"
}
births "$A" "$TOKA" a1 &
p1=$!
births "$A" "$TOKA" a2 &
p2=$!
births "$B" "$TOKB" b1 &
p3=$!
births "$B" "$TOKB" b2 &
p4=$!
wait $p1 $p2 $p3 $p4
total=$(cat "$T"/pins.* | grep -c .)
uniq=$(cat "$T"/pins.* | sort -u | grep -c .)
check "240 births acknowledged on two nodes ($total)" test "$total" = 240
check "no number handed out twice" test "$uniq" = "$total"
q() { psql -q -t -A "$PGC" -c "$1"; }
check "every acknowledged birth is in the register" test "$(q "SELECT count(*) FROM citizen WHERE pin IN ($(cat "$T"/pins.* | sed "s/.*/'&'/" | paste -sd,))")" = "$total"
check "one birth event each, none lost" test "$(q "SELECT count(*) FROM event WHERE kind = 'birth'")" = "$total"
check "event numbers are unique" test "$(q "SELECT count(DISTINCT seq) = count(*) FROM event")" = t
kill "$(cat "$T/a.pid")" "$(cat "$T/b.pid")"
wait 2>/dev/null
check "one audit chain that verifies" "$DANCU" audit verify --pg "$PGC"
psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
finish
