#!/bin/bash
# Search by name + date of birth + commune over real HTTP: exact, without
# diacritics, in capitals, with the middle name missing, a year-only date;
# ranking; jurisdiction; purpose; the audit trail — SQLite, then PostgreSQL.
. "$(dirname "$0")/lib.inc"

plain() { node -e 'console.log(process.argv[1].normalize("NFD").replace(/[\u0300-\u036f]/g,"").replace(/đ/g,"d").replace(/Đ/g,"D"))' "$1"; }
enc() { node -e 'console.log(encodeURIComponent(process.argv[1]))' "$1"; }

run_suite() {
	local label=$1
	shift
	local S=("$@")
	rm -f "$T/k.key"
	"$DANCU" gen --count 3000 --seed 17 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null
	local P="" NAME="" C="" DOB=""
	for pin in $(cut -d, -f1 "$T/p.csv" | sed -n '2,300p'); do
		"$DANCU" show "${S[@]}" "$pin" >"$T/show" 2>/dev/null || continue
		NAME=$(json_str birth_name <"$T/show")
		C=$(json_str perm_commune <"$T/show")
		DOB=$(json_str dob <"$T/show")
		[ "$(echo "$NAME" | wc -w)" -ge 3 ] && [ -n "$C" ] && [ ${#DOB} = 10 ] && P=$pin && break
	done
	check "$label: a citizen with a three-word name ($NAME)" test -n "$P"
	local OTHER
	OTHER=$(awk -F, -v c="$C" 'NR > 1 && $4 != c {print $4; exit}' "$DANCU_DATA/admin-units-2025.csv")
	local S1 S2 S3
	S1=$(officer_new "${S[@]}" -- s.nat national_admin VN)
	S2=$(officer_new "${S[@]}" -- s.co commune_officer "$OTHER")
	S3=$(officer_new "${S[@]}" -- s.aud auditor VN)
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	local NAT CO AUD
	NAT=$(officer_token s.nat "$S1")
	CO=$(officer_token s.co "$S2")
	AUD=$(officer_token s.aud "$S3")
	local Q="/api/v1/citizens?purpose=citizen_request"
	check "$label: exact name + commune" test "$(api GET "$Q&name=$(enc "$NAME")&commune=$C" "$NAT")" = 200
	check "$label: found first, exact" grep -q "{\"results\":\[{\"pin\":\"$P\",.*\"match\":\"exact\"" "$T/body"
	local ASCII UPPER FL
	ASCII=$(plain "$NAME")
	UPPER=$(echo "$ASCII" | tr '[:lower:]' '[:upper:]')
	FL="$(echo "$NAME" | awk '{print $1}') $(echo "$NAME" | awk '{print $NF}')"
	check "$label: without diacritics, in capitals" test "$(api GET "$Q&name=$(enc "$UPPER")&commune=$C" "$NAT")" = 200
	check "$label: found, no_diacritics" grep -q "\"pin\":\"$P\",[^}]*\"match\":\"no_diacritics\"" "$T/body"
	check "$label: the middle name missing" test "$(api GET "$Q&name=$(enc "$FL")&commune=$C" "$NAT")" = 200
	check "$label: found, partial" grep -q "\"pin\":\"$P\",[^}]*\"match\":\"partial\"" "$T/body"
	check "$label: a year-only date narrows" test "$(api GET "$Q&name=$(enc "$FL")&commune=$C&dob=${DOB:0:4}" "$NAT")" = 200
	check "$label: still found" grep -q "\"pin\":\"$P\"" "$T/body"
	check "$label: a wrong year excludes" test "$(api GET "$Q&name=$(enc "$NAME")&commune=$C&dob=1850" "$NAT")" = 200 -a -z "$(grep -o "$P" "$T/body")"
	check "$label: a full date without a commune (national)" test "$(api GET "$Q&name=$(enc "$ASCII")&dob=$DOB" "$NAT")" = 200
	check "$label: found nationally" grep -q "\"pin\":\"$P\"" "$T/body"
	check "$label: exact ranks before partial" test "$(api GET "$Q&name=$(enc "$FL")&commune=$C&limit=200" "$NAT")" = 200
	ranks=$(grep -o '"match":"[a-z_]*"' "$T/body" | cut -d'"' -f4 | sed 's/exact/0/;s/normalised/1/;s/no_diacritics/2/;s/partial/3/' | tr '\n' ' ')
	check "$label: ranks are in order ($ranks)" test "$(echo "$ranks" | tr ' ' '\n' | grep . | sort -c 2>&1; echo $?)" = 0
	check "$label: paging" test "$(api GET "$Q&name=$(enc "$FL")&commune=$C&limit=1&offset=0" "$NAT")" = 200 -a "$(grep -o '"count":[0-9]*' "$T/body")" = '"count":1'
	check "$label: another commune's officer cannot search there (403)" test "$(api GET "$Q&name=$(enc "$NAME")&commune=$C" "$CO")" = 403
	check "$label: their date search stays in their commune" test "$(api GET "$Q&name=$(enc "$NAME")&dob=$DOB" "$CO")" = 200 -a -z "$(grep -o "$P" "$T/body")"
	check "$label: auditors cannot search (403)" test "$(api GET "$Q&name=$(enc "$NAME")&commune=$C" "$AUD")" = 403
	check "$label: a purpose is required (400)" test "$(api GET "/api/v1/citizens?name=$(enc "$NAME")&commune=$C" "$NAT")" = 400
	check "$label: not a name (400)" test "$(api GET "$Q&name=123&commune=$C" "$NAT")" = 400
	check "$label: a name alone is too broad (400)" test "$(api GET "$Q&name=$(enc "$NAME")" "$NAT")" = 400
	check "$label: a bad date (400)" test "$(api GET "$Q&name=$(enc "$NAME")&dob=1990-02-30" "$NAT")" = 400
	check "$label: a bad commune (400)" test "$(api GET "$Q&name=$(enc "$NAME")&commune=99999" "$NAT")" = 400
	check "$label: the citizen's tracker shows the searches" test "$(api GET "/api/v1/citizens/$P/accesses" "$AUD")" = 200
	grep -q '"action":"citizen.search"' "$T/body" || notok "$label: tracker has citizen.search"
	serve_stop
	check "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite --db "$T/s.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_search_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
