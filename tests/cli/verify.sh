#!/bin/bash
# Verification for relying parties over real HTTP, on SQLite then
# PostgreSQL: organisations and keys (CLI and API), 1:1 verification with
# reason codes, policy refusals, keys bound to their organisation, replayed
# transaction ids, the timestamp window, the per-key rate limit (429 +
# Retry-After), not found / deceased (a death registered through the officer
# API is seen at once), the audit entry in the citizen's data tracker, and a
# small batch through the CLI.
. "$(dirname "$0")/lib.inc"

now_ms() { date +%s%3N; }

run_suite() { # label, store args...
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 300 --seed 21 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	# an alive person whose name has diacritics, and one already dead
	local row pin name dob sex dead
	row=$(awk -F, 'NR>1 && $4=="alive" && $7 ~ /[^ -~]/ && length($2)==10 {print; exit}' "$T/p.csv")
	pin=$(cut -d, -f1 <<<"$row")
	dob=$(cut -d, -f2 <<<"$row")
	sex=$(cut -d, -f3 <<<"$row")
	name=$(cut -d, -f7 <<<"$row")
	dead=$(awk -F, 'NR>1 && $4=="dead" {print $1; exit}' "$T/p.csv")
	local folded
	folded=$(printf '%s' "$name" | sed 's/Đ/D/g; s/đ/d/g' | iconv -f UTF-8 -t ASCII//TRANSLIT)

	expect_exit 0 "$label: org add (CLI)" "$DANCU" org add "${S[@]}" --id bank-a --name "Ngân hàng A" \
		--fields name,dob,sex --purposes account_opening,credit_assessment --quota 1000
	expect_exit 0 "$label: second org" "$DANCU" org add "${S[@]}" --id telco-b --name "Nhà mạng B" \
		--fields name,phone --purposes subscriber_registration
	expect_exit 1 "$label: duplicate org id refused" "$DANCU" org add "${S[@]}" --id bank-a --name X
	expect_exit 2 "$label: unknown field code refused" "$DANCU" org add "${S[@]}" --id x --name X --fields salary
	expect_exit 2 "$label: bad org id refused" "$DANCU" org add "${S[@]}" --id 'Bad Id' --name X
	key() { "$DANCU" org key-add "${S[@]}" "$@" | tail -n 1; }
	local KA KB KR KX
	KA=$(key --id bank-a --label core)
	KB=$(key --id telco-b)
	KR=$(key --id bank-a --rate 60 --burst 2 --label limited)
	KX=$(key --id bank-a --label to-revoke)
	check "$label: keys look like dck_<16 hex>.<43>" bash -c "[[ '$KA' =~ ^dck_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$ ]]"
	"$DANCU" org keys "${S[@]}" --id bank-a >"$T/keys"
	check "$label: key list shows ids, never secrets" bash -c "grep -q '${KA%%.*}' '$T/keys' && ! grep -q '${KA#*.}' '$T/keys'"
	"$DANCU" org key-revoke "${S[@]}" --id bank-a --key "${KX%%.*}" >/dev/null
	expect_exit 1 "$label: another org's key cannot be revoked through telco-b" "$DANCU" org key-revoke "${S[@]}" --id telco-b --key "${KA%%.*}"

	rm -f "$T/k.key"
	local SEC
	SEC=$(echo 'a long enough passphrase' | "$DANCU" officer add "${S[@]}" --master-key "$T/k.key" \
		--id nat.admin --name 'Quản Trị' --role national_admin --jurisdiction VN | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
	"$DANCU" serve --port 0 --threads 2 "${S[@]}" --master-key "$T/k.key" --access-log '' 2>"$T/serve.err" &
	local PID=$!
	local URL=""
	for _ in $(seq 50); do
		URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
		[ -n "$URL" ] && break
		sleep 0.1
	done
	check "$label: server up" test -n "$URL"
	verify() { # key json → status; body in $T/body, headers in $T/hdr
		curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/verify" \
			-H "Authorization: ApiKey $1" -H 'Content-Type: application/json' -d "$2"
	}
	req() { # txn id claims-json [purpose] [ts]
		printf '{"txn":"%s","timestamp":%s,"purpose":"%s","id_number":"%s","claims":%s}' \
			"$1" "${5:-$(now_ms)}" "${4:-account_opening}" "$2" "$3"
	}
	local claims="{\"name\":\"$name\",\"dob\":\"$dob\",\"sex\":\"$sex\"}"
	check "$label: 1:1 verification → 200" test "$(verify "$KA" "$(req t1 "$pin" "$claims")")" = 200
	check "$label: … full match, every field exact" grep -q '"status":"found","card_status":"unknown","match":true,"fields":{"name":"exact","dob":"exact","sex":"exact"}' "$T/body"
	check "$label: … and no personal data in the answer" bash -c "! grep -q -- '$name' '$T/body' && ! grep -q '$dob' '$T/body'"
	local dmy="${dob:8:2}/${dob:5:2}/${dob:0:4}"
	check "$label: name without diacritics, DD/MM/YYYY date" test "$(verify "$KA" "$(req t2 "$pin" "{\"name\":\"${folded^^}\",\"dob\":\"$dmy\"}")")" = 200
	check "$label: … no_diacritics and normalised, still a match" grep -q '"match":true,"fields":{"name":"no_diacritics","dob":"normalised"}' "$T/body"
	check "$label: year-only date → partial, no full match" test "$(verify "$KA" "$(req t3 "$pin" "{\"dob\":\"${dob:0:4}\"}")")" = 200
	check "$label: … partial" grep -q '"match":false,"fields":{"dob":"partial"}' "$T/body"
	check "$label: a field outside the policy → 403" test "$(verify "$KA" "$(req t4 "$pin" '{"phone":"0912345678"}')")" = 403
	check "$label: … naming the field" grep -q 'field phone is not in the organisation' "$T/body"
	check "$label: a purpose outside the policy → 403" test "$(verify "$KA" "$(req t5 "$pin" "$claims" benefit_payment)")" = 403
	check "$label: unknown purpose → 400" test "$(verify "$KA" "$(req t5b "$pin" "$claims" curiosity)")" = 400
	check "$label: telco-b may not verify dob with its key → 403" test "$(verify "$KB" "$(req t6 "$pin" "$claims" subscriber_registration)")" = 403
	check "$label: telco-b verifies the name for its purpose" test "$(verify "$KB" "$(req t6b "$pin" "{\"name\":\"$name\"}" subscriber_registration)")" = 200
	check "$label: bank-a's key cannot act for telco-b's purpose → 403" test "$(verify "$KA" "$(req t6c "$pin" "{\"name\":\"$name\"}" subscriber_registration)")" = 403
	check "$label: replayed transaction id → 409" test "$(verify "$KA" "$(req t1 "$pin" "$claims")")" = 409
	check "$label: … code replayed" grep -q '"code":"replayed"' "$T/body"
	check "$label: the same txn from another organisation is its own" test "$(verify "$KB" "$(req t1 "$pin" "{\"name\":\"$name\"}" subscriber_registration)")" = 200
	check "$label: a timestamp 10 minutes old → 409" test "$(verify "$KA" "$(req t7 "$pin" "$claims" account_opening $(($(now_ms) - 600000)))")" = 409
	check "$label: RFC 3339 timestamp accepted" test "$(verify "$KA" "$(printf '{"txn":"t7b","timestamp":"%s","purpose":"account_opening","id_number":"%s","claims":%s}' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$pin" "$claims")")" = 200
	check "$label: no key → 401" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/verify" -d "$(req t8 "$pin" "$claims")")" = 401
	check "$label: revoked key → 401" test "$(verify "$KX" "$(req t9 "$pin" "$claims")")" = 401
	local KT="${KA%?}A"
	[ "$KT" = "$KA" ] && KT="${KA%?}B"
	check "$label: tampered secret → 401" test "$(verify "$KT" "$(req t10 "$pin" "$claims")")" = 401
	check "$label: X-Api-Key header works too" test "$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/verify" -H "X-Api-Key: $KA" -d "$(req t11 "$pin" "$claims")")" = 200
	check "$label: unknown claim field → 400" test "$(verify "$KA" "$(req t12 "$pin" '{"salary":"1"}')")" = 400
	check "$label: malformed JSON → 400" test "$(verify "$KA" '{"txn":')" = 400
	check "$label: unknown number → not_found, no field answers" test "$(verify "$KA" "$(req t13 001199999999 "$claims")")" = 200
	check "$label: … status not_found" grep -q '"status":"not_found","card_status":"unknown","match":false,"fields":{}' "$T/body"
	if [ -n "$dead" ]; then
		check "$label: a dead person → deceased" test "$(verify "$KA" "$(req t14 "$dead" '{"sex":"M"}')")" = 200
		check "$label: … status deceased, no match" grep -q '"status":"deceased".*"match":false' "$T/body"
	fi
	# a death registered now is seen by the next verification
	local code TOK
	code=$(oathtool --totp -b "$SEC")
	TOK=$(curl -s -X POST "$URL/api/v1/login" -d "{\"officer\":\"nat.admin\",\"password\":\"a long enough passphrase\",\"totp\":\"$code\"}" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
	check "$label: national admin logged in" test ${#TOK} = 43
	check "$label: death registered" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/citizens/$pin/death" -H "Authorization: Bearer $TOK" -d '{"death_date":"2026-11-20","evidence":"KT-1"}')" = 200
	check "$label: … verification sees it at once: deceased" test "$(verify "$KA" "$(req t15 "$pin" "$claims")")" = 200
	check "$label: … status deceased" grep -q '"status":"deceased"' "$T/body"
	# the data tracker shows the organisation and purpose
	check "$label: tracker readable" test "$(curl -s -o "$T/body" -w '%{http_code}' "$URL/api/v1/citizens/$pin/accesses" -H "Authorization: Bearer $TOK")" = 200
	check "$label: tracker shows the verification with org and purpose" grep -q "\"actor\":\"${KA%%.*}\",\"org\":\"bank-a\",\"action\":\"verify\",\"purpose\":\"account_opening\"" "$T/body"
	check "$label: tracker shows the other organisation too" grep -q '"org":"telco-b","action":"verify","purpose":"subscriber_registration"' "$T/body"
	# rate limit: burst 2, then 429 with Retry-After
	verify "$KR" "$(req r1 "$pin" "$claims")" >/dev/null
	verify "$KR" "$(req r2 "$pin" "$claims")" >/dev/null
	check "$label: third request past the burst → 429" test "$(verify "$KR" "$(req r3 "$pin" "$claims")")" = 429
	check "$label: … with Retry-After" grep -qi '^retry-after: [0-9]' "$T/hdr"
	check "$label: … code rate_limited" grep -q '"code":"rate_limited"' "$T/body"
	check "$label: another key of the same org is not limited" test "$(verify "$KA" "$(req r4 "$pin" "$claims")")" = 200
	# usage: the organisation sees its own; the admin sees every organisation's
	check "$label: usage for the org's own key" test "$(curl -s -o "$T/body" -w '%{http_code}' "$URL/api/v1/verify/usage" -H "Authorization: ApiKey $KB")" = 200
	check "$label: … only its own" grep -q '"org":"telco-b","usage":\[{"day":"[0-9-]*","requests":2,' "$T/body"
	# administration over the API (national admin)
	adm() { # method path [json]
		curl -s -o "$T/body" -w '%{http_code}' -X "$1" "$URL$2" -H "Authorization: Bearer $TOK" ${3:+-d "$3"}
	}
	check "$label: API: onboard an organisation → 201" test "$(adm POST /api/v1/orgs '{"id":"bhxh","name":"Bảo hiểm xã hội","verify_fields":["name","dob"],"purposes":["benefit_payment"],"daily_quota":2}')" = 201
	check "$label: API: duplicate → 409" test "$(adm POST /api/v1/orgs '{"id":"bhxh","name":"X"}')" = 409
	check "$label: API: unknown field code → 400" test "$(adm POST /api/v1/orgs '{"id":"y","name":"Y","verify_fields":["salary"]}')" = 400
	check "$label: API: new key → 201, shown once" test "$(adm POST /api/v1/orgs/bhxh/keys '{"label":"payments"}')" = 201
	local KS
	KS=$(grep -o '"key":"[^"]*"' "$T/body" | cut -d'"' -f4)
	check "$label: API: the org's record lists the key without its secret" bash -c "[ \"\$(curl -s '$URL/api/v1/orgs/bhxh' -H 'Authorization: Bearer $TOK' | grep -c -- '${KS#*.}')\" = 0 ]"
	req2() { printf '{"txn":"%s","timestamp":%s,"purpose":"benefit_payment","id_number":"%s","claims":{"dob":"%s"}}' "$1" "$(now_ms)" "$pin" "$dob"; }
	check "$label: quota: first → 200" test "$(verify "$KS" "$(req2 q1)")" = 200
	check "$label: quota: second → 200" test "$(verify "$KS" "$(req2 q2)")" = 200
	check "$label: quota: third of 2 a day → 429" test "$(verify "$KS" "$(req2 q3)")" = 429
	check "$label: API: disable the organisation" test "$(adm PATCH /api/v1/orgs/bhxh '{"disabled":true}')" = 200
	check "$label: a disabled organisation's key → 403" test "$(verify "$KS" "$(req2 q4)")" = 403
	check "$label: API: revoke a key of another organisation through this one → 404" test "$(adm DELETE "/api/v1/orgs/bhxh/keys/${KA%%.*}")" = 404
	check "$label: API: revoke its own key" test "$(adm DELETE "/api/v1/orgs/bank-a/keys/${KA%%.*}")" = 200
	check "$label: … the key stops working at once" test "$(verify "$KA" "$(req r5 "$pin" "$claims")")" = 401
	check "$label: API: without an officer session → 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/orgs")" = 401
	check "$label: an org key is no officer session → 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/orgs" -H "Authorization: ApiKey $KB")" = 401
	kill -TERM $PID
	wait $PID
	"$DANCU" org usage "${S[@]}" --id bank-a >"$T/usage"
	check "$label: usage counts refusals" grep -q 'refused=[1-9]' "$T/usage"
	# a small batch through the CLI: 3 good rows, 1 unknown, 1 bad
	{
		echo "ref,id_number,name,dob,sex"
		awk -F, 'NR>1 && NR<=4 {print "r" NR "," $1 "," $7 "," $2 "," $3}' "$T/p.csv"
		echo "u1,001199999999,Nguyễn Văn A,1990,M"
		echo "b1,12345,X,1990,M"
	} >"$T/in.csv"
	expect_exit 2 "$label: verify-batch refuses a file with a column outside the policy" "$DANCU" verify-batch "${S[@]}" "$T/in.csv" --out "$T/out.csv" --org telco-b --purpose subscriber_registration --summary "$T/sum.json"
	check "$label: … naming the column (telco-b: dob)" grep -q 'column dob' "$T/err"
	sed -i 's/,dob//; s/,[0-9-]*,\([MF]\)$/,\1/' "$T/in.csv"
	awk -F, 'BEGIN{OFS=","} {print $1,$2,$3}' "$T/in.csv" >"$T/in2.csv"
	expect_exit 0 "$label: verify-batch with the policy's fields" "$DANCU" verify-batch "${S[@]}" "$T/in2.csv" --out "$T/out.csv" --org telco-b --purpose subscriber_registration --summary "$T/sum.json"
	check "$label: batch: one result row per input row" test "$(wc -l <"$T/out.csv")" = 6
	check "$label: batch: the bad row reported by line" grep -q '^6,b1,12345,bad_row,.*id_number must be 12 digits' "$T/out.csv"
	check "$label: batch: summary counts" grep -q '"rows":4,"bad_rows":1,.*"not_found":1' "$T/sum.json"
	expect_exit 0 "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite --db "$T/r.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="ver_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
