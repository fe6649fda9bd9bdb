#!/bin/bash
# Benchmark of batch verification (docs/PERFORMANCE.md, "Verification"):
# dancu verify-batch vs the sqlite3 CLI running the equivalent join on the
# same register and the same CSV, in the same run. Both read the CSV and
# write a result CSV; the CLI joins on the number and compares name, date
# and sex byte for byte, while dancu also grades every field (normalised,
# no diacritics, partial), writes an audit entry per row and checkpoints.
#   scripts/bench_verify.sh [BUILD]     DANCU_BENCH_N=1000000 (default)
# Results: bench-out/verify.md
set -euo pipefail
B=${1:-build}
DANCU="$B/dancu"
out=bench-out/verify
N=${DANCU_BENCH_N:-1000000}
mkdir -p "$out"
rm -rf "${out:?}"/*
now() { date +%s.%N; }
el() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }
rate() { awk "BEGIN{printf \"%.0f\", $1 / $2}"; }

"$DANCU" gen --count "$N" --seed 5 --dups 0.03 --today "$(date -u -d '+7 hours' +%F)" \
	--truth "$out/truth.csv" --out "$out/pop.csv"
"$DANCU" import --quiet --partial --db "$out/r.db" "$out/pop.csv" 2>/dev/null || true
"$DANCU" org add --db "$out/r.db" --id bench --name Bench --fields name,dob,sex \
	--purposes account_opening >/dev/null
# claims: every row's name, date of birth and sex; near-duplicates under
# their original's number with their varied name
awk -F, 'NR == FNR { if (FNR > 1) dup[$1] = $4; next }
	FNR == 1 { print "ref,id_number,name,dob,sex"; next }
	{ id = $1; if (dup[FNR] != "") id = dup[FNR]; print FNR "," id "," $7 "," $2 "," $3 }' \
	"$out/truth.csv" "$out/pop.csv" >"$out/in.csv"
cp "$out/r.db" "$out/cli.db"
"$DANCU" audit verify --db "$out/r.db" >/dev/null

t0=$(now)
/usr/bin/time -f '%M' -o "$out/dancu.rss" "$DANCU" verify-batch "$out/in.csv" --out "$out/out.csv" \
	--org bench --purpose account_opening --db "$out/r.db" --summary "$out/summary.json" 2>/dev/null
t1=$(now)
d_s=$(el "$t0" "$t1")

cat >"$out/join.sql" <<SQL
PRAGMA cache_size=-262144;
PRAGMA mmap_size=1073741824;
CREATE TEMP TABLE t(ref TEXT, id_number TEXT, name TEXT, dob TEXT, sex TEXT);
.import --csv --skip 1 $out/in.csv temp.t
.headers on
.mode csv
.once $out/cli-out.csv
SELECT t.ref, t.id_number, coalesce(c.status, 'not_found') AS status,
       c.birth_name = t.name AS name, c.dob = t.dob AS dob, c.sex = t.sex AS sex
FROM t LEFT JOIN citizen c ON c.pin = t.id_number;
SQL
t0=$(now)
/usr/bin/time -f '%M' -o "$out/cli.rss" sqlite3 "$out/cli.db" <"$out/join.sql"
t1=$(now)
c_s=$(el "$t0" "$t1")

d_r=$(rate "$N" "$d_s")
c_r=$(rate "$N" "$c_s")
{
	echo "### Batch verification, $(date -u +%F), N=$N rows against a register of $N"
	echo
	echo "| | dancu verify-batch | sqlite3 CLI join | ratio |"
	echo "|---|---|---|---|"
	echo "| time (s) | $d_s | $c_s | |"
	echo "| rows/s | $d_r | $c_r | **$(awk "BEGIN{printf \"%.2f\", $d_r / $c_r}")×** |"
	echo "| peak RSS (MiB) | $(($(cat "$out/dancu.rss") / 1024)) | $(($(cat "$out/cli.rss") / 1024)) | |"
	echo
	echo "Summary: $(cut -c1-160 "$out/summary.json")…"
} | tee "$out/verify.md"
