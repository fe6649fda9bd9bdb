#!/bin/bash
# The generator test: a large population (1M rows; 100k under sanitizers)
# with injected errors and near-duplicates, imported with --partial. Every
# valid row must pass every rule; every injected error must be caught with
# its rule code; nothing else may be rejected.
. "$(dirname "$0")/lib.inc"
N=1000000
quick && N=100000
"$DANCU" gen --count $N --seed 2026 --errors 0.01 --dups 0.005 --truth "$T/truth.csv" --out "$T/pop.csv"
check "generated $N rows" test "$(($(wc -l <"$T/pop.csv") - 1))" = $N
"$DANCU" import --quiet --today 2026-01-01 --partial --db "$T/r.db" --report "$T/rep.jsonl" "$T/pop.csv" 2>"$T/err"
rc=$?
bad=$(awk -F, 'NR>1 && $3!="" {n++} END{print n+0}' "$T/truth.csv")
dups=$(awk -F, 'NR>1 && $4!="" {n++} END{print n+0}' "$T/truth.csv")
check "import finished with rejects only ($rc)" test $rc = 3
check "about 1% injected errors ($bad)" test $bad -gt $((N / 150)) -a $bad -lt $((N / 70))
check "near-duplicates were generated ($dups)" test $dups -gt $((N / 400))
check "valid rows and near-duplicates all imported" test "$(count_citizens --db "$T/r.db")" = $((N - bad))
grep -o '"line":[0-9]*' "$T/rep.jsonl" | cut -d: -f2 | sort -un >"$T/rej-lines"
awk -F, 'NR>1 && $3!="" {print $1}' "$T/truth.csv" | sort -un >"$T/truth-lines"
check "no valid row was rejected, no injected row slipped through" cmp -s "$T/rej-lines" "$T/truth-lines"
sed -E 's/.*"line":([0-9]+).*"rule":"([^"]*)".*/\1,\2/' "$T/rep.jsonl" | sort -u >"$T/rej-rules"
awk -F, 'NR>1 && $3!="" {print $1 "," $3}' "$T/truth.csv" | sort -u >"$T/truth-rules"
missing=$(comm -23 "$T/truth-rules" "$T/rej-rules" | wc -l)
check "every injected error caught with its rule code ($missing missing)" test "$missing" = 0
kinds=$(cut -d, -f2 "$T/truth-rules" 2>/dev/null | sort -u | wc -l)
check "several kinds of error injected ($kinds)" test "$kinds" -ge 8
finish
