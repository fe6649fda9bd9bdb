#!/bin/bash
# The CLI on PostgreSQL: the same file imported into SQLite and PostgreSQL
# gives the same register; all-or-nothing holds on PostgreSQL too.
. "$(dirname "$0")/lib.inc"
if [ -z "${DANCU_TEST_PG:-}" ]; then
	notok "DANCU_TEST_PG is not set (scripts/test.sh starts PostgreSQL)"
	finish
fi
db="cli_$$_$RANDOM"
psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
PG="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
N=20000
quick && N=3000
"$DANCU" gen --count $N --seed 77 --out "$T/a.csv"
expect_exit 0 "import into PostgreSQL" "$DANCU" import --quiet --pg "$PG" "$T/a.csv"
expect_exit 0 "import into SQLite" "$DANCU" import --quiet --db "$T/r.db" "$T/a.csv"
"$DANCU" report --pg "$PG" --today 2026-01-01 | sed 's/"backend":"[a-z]*",//; s/"events":[0-9]*,//' >"$T/pg.json"
"$DANCU" report --db "$T/r.db" --today 2026-01-01 | sed 's/"backend":"[a-z]*",//; s/"events":[0-9]*,//' >"$T/sq.json"
check "both back ends hold the same register" cmp -s "$T/pg.json" "$T/sq.json"
expect_exit 0 "re-import on PostgreSQL is a no-op" "$DANCU" import --quiet --pg "$PG" "$T/a.csv"
check "re-import adds nothing" grep -q "0 imported, $N unchanged" "$T/err"
"$DANCU" gen --count 2000 --seed 3 --errors 0.05 --out "$T/dirty.csv"
expect_exit 1 "bad rows reject the whole file on PostgreSQL" "$DANCU" import --quiet --pg "$PG" "$T/dirty.csv"
check "nothing was added" test "$(count_citizens --pg "$PG")" = $N
pin=$(sed -n 2p "$T/a.csv" | cut -d, -f1)
expect_exit 0 "show on PostgreSQL" "$DANCU" show --pg "$PG" "$pin"
"$DANCU" show --db "$T/r.db" "$pin" >"$T/sq-show"
check "the same record on both" cmp -s "$T/out" "$T/sq-show"
finish
