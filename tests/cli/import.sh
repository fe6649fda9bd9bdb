#!/bin/bash
# Black-box tests of `dancu gen` and `dancu import` on SQLite: determinism,
# all-or-nothing, idempotent re-run, partial mode, JSON Lines, bad input.
. "$(dirname "$0")/lib.inc"

N=3000
"$DANCU" gen --count $N --seed 42 --out "$T/a.csv"
"$DANCU" gen --count $N --seed 42 --out "$T/b.csv"
"$DANCU" gen --count $N --seed 43 --out "$T/c.csv"
check "gen is deterministic for a seed" cmp -s "$T/a.csv" "$T/b.csv"
check "gen differs for another seed" bash -c "! cmp -s '$T/a.csv' '$T/c.csv'"
check "gen writes a header and N rows" test "$(wc -l <"$T/a.csv")" = $((N + 1))

expect_exit 0 "import a clean population" "$DANCU" import --quiet --db "$T/r.db" "$T/a.csv"
check "every row is in the register" test "$(count_citizens --db "$T/r.db")" = $N
expect_exit 0 "re-import of the same file succeeds" "$DANCU" import --quiet --db "$T/r.db" "$T/a.csv"
check "re-import adds nothing" grep -q "0 imported, $N unchanged" "$T/err"
check "still N citizens after the re-run" test "$(count_citizens --db "$T/r.db")" = $N
events_before=$("$DANCU" report --db "$T/r.db" | grep -o '"events":[0-9]*')
check "a no-op re-import writes no event" test "$events_before" = '"events":1'

# A conflicting row: same pin, other content → rejected, nothing written.
head -n 1 "$T/a.csv" >"$T/conflict.csv"
sed -n 2p "$T/a.csv" | sed 's/,alive,/,alive,/' | awk -F, 'BEGIN{OFS=","} {$7="Tên Khác Hẳn"; print}' >>"$T/conflict.csv"
expect_exit 1 "a changed record under an existing pin is rejected" \
	"$DANCU" import --quiet --db "$T/r.db" --report "$T/conflict.jsonl" "$T/conflict.csv"
check "the conflict is reported as pin.conflict" grep -q '"rule":"pin.conflict"' "$T/conflict.jsonl"

# Injected errors: all-or-nothing rejects the whole file.
"$DANCU" gen --count $N --seed 5 --errors 0.05 --truth "$T/truth.csv" --out "$T/dirty.csv"
expect_exit 1 "a file with bad rows is rejected as a whole" \
	"$DANCU" import --quiet --today 2026-01-01 --db "$T/d.db" --report "$T/rej.jsonl" "$T/dirty.csv"
check "nothing was written" test "$(count_citizens --db "$T/d.db")" = 0
expect_exit 3 "--partial imports the valid rows" \
	"$DANCU" import --quiet --today 2026-01-01 --partial --db "$T/d.db" --report "$T/rej2.jsonl" "$T/dirty.csv"
bad=$(awk -F, 'NR>1 && $3!="" {n++} END{print n+0}' "$T/truth.csv")
check "injected errors exist ($bad)" test "$bad" -gt 50
check "valid rows were imported" test "$(count_citizens --db "$T/d.db")" = $((N - bad))
grep -o '"line":[0-9]*' "$T/rej2.jsonl" | cut -d: -f2 | sort -un >"$T/rej-lines"
awk -F, 'NR>1 && $3!="" {print $1}' "$T/truth.csv" | sort -un >"$T/truth-lines"
check "rejected lines are exactly the injected ones" cmp -s "$T/rej-lines" "$T/truth-lines"
sed -E 's/.*"line":([0-9]+).*"rule":"([^"]*)".*/\1,\2/' "$T/rej2.jsonl" | sort -u >"$T/rej-rules"
awk -F, 'NR>1 && $3!="" {print $1 "," $3}' "$T/truth.csv" | sort -u >"$T/truth-rules"
check "each injected error is caught by its rule" \
	bash -c "[ -z \"\$(comm -23 '$T/truth-rules' '$T/rej-rules')\" ]"

# JSON Lines.
"$DANCU" gen --count 500 --seed 9 --format jsonl --out "$T/p.jsonl"
expect_exit 0 "import JSON Lines" "$DANCU" import --quiet --db "$T/j.db" "$T/p.jsonl"
check "JSON Lines rows are in the register" test "$(count_citizens --db "$T/j.db")" = 500
printf '{"pin":"001199012345","birth_name":"A","dob":"1999-03-15","sex":"F","bogus":"x"}\n' >"$T/bad.jsonl"
expect_exit 1 "JSON Lines with an unknown key is rejected" \
	"$DANCU" import --quiet --db "$T/j2.db" --report "$T/bad-rep.jsonl" "$T/bad.jsonl"
check "reported as row.malformed" grep -q '"rule":"row.malformed"' "$T/bad-rep.jsonl"

# Bad input to the command itself.
printf 'pin,nonsense\n' >"$T/badhdr.csv"
expect_exit 1 "unknown header column" "$DANCU" import --quiet --db "$T/x.db" "$T/badhdr.csv"
check "message names the column" grep -q 'unknown column "nonsense"' "$T/err"
printf 'pin,dob\n001199012345,1999-03-15\n' >"$T/missing.csv"
expect_exit 1 "missing required column" "$DANCU" import --quiet --db "$T/x.db" "$T/missing.csv"
check "message names the missing column" grep -q 'required column "birth_name"' "$T/err"
: >"$T/empty.csv"
expect_exit 1 "empty file" "$DANCU" import --quiet --db "$T/x.db" "$T/empty.csv"
expect_exit 1 "missing file" "$DANCU" import --quiet --db "$T/x.db" "$T/nope.csv"
check "message says it cannot open" grep -q 'cannot open' "$T/err"
expect_exit 2 "unknown option" "$DANCU" import --frobnicate "$T/a.csv"
expect_exit 2 "no file named" "$DANCU" import --db "$T/x.db"
expect_exit 2 "bad --count" "$DANCU" gen --count -5
expect_exit 2 "bad --errors" "$DANCU" gen --errors 2
expect_exit 2 "unknown command" "$DANCU" frobnicate
expect_exit 2 "show with a bad pin" "$DANCU" show --db "$T/r.db" 12345
expect_exit 1 "show an unknown pin" "$DANCU" show --db "$T/r.db" 001199999999
pin=$(sed -n 2p "$T/a.csv" | cut -d, -f1)
expect_exit 0 "show a citizen" "$DANCU" show --db "$T/r.db" "$pin"
check "show prints the record as JSON" grep -q "\"pin\":\"$pin\"" "$T/out"
expect_exit 0 "history of a citizen" "$DANCU" history --db "$T/r.db" "$pin"
check "history starts with the import event" grep -q '"kind":"import"' "$T/out"
expect_exit 0 "pin decode" "$DANCU" pin decode 079205000123
check "decode names the province" grep -q '"province_2025":"79"' "$T/out"
expect_exit 0 "units lookup without diacritics" "$DANCU" units province "thanh hoa"
check "finds Thanh Hoá (38)" grep -q '^38' "$T/out"
finish
