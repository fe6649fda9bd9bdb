#!/bin/bash
# Identity cards over real HTTP, on SQLite and then PostgreSQL: the
# lifecycle, one valid card per citizen, jurisdiction, MRZ/QR artefacts
# (the PNG decoded by zbarimg, the MRZ accepted by the npm `mrz` package),
# verification of good / revoked / expired / dead holders' cards with each
# check reported, the data tracker, and check-in at an exam.
. "$(dirname "$0")/lib.inc"
NODE_DIR="$(cd "$(dirname "$0")/../node" && pwd)"

run_suite() { # label, store args...
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 400 --seed 23 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	# alive, full date of birth, born 1960–1995, each in another commune
	python3 -c '
import csv, sys
n, seen = 0, set()
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["status"] == "alive" and len(r["dob"]) == 10 and 1960 <= int(r["dob"][:4]) <= 1995 and r["perm_commune"] and r["sex"] in ("M", "F") and r["perm_commune"] not in seen:
        seen.add(r["perm_commune"])
        print(r["pin"], r["dob"], r["perm_commune"])
        n += 1
        if n == 5:
            break
' "$T/p.csv" >"$T/people"
	local A B C D E dobC comA
	read -r A _ comA < <(sed -n 1p "$T/people")
	read -r B _ _ < <(sed -n 2p "$T/people")
	read -r C dobC _ < <(sed -n 3p "$T/people")
	read -r D _ _ < <(sed -n 4p "$T/people")
	read -r E _ _ < <(sed -n 5p "$T/people")
	check "$label: five test citizens found" test -n "$E"
	rm -f "$T/k.key"
	add() { # id role jurisdiction
		echo "a long enough passphrase" | "$DANCU" officer add "${S[@]}" --master-key "$T/k.key" \
			--id "$1" --name "Cán Bộ $1" --role "$2" --jurisdiction "$3" | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2
	}
	local SC SA SU
	SC=$(add com commune_officer "$comA")
	SA=$(add admin national_admin VN)
	SU=$(add aud auditor VN)
	"$DANCU" serve --port 0 --threads 2 "${S[@]}" --master-key "$T/k.key" --access-log '' 2>"$T/serve.err" &
	local PID=$! URL=""
	for _ in $(seq 50); do
		URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
		[ -n "$URL" ] && break
		sleep 0.1
	done
	check "$label: server up" test -n "$URL"
	token() { # id secret
		curl -s -X POST "$URL/api/v1/login" -d "{\"officer\":\"$1\",\"password\":\"a long enough passphrase\",\"totp\":\"$(oathtool --totp -b "$2")\"}" |
			grep -o '"token":"[^"]*"' | cut -d'"' -f4
	}
	local TC TA TU
	TC=$(token com "$SC")
	TA=$(token admin "$SA")
	TU=$(token aud "$SU")
	check "$label: three officers logged in" test ${#TC} = 43 -a ${#TA} = 43 -a ${#TU} = 43
	send() { # method path json token → status, body in $T/body
		curl -s -o "$T/body" -w '%{http_code}' -X "$1" "$URL$2" ${3:+-d "$3"} -H "Authorization: Bearer $4"
	}
	get() { # path token → status, body in $T/body (headers in $T/hdr)
		curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' "$URL$1" -H "Authorization: Bearer $2"
	}
	field() { grep -o "\"$1\":[^,}]*" "$T/body" | head -n 1 | cut -d: -f2- | tr -d '"'; }
	lifecycle() { # pin token [issued] → card id on stdout
		send POST /api/v1/cards "{\"pin\":\"$1\",\"kind\":\"first\"}" "$2" >/dev/null
		local id
		id=$(field id)
		send POST "/api/v1/cards/$id/approve" '' "$2" >/dev/null
		send POST "/api/v1/cards/$id/produce" "${3:+{\"issued\":\"$3\"\}}" "$2" >/dev/null
		send POST "/api/v1/cards/$id/deliver" '' "$2" >/dev/null
		echo "$id"
	}

	# --- lifecycle by the commune officer, for a citizen of the commune
	check "$label: apply for a first card → 201" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"first\",\"evidence\":\"TK01-1\"}" "$TC")" = 201
	local IA
	IA=$(field id)
	check "$label: … state applied" grep -q '"state":"applied"' "$T/body"
	check "$label: a second open application → 409" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"first\"}" "$TC")" = 409
	# The issuance work list, cut to the officer's jurisdiction.
	send POST /api/v1/cards "{\"pin\":\"$E\",\"kind\":\"first\"}" "$TA" >/dev/null
	local IE
	IE=$(field id)
	check "$label: the commune's queue of applications → 200" test "$(get "/api/v1/cards?state=applied&purpose=identity_card" "$TC")" = 200
	check "$label: … lists the commune's application with the holder's name" grep -q "\"commune\":\"$comA\",\"card\":{\"id\":$IA," "$T/body"
	check "$label: … not another commune's" bash -c "! grep -q '\"id\":$IE,' '$T/body'"
	check "$label: the national queue lists both" bash -c "[ \"\$(curl -s '$URL/api/v1/cards?state=applied&purpose=identity_card' -H 'Authorization: Bearer $TA' | grep -o '\"card\":{\"id\":\($IA\|$IE\),' | wc -l)\" = 2 ]"
	check "$label: pages of one: next_after" bash -c "curl -s '$URL/api/v1/cards?state=applied&purpose=identity_card&limit=1' -H 'Authorization: Bearer $TA' | grep -q '\"count\":1,.*\"next_after\":'"
	check "$label: an unknown state → 400" test "$(get "/api/v1/cards?state=lost&purpose=identity_card" "$TC")" = 400
	check "$label: the queue needs a purpose (400)" test "$(get "/api/v1/cards?state=applied" "$TC")" = 400
	check "$label: auditors have no queue (403)" test "$(get "/api/v1/cards?state=applied&purpose=identity_card" "$TU")" = 403
	send POST "/api/v1/cards/$IE/reject" '{"reason":"nộp nhầm"}' "$TA" >/dev/null
	check "$label: deliver before production → 409" test "$(send POST "/api/v1/cards/$IA/deliver" '' "$TC")" = 409
	check "$label: approve → 200" test "$(send POST "/api/v1/cards/$IA/approve" '' "$TC")" = 200
	check "$label: produce → 200" test "$(send POST "/api/v1/cards/$IA/produce" '' "$TC")" = 200
	check "$label: … issue date and expiry fixed" grep -q "\"issued\":\"$(date +%Y)-" "$T/body"
	check "$label: deliver → 200" test "$(send POST "/api/v1/cards/$IA/deliver" '' "$TC")" = 200
	check "$label: … state delivered" grep -q '"state":"delivered"' "$T/body"
	check "$label: a second first card → 400" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"first\"}" "$TC")" = 400
	# Art. 21: a card issued today is never within 2 years of its expiry
	check "$label: a renewal for age right after issue → 422" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"renewal\"}" "$TC")" = 422
	check "$label: … with its rule code" grep -q '"code":"data_quality_rejected".*"errors":\[{"rule":"card.renewal_' "$T/body"
	check "$label: an exchange with a bad reason → 400" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"exchange\",\"reason\":\"lost\"}" "$TC")" = 400
	check "$label: exchange (damaged) → 201" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"exchange\",\"reason\":\"damaged\"}" "$TC")" = 201
	local IX
	IX=$(field id)
	check "$label: reject without a reason → 400" test "$(send POST "/api/v1/cards/$IX/reject" '' "$TC")" = 400
	check "$label: reject → 200" test "$(send POST "/api/v1/cards/$IX/reject" '{"reason":"photo unusable"}' "$TC")" = 200
	check "$label: outside the jurisdiction → 403" test "$(send POST /api/v1/cards "{\"pin\":\"$B\",\"kind\":\"first\"}" "$TC")" = 403
	check "$label: auditors cannot apply → 403" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"first\"}" "$TU")" = 403
	check "$label: no token → 401" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"first\"}" "")" = 401
	check "$label: bad kind → 400" test "$(send POST /api/v1/cards "{\"pin\":\"$A\",\"kind\":\"gold\"}" "$TC")" = 400
	check "$label: unknown card → 404" test "$(send POST "/api/v1/cards/999999/approve" '' "$TC")" = 404
	check "$label: card history needs a purpose → 400" test "$(get "/api/v1/cards?pin=$A" "$TC")" = 400
	check "$label: card history → 200" test "$(get "/api/v1/cards?pin=$A&purpose=identity_card" "$TC")" = 200
	check "$label: … two cards, delivered and rejected" bash -c "grep -q '\"state\":\"delivered\"' '$T/body' && grep -q '\"state\":\"rejected\"' '$T/body'"
	check "$label: the citizen's history shows the card events" bash -c "curl -s '$URL/api/v1/citizens/$A/history?purpose=identity_card' -H 'Authorization: Bearer $TC' | grep -q '\"kind\":\"card.deliver\"'"

	# --- artefacts
	check "$label: MRZ as JSON → 200" test "$(get "/api/v1/cards/$IA/mrz?purpose=identity_card" "$TC")" = 200
	check "$label: MRZ as text" test "$(get "/api/v1/cards/$IA/mrz?purpose=identity_card&format=text" "$TC")" = 200
	local MRZ
	MRZ=$(cat "$T/body")
	check "$label: … three lines of 30" test "$(echo "$MRZ" | awk 'length($0)==30' | wc -l)" = 3
	check "$label: … ID VNM and the last 9 digits of the number" test "${MRZ:0:14}" = "IDVNM${A:3:9}"
	check "$label: npm mrz accepts the MRZ as valid" node "$NODE_DIR/mrz.mjs" "$MRZ"
	get "/api/v1/cards/$IA/qr?purpose=identity_card" "$TC" >/dev/null
	local QR
	QR=$(grep -o '"payload":"[^"]*"' "$T/body" | cut -d'"' -f4)
	check "$label: QR payload has 7 fields" test "$(echo "$QR" | awk -F'|' '{print NF}')" = 7
	check "$label: QR as PNG → 200" test "$(curl -s -o "$T/q.png" -w '%{http_code}' "$URL/api/v1/cards/$IA/qr?purpose=identity_card&format=png" -H "Authorization: Bearer $TC")" = 200
	check "$label: zbarimg decodes the PNG to the exact payload" test "$(zbarimg -q --raw "$T/q.png" 2>/dev/null)" = "$QR"
	check "$label: QR as SVG" test "$(get "/api/v1/cards/$IA/qr?purpose=identity_card&format=svg" "$TC")" = 200
	check "$label: … image/svg+xml" grep -qi 'content-type: image/svg+xml' "$T/hdr"
	check "$label: bad format → 400" test "$(get "/api/v1/cards/$IA/qr?purpose=identity_card&format=gif" "$TC")" = 400

	# --- verification
	vq() { send POST /api/v1/verify/qr "{\"payload\":\"$1\",\"purpose\":\"verification\"}" "$2"; }
	vm() { send POST /api/v1/verify/mrz "{\"mrz\":\"${1//$'\n'/\\n}\"}" "$2"; }
	has() { grep -q "\"check\":\"$1\",\"ok\":$2" "$T/body"; }
	check "$label: verify the good QR → 200" test "$(vq "$QR" "$TC")" = 200
	check "$label: … valid" grep -q '"valid":true' "$T/body"
	check "$label: … each check reported" bash -c "grep -o '\"check\":' '$T/body' | wc -l | grep -q 7"
	check "$label: verify the good MRZ → 200" test "$(vm "$MRZ" "$TC")" = 200
	check "$label: … valid, composite check digit passed" bash -c "grep -q '\"valid\":true' '$T/body' && grep -q '\"check\":\"check_digit_composite\",\"ok\":true' '$T/body'"
	local BADMRZ="${MRZ:0:14}$(((${MRZ:14:1} + 1) % 10))${MRZ:15}"
	vm "$BADMRZ" "$TC" >/dev/null
	check "$label: a changed check digit is named" has check_digit_document_number false
	check "$label: … and the card is not valid" grep -q '"valid":false' "$T/body"
	vq "garbage" "$TC" >/dev/null
	check "$label: garbage QR → format false" has format false
	check "$label: verification needs a token" test "$(vq "$QR" "")" = 401
	check "$label: auditors do not verify" test "$(vq "$QR" "$TU")" = 403

	local IB IC ID
	IB=$(lifecycle "$B" "$TA")
	get "/api/v1/cards/$IB/qr?purpose=identity_card" "$TA" >/dev/null
	local QB
	QB=$(grep -o '"payload":"[^"]*"' "$T/body" | cut -d'"' -f4)
	check "$label: revoke → 200" test "$(send POST "/api/v1/cards/$IB/revoke" '{"reason":"stolen","evidence":"CA-77"}' "$TA")" = 200
	vq "$QB" "$TC" >/dev/null
	check "$label: a revoked card: card_valid false" has card_valid false
	check "$label: … named" grep -q 'revoked' "$T/body"
	# five officers' requests at once: the store lets exactly one through
	for i in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST "$URL/api/v1/cards" -H "Authorization: Bearer $TA" \
			-d "{\"pin\":\"$B\",\"kind\":\"reissue\",\"reason\":\"lost\"}" >"$T/race.$i" &
	done
	wait $(jobs -p | grep -v "^$PID\$")
	check "$label: concurrent applications: one 201, the rest 409" test "$(cat "$T"/race.* | sort | uniq -c | tr -s ' ' | tr '\n' ' ')" = " 1 201  4 409 "
	check "$label: auditors cannot read card history → 403" test "$(get "/api/v1/cards?pin=$A&purpose=identity_card" "$TU")" = 403
	IC=$(lifecycle "$C" "$TA" "$((${dobC:0:4} + 15))-06-01")
	get "/api/v1/cards/$IC/qr?purpose=identity_card" "$TA" >/dev/null
	local QC
	QC=$(grep -o '"payload":"[^"]*"' "$T/body" | cut -d'"' -f4)
	vq "$QC" "$TC" >/dev/null
	check "$label: an expired card: not_expired false" has not_expired false
	check "$label: … but it was issued and is the current card" bash -c "grep -q '\"check\":\"card_issued\",\"ok\":true' '$T/body' && grep -q '\"check\":\"card_valid\",\"ok\":true' '$T/body'"
	ID=$(lifecycle "$D" "$TA")
	get "/api/v1/cards/$ID/qr?purpose=identity_card" "$TA" >/dev/null
	local QD
	QD=$(grep -o '"payload":"[^"]*"' "$T/body" | cut -d'"' -f4)
	vq "$QD" "$TC" >/dev/null
	check "$label: before the death: valid" grep -q '"valid":true' "$T/body"
	check "$label: death registration → 200" test "$(send POST "/api/v1/citizens/$D/death" "{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-1\"}" "$TA")" = 200
	vq "$QD" "$TC" >/dev/null
	check "$label: after the death: citizen_alive false" has citizen_alive false
	check "$label: … not valid" grep -q '"valid":false' "$T/body"
	check "$label: no new card for the dead → 409" test "$(send POST /api/v1/cards "{\"pin\":\"$D\",\"kind\":\"reissue\",\"reason\":\"lost\"}" "$TA")" = 409
	check "$label: the tracker shows the verification, who and why" bash -c "curl -s '$URL/api/v1/citizens/$A/accesses' -H 'Authorization: Bearer $TU' | grep -q '\"actor\":\"com\",\"action\":\"card.verify\",\"purpose\":\"verification\"'"

	# --- check-in
	check "$label: create an exam with candidates → 201" test "$(send POST /api/v1/checkin/events "{\"name\":\"Kỳ thi THPT 2026\",\"candidates\":[{\"pin\":\"$A\",\"room\":\"P.101\"},{\"pin\":\"$B\",\"room\":\"P.102\"}]}" "$TC")" = 201
	local EV
	EV=$(field id)
	check "$label: add candidates from CSV" test "$(send POST "/api/v1/checkin/events/$EV/candidates" "{\"csv\":\"pin,room\\n$C,Cổng 3\\n\"}" "$TC")" = 200
	check "$label: a bad CSV line → 400, named" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' -X POST '$URL/api/v1/checkin/events/$EV/candidates' -H 'Authorization: Bearer $TC' -d '{\"csv\":\"123,X\\n\"}')\" = 400 ] && grep -q 'line 1' '$T/b2'"
	local t
	t=$(curl -s -o "$T/body" -w '%{time_total}' -X POST "$URL/api/v1/checkin/events/$EV/scan" -d "{\"qr\":\"$QR\"}" -H "Authorization: Bearer $TC")
	check "$label: scan: candidate, room, checked in" bash -c "grep -q '\"candidate\":true,\"room\":\"P.101\",\"checked_in\":true,\"already\":false' '$T/body'"
	check "$label: … with the verification" grep -q '"verification":{"valid":true' "$T/body"
	echo "# $label: first scan took ${t}s over HTTP (goal 0.1 s; timed goals are measured by bench/checkin.c, not asserted here)"
	send POST "/api/v1/checkin/events/$EV/scan" "{\"mrz\":\"${MRZ//$'\n'/\\n}\"}" "$TC" >/dev/null
	check "$label: second scan (MRZ): already checked in" grep -q '"checked_in":true,"already":true' "$T/body"
	send POST "/api/v1/checkin/events/$EV/scan" "{\"qr\":\"$QB\"}" "$TC" >/dev/null
	check "$label: revoked card at the gate: not checked in" grep -q '"candidate":true,"room":"P.102","checked_in":false' "$T/body"
	send POST "/api/v1/checkin/events/$EV/scan" "{\"qr\":\"$QD\"}" "$TC" >/dev/null
	check "$label: not on the list" grep -q '"candidate":false' "$T/body"
	check "$label: unknown event → 404" test "$(send POST "/api/v1/checkin/events/99999/scan" "{\"qr\":\"$QR\"}" "$TC")" = 404
	kill -TERM $PID
	wait $PID

	# --- CLI
	expect_exit 0 "$label: cli verify of a good QR exits 0" "$DANCU" card verify "${S[@]}" --qr "$QR"
	expect_exit 1 "$label: cli verify of a revoked card exits 1" "$DANCU" card verify "${S[@]}" --qr "$QB"
	expect_exit 2 "$label: cli verify needs --qr or --mrz" "$DANCU" card verify "${S[@]}"
	expect_exit 0 "$label: cli mrz" "$DANCU" card mrz "${S[@]}" --id "$IA"
	check "$label: … same MRZ as the API" test "$(cat "$T/out")" = "$MRZ"
	expect_exit 0 "$label: cli qr --png" "$DANCU" card qr "${S[@]}" --id "$IA" --png "$T/c.png" --svg "$T/c.svg"
	check "$label: … zbarimg reads the CLI's PNG" test "$(zbarimg -q --raw "$T/c.png" 2>/dev/null)" = "$QR"
	if [ "$label" = sqlite ]; then # the SVG, drawn by a browser we did not write
		timeout 60 chromium --headless --no-sandbox --disable-gpu --screenshot="$T/svg.png" \
			--window-size=600,600 "file://$T/c.svg" >/dev/null 2>&1
		check "$label: … zbarimg reads the SVG as chromium draws it" test "$(zbarimg -q --raw "$T/svg.png" 2>/dev/null)" = "$QR"
	fi
	expect_exit 0 "$label: cli apply (renewal)" "$DANCU" card apply "${S[@]}" --pin "$E" --kind first
	expect_exit 1 "$label: cli: approving a rejected card fails" "$DANCU" card approve "${S[@]}" --id "$IX"
	check "$label: … with the reason" grep -q 'rejected cannot be approved' "$T/err"
	printf 'pin,room\n%s,A1\n' "$A" >"$T/c.csv"
	expect_exit 0 "$label: cli checkin-event from CSV" "$DANCU" card checkin-event "${S[@]}" --name "Thi thử" --csv "$T/c.csv"
	local EV2
	EV2=$(grep -o '"id":[0-9]*' "$T/out" | cut -d: -f2)
	expect_exit 0 "$label: cli checkin" "$DANCU" card checkin "${S[@]}" --event "$EV2" --qr "$QR"
	check "$label: … room A1" grep -q '"room":"A1"' "$T/out"
	expect_exit 0 "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite --db "$T/r.db"
# The store itself refuses a second valid card for one citizen.
pin=$(sqlite3 "$T/r.db" "SELECT pin FROM card WHERE state = 'delivered' LIMIT 1")
check "the store refuses a second delivered card" bash -c "! sqlite3 '$T/r.db' \"INSERT INTO card (pin, kind, reason, state, applied_ms, updated_ms, actor) VALUES ('$pin', 'first', 'first', 'delivered', 0, 0, 'x')\" 2>/dev/null"

if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="card_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
