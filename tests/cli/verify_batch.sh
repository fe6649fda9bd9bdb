#!/bin/bash
# Batch verification against the generator's ground truth: a synthetic
# population with injected errors and near-duplicates is imported (rows with
# errors are rejected, so their numbers are unknown); the batch claims every
# row's name, date of birth and sex — near-duplicates under their original's
# number with their varied name, and some rows with a year-only date or the
# wrong sex injected here. The summary must equal, byte for byte, the one
# computed from the ground truth. Then the same file as an API job that is
# cancelled and resumed: its result must equal the CLI's.
# 1M rows (100k with DANCU_TEST_QUICK=1) on SQLite; a fifth of that on
# PostgreSQL. The generator runs with --today = today in Vietnam, the date the
# import gate checks against, so every injected error is rejected.
. "$(dirname "$0")/lib.inc"

N=1000000
quick && N=100000

# in.csv and the expected summary from p.csv + truth.csv
build_input() { # p.csv truth.csv in.csv expected.json
	awk -F, -v IN="$3" -v EXP="$4" '
	function rate(num, den,   h) {
		if (den == 0) return "0.00%"
		h = int((int(num * 20000 / den) + 1) / 2)
		return sprintf("%d.%02d%%", int(h / 100), h % 100)
	}
	NR == FNR { if (FNR > 1) { rule[$1] = $3; dup[$1] = $4; variant[$1] = $5 }; next }
	FNR == 1 { print "ref,id_number,name,dob,sex" > IN; next }
	{
		L = FNR; id = $1; dob = $2; sex = $3; name = $7
		if (dup[L] != "") id = dup[L]
		dres = "exact"; sres = "exact"
		if (rule[L] == "" && dup[L] == "" && L % 17 == 0) { dob = substr(dob, 1, 4); dres = (length($2) == 4 ? "exact" : "partial") }
		if (rule[L] == "" && dup[L] == "" && L % 19 == 0) { sex = (sex == "M" ? "F" : "M"); sres = "mismatch" }
		print L "," id "," name "," dob "," sex > IN
		rows++
		if (rule[L] != "") { st["not_found"]++; next }
		s = ($4 == "dead" ? "deceased" : $4 == "missing" ? "missing" : "found")
		st[s]++
		v = variant[L]
		nres = (v == "fold" ? "no_diacritics" : v == "upper" || v == "retone" ? "normalised" : v == "no_middle" ? "partial" : "exact")
		R["name", nres]++; R["dob", dres]++; R["sex", sres]++
		claimed++
		if (s == "found" && nres != "partial" && dres == "exact" && sres == "exact") full++
	}
	END {
		out = sprintf("{\"rows\":%d,\"bad_rows\":0,\"full_match\":%d,\"full_match_rate\":\"%s\",\"status\":{\"found\":%d,\"not_found\":%d,\"deceased\":%d,\"missing\":%d},\"fields\":{", rows, full, rate(full, rows), st["found"], st["not_found"], st["deceased"], st["missing"])
		split("name dob sex", F, " ")
		split("exact normalised no_diacritics partial mismatch", RC, " ")
		for (i = 1; i <= 3; i++) {
			f = F[i]; m = R[f, "exact"] + R[f, "normalised"] + R[f, "no_diacritics"]
			out = out sprintf("%s\"%s\":{\"claimed\":%d,\"matched\":%d,\"match_rate\":\"%s\",\"reasons\":{", i > 1 ? "," : "", f, claimed, m, rate(m, claimed))
			first = 1
			for (j = 1; j <= 5; j++) if (R[f, RC[j]] > 0) { out = out sprintf("%s\"%s\":%d", first ? "" : ",", RC[j], R[f, RC[j]]); first = 0 }
			out = out "}}"
		}
		print out "},\"first_bad_lines\":[]}" > EXP
	}' "$2" "$1"
}

run_suite() { # label rows store args...
	local label=$1 n=$2
	shift 2
	local S=("$@")
	"$DANCU" gen --count "$n" --seed 606 --today "$(date -u -d "+7 hours" +%F)" --errors 0.02 --dups 0.03 --truth "$T/truth.csv" --out "$T/p.csv"
	"$DANCU" import --quiet --partial "${S[@]}" "$T/p.csv" 2>/dev/null
	check "$label: population imported (errors rejected)" test $? = 3
	"$DANCU" org add "${S[@]}" --id bank-a --name "Ngân hàng A" --fields name,dob,sex --purposes account_opening >/dev/null
	build_input "$T/p.csv" "$T/truth.csv" "$T/in.csv" "$T/expected.json"
	check "$label: ground truth has near-duplicates of every variant" bash -c "for v in fold upper no_middle retone; do grep -q \",\$v\$\" '$T/truth.csv' || exit 1; done"
	expect_exit 0 "$label: verify-batch $n rows" "$DANCU" verify-batch "${S[@]}" "$T/in.csv" --out "$T/out.csv" --org bank-a --purpose account_opening --summary "$T/sum.json"
	sed -n 's/^/# /p' "$T/err"
	check "$label: the summary equals the ground truth exactly" cmp -s "$T/sum.json" <(cat "$T/expected.json")
	if ! cmp -s "$T/sum.json" "$T/expected.json"; then
		echo "# got:      $(cat "$T/sum.json")"
		echo "# expected: $(cat "$T/expected.json")"
	fi
	check "$label: one result row per input row" test "$(wc -l <"$T/out.csv")" = "$((n + 1))"
	check "$label: usage counts the rows" bash -c "'$DANCU' org usage ${S[*]@Q} --id bank-a | grep -q 'rows=$n'"
}

run_suite sqlite "$N" --db "$T/r.db"

# Each chunk is one hash-chained audit entry linked to every number in it:
# the links are checked by `dancu audit verify`.
expect_exit 0 "audit chain with batch links verifies" "$DANCU" audit verify --db "$T/r.db"
cp "$T/r.db" "$T/t.db"
sqlite3 "$T/t.db" "DELETE FROM audit_link WHERE pin = (SELECT pin FROM audit_link ORDER BY pin LIMIT 1)"
expect_exit 1 "a deleted batch link is detected" "$DANCU" audit verify --db "$T/t.db"
check "… and named" grep -q 'people was changed' "$T/out"
cp "$T/r.db" "$T/t.db"
sqlite3 "$T/t.db" "INSERT INTO audit_link VALUES ('001099012345', 99999999)"
expect_exit 1 "an inserted batch link is detected" "$DANCU" audit verify --db "$T/t.db"
check "… and named" grep -q 'point to no many-subject entry' "$T/out"
rm -f "$T/t.db"*

# The same file as an API job: cancel it at once, then resume it.
K=$("$DANCU" org key-add --db "$T/r.db" --id bank-a | tail -n 1)
SEC=$(echo 'a long enough passphrase' | "$DANCU" officer add --db "$T/r.db" --master-key "$T/k.key" \
	--id nat.admin --name 'Quản Trị' --role national_admin --jurisdiction VN | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
"$DANCU" serve --port 0 --threads 2 --db "$T/r.db" --master-key "$T/k.key" --job-dir "$T/jobs" --max-body 1073741824 --access-log '' 2>"$T/serve.err" &
PID=$!
URL=""
for _ in $(seq 50); do
	URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
	[ -n "$URL" ] && break
	sleep 0.1
done
api() { curl -s -H "Authorization: ApiKey $K" "$@"; }
[ -n "$URL" ] || notok "api job: server up"
job=$(api -X POST "$URL/api/v1/verify/jobs?purpose=account_opening" --data-binary @"$T/in.csv" -H 'Content-Type: text/csv' | grep -o '"id":"job_[0-9a-f]*"' | cut -d'"' -f4)
check "api job: created" test -n "$job"
check "api job: cancel accepted" test "$(api -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/verify/jobs/$job/cancel")" = 202
state() { api "$URL/api/v1/verify/jobs/$job" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4; }
for _ in $(seq 600); do
	s=$(state)
	[ "$s" = cancelled ] || [ "$s" = done ] || [ "$s" = failed ] && break
	sleep 0.1
done
check "api job: cancelled part-way" test "$(state)" = cancelled
api "$URL/api/v1/verify/jobs/$job" >"$T/job.json"
check "api job: progress reported" grep -q '"progress":"[0-9.]*%"' "$T/job.json"
check "api job: result not available before done (409)" test "$(api -o /dev/null -w '%{http_code}' "$URL/api/v1/verify/jobs/$job/result")" = 409
K2=$("$DANCU" org key-add --db "$T/r.db" --id bank-a | tail -n 1)
"$DANCU" org add --db "$T/r.db" --id other --name Other --fields name --purposes account_opening >/dev/null
K3=$("$DANCU" org key-add --db "$T/r.db" --id other | tail -n 1)
check "api job: another organisation cannot see it (404)" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: ApiKey $K3" "$URL/api/v1/verify/jobs/$job")" = 404
check "api job: another key of the same organisation can" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: ApiKey $K2" "$URL/api/v1/verify/jobs/$job")" = 200
check "api job: resume accepted" test "$(api -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/verify/jobs/$job/resume")" = 202
for _ in $(seq 1200); do
	s=$(state)
	[ "$s" = done ] || [ "$s" = failed ] && break
	sleep 0.1
done
check "api job: done after resuming" test "$(state)" = done
check "api job: resuming a done job → 409" test "$(api -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/verify/jobs/$job/resume")" = 409
api "$URL/api/v1/verify/jobs/$job/result" >"$T/job.csv"
check "api job: result equals the CLI's, no row lost or repeated" cmp -s "$T/job.csv" "$T/out.csv"
api "$URL/api/v1/verify/jobs/$job/summary" >"$T/job-sum.json"
echo >>"$T/job-sum.json"
check "api job: summary equals the ground truth" cmp -s "$T/job-sum.json" "$T/expected.json"
# a verified person's data tracker lists the batch, with organisation and purpose
TOK=$(curl -s -X POST "$URL/api/v1/login" -d "{\"officer\":\"nat.admin\",\"password\":\"a long enough passphrase\",\"totp\":\"$(oathtool --totp -b "$SEC")\"}" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
vpin=$(sed -n 2p "$T/in.csv" | cut -d, -f2)
curl -s "$URL/api/v1/citizens/$vpin/accesses" -H "Authorization: Bearer $TOK" >"$T/tracker.json"
check "data tracker lists the batch verifications (CLI and API job)" test "$(grep -o '"org":"bank-a","action":"verify.batch","purpose":"account_opening"' "$T/tracker.json" | wc -l)" -ge 2
kill -TERM $PID
wait $PID
expect_exit 0 "audit chain verifies after the batches" "$DANCU" audit verify --db "$T/r.db"

if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="vb_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	run_suite postgresql "$((N / 5))" --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
