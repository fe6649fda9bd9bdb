#!/bin/bash
# `make bench` for the foundation: generate + import a synthetic population,
# side by side with the sqlite3 CLI's .import of the same CSV into the same
# schema under the same pragmas, in-process lookups by ID, and the same
# import on PostgreSQL (dancu's COPY path vs psql \copy).
#   DANCU_BENCH_N=1000000 (default)   DANCU_BENCH_BIG=1 → 10,000,000
# Results: bench-out/results.md (paste into docs/PERFORMANCE.md).
set -euo pipefail
B=${1:-build}
DANCU="$B/dancu"
out=bench-out
N=${DANCU_BENCH_N:-1000000}
[ "${DANCU_BENCH_BIG:-0}" = 1 ] && N=10000000 && export DANCU_BENCH_STATS_FILL=${DANCU_BENCH_STATS_FILL:-1}
mkdir -p "$out"
rm -rf "$out"/*.db* "$out/pg"
res="$out/results.md"
now() { date +%s.%N; }
el() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }
rate() { awk "BEGIN{printf \"%.0f\", $1 / $2}"; }

{
	echo "### Foundation benchmark, $(date -u +%F)"
	echo
	echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
	echo "$(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr); sqlite $(sqlite3 --version | cut -d' ' -f1),"
	echo "PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -1). Command: \`make bench\` (N=$N)."
	echo
	echo "| step | dancu | peer | ratio (dancu/peer) |"
	echo "|---|---|---|---|"
} >"$res"

t0=$(now)
"$DANCU" gen --count "$N" --seed 1 --out "$out/pop.csv"
t1=$(now)
gen_s=$(el "$t0" "$t1")
echo "gen: $N rows in ${gen_s}s"

t0=$(now)
"$DANCU" import --quiet --db "$out/dancu.db" "$out/pop.csv"
t1=$(now)
imp_s=$(el "$t0" "$t1")

# The sqlite3 CLI: a table with the CSV's columns, the same primary key and
# secondary indexes as dancu's citizen table, and the same pragmas.
cols=$(head -n 1 "$out/pop.csv")
ddl="CREATE TABLE citizen($(echo "$cols" | sed 's/,/ TEXT, /g') TEXT, PRIMARY KEY(pin));"
idx=$(sqlite3 "$out/dancu.db" ".schema citizen" | grep -i '^CREATE INDEX' || true)
pragmas=$(sqlite3 "$out/dancu.db" "PRAGMA journal_mode" | head -1)
cat >"$out/cli.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA cache_size=-262144;
$ddl
$idx
.import --csv --skip 1 $out/pop.csv citizen
SQL
t0=$(now)
sqlite3 "$out/cli.db" <"$out/cli.sql"
t1=$(now)
cli_s=$(el "$t0" "$t1")
cli_n=$(sqlite3 "$out/cli.db" "SELECT count(*) FROM citizen")
dc_n=$(sqlite3 "$out/dancu.db" "SELECT count(*) FROM citizen")
echo "import: dancu ${imp_s}s ($dc_n rows), sqlite3 CLI ${cli_s}s ($cli_n rows); dancu journal_mode=$pragmas"
echo "| import $N rows into SQLite (rows/s; dancu validates every row and writes the batch event) | $(rate "$N" "$imp_s") | sqlite3 CLI .import: $(rate "$N" "$cli_s") | $(awk "BEGIN{printf \"%.2f\", $cli_s / $imp_s}") |" >>"$res"
echo "| generate $N people (rows/s) | $(rate "$N" "$gen_s") | — | — |" >>"$res"

cut -d, -f1 "$out/pop.csv" | tail -n +2 | shuf -n 200000 --random-source=<(yes) >"$out/pins.txt"
lk=$("$B/bench/lookup" "$out/dancu.db" "$out/pins.txt" 5)
echo "lookup: $lk"
lk_rate=$(echo "$lk" | sed -E 's/.*rate=([0-9]+).*/\1/')
echo "| lookup by ID, in process, 1 thread, $N-row register (lookups/s) | $lk_rate | — | — |" >>"$res"
# the chip: issue, read from the software chip, passive authentication (ms per card)
"$B/bench/chip" 1000 | sed 's/^/chip: /'

# PostgreSQL: a durable server (fsync on), dancu import (COPY) vs psql \copy.
if conn=$(PG_DURABLE=1 scripts/pg.sh start "$out/pg"); then
	trap 'scripts/pg.sh stop "$out/pg"' EXIT
	psql "$conn" -qc "CREATE DATABASE bench_dancu" -c "CREATE DATABASE bench_psql"
	pgd="${conn/dbname=postgres/dbname=bench_dancu}"
	pgp="${conn/dbname=postgres/dbname=bench_psql}"
	t0=$(now)
	"$DANCU" import --quiet --pg "$pgd" "$out/pop.csv"
	t1=$(now)
	pg_s=$(el "$t0" "$t1")
	pidx=$(psql "$pgd" -Atc "SELECT indexdef || ';' FROM pg_indexes WHERE tablename = 'citizen' AND indexname NOT LIKE '%pkey'")
	psql "$pgp" -qc "CREATE TABLE citizen($(echo "$cols" | sed 's/,/ TEXT, /g') TEXT, PRIMARY KEY(pin))" -c "$pidx"
	t0=$(now)
	psql "$pgp" -qc "\\copy citizen FROM '$out/pop.csv' WITH (FORMAT csv, HEADER true)"
	t1=$(now)
	psql_s=$(el "$t0" "$t1")
	echo "postgres: dancu ${pg_s}s, psql \\copy ${psql_s}s"
	echo "| import $N rows into PostgreSQL (rows/s) | $(rate "$N" "$pg_s") | psql \\\\copy: $(rate "$N" "$psql_s") | $(awk "BEGIN{printf \"%.2f\", $psql_s / $pg_s}") |" >>"$res"
	# The dashboard on the PostgreSQL register just imported.
	scripts/bench_stats.sh "$B" --pg "$pgd" "$res" PostgreSQL
fi
# The dashboard on the SQLite register.
scripts/bench_stats.sh "$B" --db "$out/dancu.db" "$res" SQLite
# HTTP: wrk against nginx (the ceiling), dancu lookups and stay reports.
scripts/bench_http.sh "$B" "$out/dancu.db" "$res"
# QR verification of issued cards over HTTP, nginx in the same run.
scripts/bench_qr_http.sh "$B" "$res"
# OpenID Connect: dancu and npm oidc-provider side by side, then a login flood.
scripts/bench_oidc.sh 100 "$(nproc)" | tee "$out/oidc.txt"
echo
cat "$res"
