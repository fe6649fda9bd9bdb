#!/bin/bash
# Residence procedures over real HTTP: dossiers with deadlines and states,
# their effect on the register when approved, jurisdiction, overdue lists,
# households, the residence view, bad input leaving nothing written — on
# SQLite, then on PostgreSQL.
. "$(dirname "$0")/lib.inc"

sql() { # label-independent: run SQL on the current store
	if [ -n "$PGC" ]; then psql -q -t -A "$PGC" -c "$1"; else sqlite3 "$T/r.db" "$1"; fi
}

run_suite() { # label, store args...
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 400 --seed 23 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	rm -f "$T/k.key"
	# P: alive, with a permanent residence, not a household head;
	# Q: another such person in a household of 2 or more.
	local P="" C1="" Q="" QH=""
	for pin in $(cut -d, -f1 "$T/p.csv" | sed -n '2,200p'); do
		"$DANCU" show "${S[@]}" "$pin" >"$T/show" 2>/dev/null || continue
		grep -q '"status":"alive"' "$T/show" || continue
		grep -q '"head_relation":"head"' "$T/show" && continue
		local c
		c=$(json_str perm_commune <"$T/show")
		[ -n "$c" ] || continue
		if [ -z "$P" ]; then
			P=$pin
			C1=$c
		elif [ -z "$Q" ] && [ "$(grep -c ",$(json_str household_id <"$T/show")," "$T/p.csv")" -ge 2 ]; then
			Q=$pin
			QH=$(json_str household_id <"$T/show")
		fi
		[ -n "$Q" ] && break
	done
	check "$label: picked test citizens" test -n "$P" -a -n "$Q"
	local PROV
	PROV=$(awk -F, -v c="$C1" '$4 == c {print $1; exit}' "$DANCU_DATA/admin-units-2025.csv")
	# Another commune in another province for the temporary residence.
	local C2
	C2=$(awk -F, -v p="$PROV" 'NR > 1 && $1 != p {print $4; exit}' "$DANCU_DATA/admin-units-2025.csv")
	local S1 S2 S3 S4 S5
	S1=$(officer_new "${S[@]}" -- co.home commune_officer "$C1")
	S2=$(officer_new "${S[@]}" -- co.away commune_officer "$C2")
	S3=$(officer_new "${S[@]}" -- po.home province_officer "$PROV")
	S4=$(officer_new "${S[@]}" -- admin national_admin VN)
	S5=$(officer_new "${S[@]}" -- aud auditor VN)
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	local HOME AWAY PROVT ADMIN AUD
	HOME=$(officer_token co.home "$S1")
	AWAY=$(officer_token co.away "$S2")
	PROVT=$(officer_token po.home "$S3")
	ADMIN=$(officer_token admin "$S4")
	AUD=$(officer_token aud "$S5")
	check "$label: officers logged in" test ${#HOME} = 43 -a ${#AWAY} = 43 -a ${#ADMIN} = 43
	local until1 until3 today
	today=$(TZ=Asia/Ho_Chi_Minh date +%F)
	until1=$(TZ=Asia/Ho_Chi_Minh date -d '+1 year' +%F)
	until3=$(TZ=Asia/Ho_Chi_Minh date -d '+3 years' +%F)
	local D="/api/v1/residence/dossiers"

	# --- bad input: 4xx problem+json, nothing written ---------------------------
	local before
	before=$(sql "SELECT count(*) FROM dossier")
	check "$label: malformed JSON → 400" test "$(api POST $D "$AWAY" '{"kind":')" = 400
	check "$label: problem+json with a stable code" grep -q '"code":"invalid_input"' "$T/body"
	check "$label: unknown kind → 400" test "$(api POST $D "$AWAY" "{\"kind\":\"move\",\"pin\":\"$P\"}")" = 400
	check "$label: bad ID number → 400" test "$(api POST $D "$AWAY" '{"kind":"confirm","pin":"12345"}')" = 400
	check "$label: unknown citizen → 404" test "$(api POST $D "$AWAY" '{"kind":"confirm","pin":"001199999999"}')" = 404
	check "$label: unknown commune → 400" test "$(api POST $D "$AWAY" "{\"kind\":\"temp_register\",\"pin\":\"$P\",\"commune\":\"99999\",\"address\":\"x\",\"until\":\"$until1\"}")" = 400
	check "$label: temporary term over 2 years → 400" test "$(api POST $D "$AWAY" "{\"kind\":\"temp_register\",\"pin\":\"$P\",\"commune\":\"$C2\",\"address\":\"Số 1\",\"until\":\"$until3\"}")" = 400
	check "$label: invalid date → 400" test "$(api POST $D "$AWAY" "{\"kind\":\"temp_register\",\"pin\":\"$P\",\"commune\":\"$C2\",\"address\":\"Số 1\",\"until\":\"2026-02-30\"}")" = 400
	check "$label: invalid UTF-8 → 400" test "$(api POST $D "$AWAY" "$(printf '{"kind":"confirm","pin":"%s","x":"\xff"}' "$P")")" = 400
	check "$label: temporary in the permanent commune → 409" test "$(api POST $D "$HOME" "{\"kind\":\"temp_register\",\"pin\":\"$P\",\"commune\":\"$C1\",\"address\":\"Số 1\",\"until\":\"$until1\"}")" = 409
	check "$label: outside the jurisdiction → 403" test "$(api POST $D "$HOME" "{\"kind\":\"temp_register\",\"pin\":\"$P\",\"commune\":\"$C2\",\"address\":\"Số 1\",\"until\":\"$until1\"}")" = 403
	check "$label: auditors cannot submit → 403" test "$(api POST $D "$AUD" "{\"kind\":\"confirm\",\"pin\":\"$P\"}")" = 403
	check "$label: no token → 401" test "$(api POST $D "" "{\"kind\":\"confirm\",\"pin\":\"$P\"}")" = 401
	check "$label: nothing written by refused requests" test "$(sql "SELECT count(*) FROM dossier")" = "$before"

	# --- temporary registration: submit → accept → approve -----------------------
	check "$label: temporary registration submitted (201)" test "$(api POST $D "$AWAY" "{\"kind\":\"temp_register\",\"pin\":\"$P\",\"commune\":\"$C2\",\"address\":\"Số 5 ngõ 7\",\"until\":\"$until1\"}")" = 201
	local T1
	T1=$(json_str id <"$T/body")
	check "$label: dossier has an id, a deadline and is submitted" grep -q '"state":"submitted".*"deadline":"20' "$T/body"
	check "$label: deadline carries the legal time limit's TTHC code" grep -q '"tthc":"1.004194"' "$T/body"
	check "$label: the home commune cannot read it (403)" test "$(api GET "$D/$T1" "$HOME")" = 403
	check "$label: the processing commune reads it" test "$(api GET "$D/$T1" "$AWAY")" = 200
	check "$label: unknown action → 400" test "$(api POST "$D/$T1/sign" "$AWAY")" = 400
	check "$label: accept → processing" test "$(api POST "$D/$T1/accept" "$AWAY")" = 200
	grep -q '"state":"processing"' "$T/body" || notok "$label: state processing"
	check "$label: accept twice → 409" test "$(api POST "$D/$T1/accept" "$AWAY")" = 409
	check "$label: approve → 200" test "$(api POST "$D/$T1/approve" "$AWAY" '{"note":"đủ điều kiện"}')" = 200
	check "$label: approved" grep -q '"state":"approved"' "$T/body"
	check "$label: approved is final (409)" test "$(api POST "$D/$T1/reject" "$AWAY" '{"note":"x"}')" = 409
	check "$label: residence view needs a purpose (400)" test "$(api GET "/api/v1/residence/citizens/$P" "$ADMIN")" = 400
	check "$label: residence view" test "$(api GET "/api/v1/residence/citizens/$P?purpose=residence_procedure" "$ADMIN")" = 200
	check "$label: temporary residence applied" grep -q "\"temporary\":{\"commune\":\"$C2\"" "$T/body"
	check "$label: temporary term recorded" grep -q "\"until\":\"$until1\"" "$T/body"
	check "$label: the change is an event in the history" test "$(api GET "/api/v1/citizens/$P/history?purpose=residence_procedure" "$ADMIN")" = 200
	grep -q "residence.temp_register" "$T/body" || notok "$label: history shows residence.temp_register"
	check "$label: extension too early → 409" test "$(api POST $D "$AWAY" "{\"kind\":\"temp_extend\",\"pin\":\"$P\",\"until\":\"$until3\"}")" = 409

	# --- supplement and rejection ------------------------------------------------
	check "$label: absence declaration submitted" test "$(api POST $D "$HOME" "{\"kind\":\"temp_absence\",\"pin\":\"$P\",\"from\":\"$today\",\"to\":\"$until1\",\"destination\":\"Đà Nẵng\",\"case\":\"d\"}")" = 201
	local A1
	A1=$(json_str id <"$T/body")
	check "$label: supplement needs a note (400)" test "$(api POST "$D/$A1/request_supplement" "$HOME")" = 400
	check "$label: supplement requested" test "$(api POST "$D/$A1/request_supplement" "$HOME" '{"note":"thiếu giấy tờ"}')" = 200
	check "$label: the clock stops while waiting" grep -q '"deadline":null' "$T/body"
	check "$label: resubmitted → processing with a new deadline" test "$(api POST "$D/$A1/resubmit" "$HOME")" = 200
	grep -q '"state":"processing".*"deadline":"20' "$T/body" || notok "$label: new deadline"
	check "$label: absence approved" test "$(api POST "$D/$A1/approve" "$HOME")" = 200
	api GET "/api/v1/residence/citizens/$P?purpose=residence_procedure" "$ADMIN" >/dev/null
	check "$label: the view shows the absence" grep -q '"temporary_absence":{"from"' "$T/body"
	check "$label: confirmation submitted" test "$(api POST $D "$HOME" "{\"kind\":\"confirm\",\"pin\":\"$P\"}")" = 201
	local K1
	K1=$(json_str id <"$T/body")
	check "$label: a rejection needs a note (400)" test "$(api POST "$D/$K1/reject" "$HOME")" = 400
	check "$label: rejected" test "$(api POST "$D/$K1/reject" "$HOME" '{"note":"trùng hồ sơ"}')" = 200
	check "$label: confirmation submitted again" test "$(api POST $D "$HOME" "{\"kind\":\"confirm\",\"pin\":\"$P\"}")" = 201
	K1=$(json_str id <"$T/body")
	check "$label: confirmation approved with the CT07 content" test "$(api POST "$D/$K1/approve" "$PROVT")" = 200
	grep -q "\"result\":{\"pin\":\"$P\".*\"permanent\":{\"commune\":\"$C1\"" "$T/body" || notok "$label: CT07 content"

	# --- permanent registration into a new household, then a split --------------
	check "$label: permanent registration to a new household" test "$(api POST $D "$AWAY" "{\"kind\":\"perm_register\",\"pin\":\"$P\",\"commune\":\"$C2\",\"address\":\"Số 5 ngõ 7\",\"household\":\"new\"}")" = 201
	local R1
	R1=$(json_str id <"$T/body")
	check "$label: bad household member → 400" test "$(api POST $D "$AWAY" "{\"kind\":\"perm_register\",\"pin\":\"$P\",\"commune\":\"$C2\",\"address\":\"x\",\"household\":{\"id\":\"H1\",\"relation\":\"boss\"}}")" = 400
	check "$label: permanent registration approved" test "$(api POST "$D/$R1/approve" "$AWAY")" = 200
	local NH
	NH=$(json_str household_id <"$T/body")
	check "$label: a new household number" test -n "$NH"
	check "$label: household read" test "$(api GET "/api/v1/households/$NH?purpose=residence_procedure" "$ADMIN")" = 200
	check "$label: the citizen heads the new household" grep -q "\"pin\":\"$P\".*\"head_relation\":\"head\"" "$T/body"
	api GET "/api/v1/residence/citizens/$P?purpose=residence_procedure" "$ADMIN" >/dev/null
	check "$label: permanent residence moved, temporary ended there" grep -q "\"permanent\":{\"commune\":\"$C2\".*\"temporary\":null" "$T/body"
	check "$label: unknown household → 404" test "$(api GET "/api/v1/households/H0?purpose=residence_procedure" "$ADMIN")" = 404
	check "$label: household split submitted" test "$(api POST $D "$ADMIN" "{\"kind\":\"household_split\",\"pin\":\"$Q\",\"members\":[]}")" = 201
	local H1
	H1=$(json_str id <"$T/body")
	check "$label: a split with a stranger → 400" test "$(api POST $D "$ADMIN" "{\"kind\":\"household_split\",\"pin\":\"$Q\",\"members\":[\"$P\"]}")" = 400
	check "$label: split approved" test "$(api POST "$D/$H1/approve" "$ADMIN")" = 200
	api GET "/api/v1/residence/citizens/$Q?purpose=residence_procedure" "$ADMIN" >/dev/null
	check "$label: the splitter heads a new household" grep -q '"head_relation":"head"' "$T/body"
	check "$label: and left the old one" test "$(json_str household_id <"$T/body")" != "$QH"

	# --- household merge: Q moves to C2 in a household of their own, then joins P's
	check "$label: Q registers in C2, new household" test "$(api POST $D "$AWAY" "{\"kind\":\"perm_register\",\"pin\":\"$Q\",\"commune\":\"$C2\",\"address\":\"Số 9\",\"household\":\"new\"}")" = 201
	check "$label: approved" test "$(api POST "$D/$(json_str id <"$T/body")/approve" "$AWAY")" = 200
	check "$label: a merge needs a relation (400)" test "$(api POST $D "$AWAY" "{\"kind\":\"household_merge\",\"pin\":\"$Q\",\"into\":\"$NH\"}")" = 400
	check "$label: a merge into an unknown household (404)" test "$(api POST $D "$AWAY" "{\"kind\":\"household_merge\",\"pin\":\"$Q\",\"into\":\"H0\",\"relation\":\"sibling\"}")" = 404
	check "$label: household merge submitted" test "$(api POST $D "$AWAY" "{\"kind\":\"household_merge\",\"pin\":\"$Q\",\"into\":\"$NH\",\"relation\":\"sibling\"}")" = 201
	check "$label: merge approved" test "$(api POST "$D/$(json_str id <"$T/body")/approve" "$AWAY")" = 200
	api GET "/api/v1/households/$NH?purpose=residence_procedure" "$ADMIN" >/dev/null
	check "$label: both in one household, one head" test "$(grep -o '"head_relation":"head"' "$T/body" | wc -l)/$(grep -o "\"pin\":\"$Q\"[^}]*\"head_relation\":\"sibling\"" "$T/body" | wc -l)" = 1/1

	# --- lists and overdue --------------------------------------------------------
	check "$label: list open dossiers" test "$(api GET "$D" "$HOME")" = 200
	check "$label: a commune officer sees only their commune" test -z "$(grep -o '"commune":"[0-9]*"' "$T/body" | grep -v "\"$C1\"")"
	check "$label: listing another commune → 403" test "$(api GET "$D?commune=$C2" "$HOME")" = 403
	check "$label: bad state filter → 400" test "$(api GET "$D?state=lost" "$HOME")" = 400
	check "$label: auditors cannot list (403)" test "$(api GET "$D" "$AUD")" = 403
	check "$label: a fresh dossier to age" test "$(api POST $D "$HOME" "{\"kind\":\"confirm\",\"pin\":\"$P\"}")" = 201
	local O1
	O1=$(json_str id <"$T/body")
	check "$label: nothing overdue yet" test "$(api GET "$D?overdue=1" "$HOME")" = 200 -a -z "$(grep -o "$O1" "$T/body")"
	sql "UPDATE dossier SET deadline_ms = 1000 WHERE id = '$O1'"
	check "$label: overdue list" test "$(api GET "$D?overdue=1" "$PROVT")" = 200
	check "$label: the late dossier is listed as overdue" grep -q "\"id\":\"$O1\".*\"overdue\":true" "$T/body"
	check "$label: all dossiers for a national admin" test "$(api GET "$D?state=all&limit=500" "$ADMIN")" = 200
	check "$label: every dossier is there" test "$(grep -o '"count":[0-9]*' "$T/body" | cut -d: -f2)" = "$(sql "SELECT count(*) FROM dossier")"

	# --- audit ----------------------------------------------------------------------
	check "$label: tracker" test "$(api GET "/api/v1/citizens/$P/accesses" "$AUD")" = 200
	check "$label: the citizen sees the residence reads and steps" grep -q '"action":"residence.view".*' "$T/body"
	grep -q '"action":"residence.approve"' "$T/body" || notok "$label: tracker shows approvals"
	serve_stop
	check "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

PGC=""
run_suite sqlite --db "$T/r.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_res_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	PGC="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	run_suite postgresql --pg "$PGC"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
