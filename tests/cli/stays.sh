#!/bin/bash
# Stay notifications over real HTTP: an officer registers a hotel and gets
# its API key once; the hotel reports arrivals and departures (late flag,
# guests not in the register, bad items rejected one by one); keys are
# checked; the commune police read the overview of their jurisdiction only;
# the citizen's data tracker shows the hotel's report — on SQLite, then
# PostgreSQL.
. "$(dirname "$0")/lib.inc"

run_suite() {
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 50 --seed 31 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	rm -f "$T/k.key"
	local P
	P=$(sed -n 2p "$T/p.csv" | cut -d, -f1)
	local S1 S2 S3 S4
	S1=$(officer_new "${S[@]}" -- co.bd commune_officer 00004)
	S2=$(officer_new "${S[@]}" -- co.nh commune_officer 00008)
	S3=$(officer_new "${S[@]}" -- aud auditor VN)
	S4=$(officer_new "${S[@]}" -- admin national_admin VN)
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	local BD NH AUD ADMIN
	BD=$(officer_token co.bd "$S1")
	NH=$(officer_token co.nh "$S2")
	AUD=$(officer_token aud "$S3")
	ADMIN=$(officer_token admin "$S4")
	check "$label: register a hotel (201)" test "$(api POST /api/v1/businesses "$BD" '{"id":"ks.ba.dinh","name":"Khách sạn Ba Đình","commune":"00004","kind":"hotel"}')" = 201
	local KEY
	KEY=$(json_str api_key <"$T/body")
	check "$label: the key is shown once" test ${#KEY} = 64
	check "$label: the same id again → 409" test "$(api POST /api/v1/businesses "$BD" '{"id":"ks.ba.dinh","name":"X","commune":"00004","kind":"hotel"}')" = 409
	check "$label: another commune's business → 403" test "$(api POST /api/v1/businesses "$BD" '{"id":"ks.2","name":"X","commune":"00008","kind":"hotel"}')" = 403
	check "$label: bad kind → 400" test "$(api POST /api/v1/businesses "$BD" '{"id":"ks.3","name":"X","commune":"00004","kind":"castle"}')" = 400
	check "$label: auditors cannot register → 403" test "$(api POST /api/v1/businesses "$AUD" '{"id":"ks.4","name":"X","commune":"00004","kind":"hotel"}')" = 403
	check "$label: the key is stored, its secret only hashed" test "$(sqlk "SELECT count(*) FROM api_key WHERE owner_id = 'ks.ba.dinh'")/$(sqlk "SELECT count(*) FROM api_key WHERE secret_hash = '${KEY#*.}' OR secret_hash LIKE '%${KEY#*.}%'")" = 1/0
	report() { # body → status, answer in $T/body
		curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/stays" -H "X-Api-Key: $1" --data-binary "$2"
	}
	local now early
	now=$(TZ=Asia/Ho_Chi_Minh date +%FT%H:%M)
	early=$(TZ=Asia/Ho_Chi_Minh date -d '-2 days' +%FT%H:%M)
	check "$label: no key → 401" test "$(report "" '{"guests":[]}')" = 401
	check "$label: wrong key → 401" test "$(report "${KEY%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" '{"guests":[]}')" = 401
	check "$label: an officer token is not a key → 401" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/stays" -H "Authorization: Bearer $BD" -d '{}')" = 401
	check "$label: empty guest list → 400" test "$(report "$KEY" '{"guests":[]}')" = 400
	check "$label: malformed JSON → 400" test "$(report "$KEY" '{"guests":[')" = 400
	check "$label: a report of three guests" test "$(report "$KEY" "{\"guests\":[{\"event\":\"arrival\",\"pin\":\"$P\",\"name\":\"Khách 1\",\"at\":\"$now\",\"room\":\"201\"},{\"event\":\"arrival\",\"passport\":\"C0012345\",\"nationality\":\"KR\",\"name\":\"Kim Min\",\"at\":\"$early\"},{\"event\":\"arrival\",\"pin\":\"1234\",\"at\":\"$now\"}]}")" = 200
	check "$label: two recorded" grep -q '"recorded":2' "$T/body"
	check "$label: on time" grep -q '"index":0,"status":"recorded","stay_id":[0-9]*,"late":false,"in_register":true' "$T/body"
	check "$label: two days late is flagged" grep -q '"index":1,"status":"recorded","stay_id":[0-9]*,"late":true' "$T/body"
	check "$label: the bad item is rejected with its reason" grep -q '"index":2,"status":"rejected","error":"pin must' "$T/body"
	check "$label: nothing recorded → 422 with the reasons" test "$(report "$KEY" "{\"guests\":[{\"event\":\"arrival\",\"pin\":\"1\",\"at\":\"$now\"}]}")" = 422
	grep -q '"results":\[{"index":0,"status":"rejected"' "$T/body" || notok "$label: 422 keeps the results"
	check "$label: departure" test "$(report "$KEY" "{\"guests\":[{\"event\":\"departure\",\"pin\":\"$P\",\"at\":\"$now\"}]}")" = 200
	check "$label: overview for the commune" test "$(api GET "/api/v1/stays?day=${early%T*}" "$BD")" = 200
	check "$label: the late stay is counted" grep -q '"count":1,"late":1' "$T/body"
	check "$label: another commune sees none of it" test "$(api GET "/api/v1/stays?day=${early%T*}" "$NH")" = 200 -a -n "$(grep '"count":0' "$T/body")"
	check "$label: asking for another commune → 403" test "$(api GET "/api/v1/stays?commune=00004" "$NH")" = 403
	check "$label: bad day → 400" test "$(api GET "/api/v1/stays?day=2026-13-01" "$BD")" = 400
	check "$label: the guest's tracker shows the hotel" test "$(api GET "/api/v1/citizens/$P/accesses" "$AUD")" = 200
	grep -q '"actor":"ks.ba.dinh",[^}]*"action":"stay.arrival"' "$T/body" || notok "$label: tracker has stay.arrival"
	serve_stop
	check "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

sqlk() { # SQL on the current store
	if [ -n "$PGC" ]; then psql -q -t -A "$PGC" -c "$1"; else sqlite3 "$T/s.db" "$1"; fi
}
PGC=""
run_suite sqlite --db "$T/s.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_stay_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	PGC="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	run_suite postgresql --pg "$PGC"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
