#!/bin/bash
# The duplicate check on birth registration and the review queue: a likely
# duplicate is queued (202) instead of created; twins are not duplicates;
# an officer of the registering commune creates, merges or rejects; nothing
# is half-written — on SQLite and PostgreSQL.
. "$(dirname "$0")/lib.inc"

run_suite() {
	local label=$1
	shift
	local S=("$@")
	rm -f "$T/k.key"
	"$DANCU" gen --count 200 --seed 9 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null
	local S1 S2 S3
	S1=$(officer_new "${S[@]}" -- r.bd commune_officer 00004)
	S2=$(officer_new "${S[@]}" -- r.nh commune_officer 00008)
	S3=$(officer_new "${S[@]}" -- r.aud auditor VN)
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	local BD NH AUD
	BD=$(officer_token r.bd "$S1")
	NH=$(officer_token r.nh "$S2")
	AUD=$(officer_token r.aud "$S3")
	birth() { # name evidence [mother]
		api POST /api/v1/births "$BD" "{\"birth_name\":\"$1\",\"dob\":\"2026-11-02\",\"sex\":\"M\",\"birth_reg_unit\":\"00004\",\"evidence\":\"$2\",\"mother_name\":\"${3:-Lê Thị Hằng}\"}"
	}
	local code
	code=$(birth 'Trịnh Văn Khánh' KS-1)
	check "$label: a birth" test "$code" = 201
	[ "$code" = 201 ] || echo "#   $code $(head -c 300 "$T/body") (officer token: ${BD:+set}${BD:-empty})"
	local P1
	P1=$(json_str pin <"$T/body")
	local before
	before=$(count_citizens "${S[@]}")
	check "$label: the same child again → 202, queued" test "$(birth 'Trịnh Văn Khánh' KS-2)" = 202
	local R1
	R1=$(json_str review_id <"$T/body")
	check "$label: the candidate is named with its reasons" grep -q "\"pin\":\"$P1\",\"score\":0.80,\"reasons\":\[\"name_exact\",\"same_mother_name\",\"same_birth_commune\"\]" "$T/body"
	check "$label: no number was allocated" test "$(count_citizens "${S[@]}")" = "$before"
	check "$label: spelled without diacritics → still caught" test "$(birth 'TRINH VAN KHANH' KS-3)" = 202
	local R2
	R2=$(json_str review_id <"$T/body")
	check "$label: a twin (another name, same mother and day) is registered" test "$(birth 'Trịnh Văn Khôi' KS-4)" = 201
	check "$label: the queue of the commune" test "$(api GET /api/v1/reviews "$BD")" = 200
	check "$label: lists both items" test "$(grep -o '"count":[0-9]*' "$T/body")" = '"count":2'
	check "$label: another commune sees none" test "$(api GET /api/v1/reviews "$NH")" = 200 -a "$(grep -o '"count":[0-9]*' "$T/body")" = '"count":0'
	check "$label: nor can open one (403)" test "$(api GET "/api/v1/reviews/$R1" "$NH")" = 403
	check "$label: auditors cannot (403)" test "$(api GET /api/v1/reviews "$AUD")" = 403
	check "$label: one item" test "$(api GET "/api/v1/reviews/$R1" "$BD")" = 200
	check "$label: merge needs one of the candidates (400)" test "$(api POST "/api/v1/reviews/$R1/merge" "$BD" '{"pin":"001099000001"}')" = 400
	check "$label: merge into the existing person" test "$(api POST "/api/v1/reviews/$R1/merge" "$BD" "{\"pin\":\"$P1\",\"note\":\"cùng một người\"}")" = 200
	check "$label: merged, no new number" test "$(json_str state <"$T/body")/$(count_citizens "${S[@]}")" = "merged/$((before + 1))"
	check "$label: decided items stay decided (409)" test "$(api POST "/api/v1/reviews/$R1/reject" "$BD" '{"note":"x"}')" = 409
	check "$label: create anyway (a different child)" test "$(api POST "/api/v1/reviews/$R2/create" "$BD" '{"note":"khác người"}')" = 200
	check "$label: created with a new number" grep -q '"state":"created","result_pin":"[0-9]\{12\}","registration":{"pin"' "$T/body"
	check "$label: and in the register" test "$(count_citizens "${S[@]}")" = "$((before + 2))"
	check "$label: a third submission is queued" test "$(birth 'Trịnh Văn Khánh' KS-5)" = 202
	local R3
	R3=$(json_str review_id <"$T/body")
	check "$label: unknown action (400)" test "$(api POST "/api/v1/reviews/$R3/approve" "$BD")" = 400
	check "$label: reject needs a note (400)" test "$(api POST "/api/v1/reviews/$R3/reject" "$BD")" = 400
	check "$label: rejected" test "$(api POST "/api/v1/reviews/$R3/reject" "$BD" '{"note":"nộp trùng"}')" = 200
	check "$label: unknown item (404)" test "$(api GET /api/v1/reviews/D000 "$BD")" = 404
	check "$label: the candidate's tracker shows the review" test "$(api GET "/api/v1/citizens/$P1/accesses" "$AUD")" = 200
	grep -q '"action":"review.duplicate_candidate"' "$T/body" || notok "$label: tracker has the duplicate check"
	serve_stop
	check "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite --db "$T/r.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_review_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
