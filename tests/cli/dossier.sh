#!/bin/bash
# Online public services over real HTTP, on SQLite then PostgreSQL: the
# catalogue; a citizen logged in with e-ID (an OpenID Connect access token
# from the real authorization-code + PKCE flow) files a dossier pre-filled
# from the register; officers move it through its states within their
# jurisdiction; the demo gateway records a payment; the two linked
# procedures end to end (birth → permanent residence → BHYT card by the
# BHXH agency; death → deletion of permanent residence → funeral
# allowance), and a rejected middle step leaves an explicit partial state
# with the register consistent. Attachments: upload by the citizen and an
# officer, the content-type allow-list and magic bytes, the size limit,
# SHA-256, list, audited download (byte for byte), access rules, a
# tampered file refused, none on a closed dossier.
. "$(dirname "$0")/lib.inc"

# cit_token PIN : an access token for PIN (client svc, secret $CSECRET).
cit_token() {
	local verifier challenge page loc code
	verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
	page=$(curl -s "$URL/oidc/authorize?response_type=code&client_id=svc&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid&state=s1&nonce=n1&code_challenge=$challenge&code_challenge_method=S256")
	local args=()
	while IFS= read -r kv; do
		args+=(--data-urlencode "$kv")
	done < <(grep -o '<input type="hidden" name="[^"]*" value="[^"]*">' <<<"$page" |
		sed 's/.*name="\([^"]*\)" value="\([^"]*\)">/\1=\2/; s/&amp;/\&/g; s/&quot;/"/g')
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "$URL/oidc/authorize" "${args[@]}" \
		--data-urlencode "pin=$1" --data-urlencode 'password=Matkhau@2026' -d decision=allow)
	code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$loc")
	curl -s -u "svc:$CSECRET" "$URL/oidc/token" -d grant_type=authorization_code -d "code=$code" \
		-d redirect_uri=http://127.0.0.1:9/cb -d "code_verifier=$verifier" | json_str access_token
}

run_suite() { # label, sql, store args...
	local label=$1 sql=$2
	shift 2
	local S=("$@")
	local W="$T/$label"
	mkdir -p "$W"
	shows() { "$DANCU" show "${S[@]}" "$1" | grep -q "$2"; }
	not_shows() { "$DANCU" show "${S[@]}" "$1" >"$W/show" && ! grep -q "$2" "$W/show"; }
	"$DANCU" gen --count 300 --seed 11 --out "$W/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$W/p.csv" 2>/dev/null || notok "$label: import"
	# adult alive women, and old people, with a permanent commune
	pick() { python3 -c "
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['status'] == 'alive' and r['perm_commune']]
sel = [r for r in rows if eval(sys.argv[2])][:3]
print('\n'.join(r['pin'] + ',' + r['perm_commune'] for r in sel))" "$W/p.csv" "$1"; }
	mapfile -t MUMS < <(pick "r['sex'] == 'F' and r['dob'][:4] < '1995'")
	mapfile -t OLD < <(pick "r['dob'][:4] < '1960'")
	local mum=${MUMS[0]%,*} mumc=${MUMS[0]#*,} mum2=${MUMS[1]%,*} dec=${OLD[0]%,*} decc=${OLD[0]#*,}
	check "$label: test people found" test -n "$mum2" -a -n "$dec"
	export DANCU_OIDC_KEYS="$W/keys"
	rm -f "$W/sms"
	for who in "$mum:0912100001" "$mum2:0912100002" "$dec:0912100003"; do
		local p=${who%:*} ph=${who#*:}
		"$DANCU" eid register "${S[@]}" --pin "$p" --level 2 --phone "$ph" --face "face:$p" --officer o1 >/dev/null &&
			"$DANCU" eid approve "${S[@]}" --pin "$p" --officer o1 >/dev/null &&
			"$DANCU" eid outbox "${S[@]}" --sms-file "$W/sms" >/dev/null &&
			printf 'Matkhau@2026\n583920\n' | "$DANCU" eid activate "${S[@]}" --pin "$p" \
				--otp "$(grep "^$ph" "$W/sms" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)" >/dev/null ||
			notok "$label: e-ID account for $p"
	done
	"$DANCU" oidc keys rotate --keys "$DANCU_OIDC_KEYS" >/dev/null
	CSECRET=$("$DANCU" oidc client add "${S[@]}" --id svc --name "Cổng dịch vụ công" --redirect-uri http://127.0.0.1:9/cb |
		grep -o 'shown once): .*' | cut -d' ' -f3)
	"$DANCU" agency add "${S[@]}" --id bhxh --name "BHXH" --fields status >/dev/null
	local KB
	KB=$("$DANCU" agency key-add "${S[@]}" --id bhxh | tail -n 1)

	rm -f "$T/k.key"
	local SN SC SX
	SN=$(officer_new "${S[@]}" -- nat national_admin VN)
	SC=$(officer_new "${S[@]}" -- co.in commune_officer "$mumc")
	local other
	other=$(pick "r['perm_commune'][:2] != '${mumc:0:2}'" 2>/dev/null | head -n 1 | cut -d, -f2)
	SX=$(officer_new "${S[@]}" -- co.out commune_officer "$other")
	serve_start "${S[@]}" --attachment-max 4096 || {
		notok "$label: server"
		return
	}
	local TN TC TX CT CT2 CTD
	TN=$(officer_token nat "$SN")
	TC=$(officer_token co.in "$SC")
	TX=$(officer_token co.out "$SX")
	CT=$(cit_token "$mum")
	CT2=$(cit_token "$mum2")
	check "$label: citizen access token from the OIDC flow" test -n "$CT" -a -n "$CT2"

	check "$label: catalogue is public → 200" test "$(curl -s -o "$T/body" -w '%{http_code}' "$URL/api/v1/services")" = 200
	check "$label: catalogue lists both linked procedures" grep -q '"code":"linked_birth".*"code":"linked_death"' "$T/body"

	# a simple dossier: temporary residence, online, pre-filled
	check "$label: citizen files temp_register → 201" test "$(api POST /api/v1/dossiers "$CT" "{\"service\":\"temp_register\",\"data\":{\"temp_commune\":\"$mumc\",\"temp_address\":\"Số 5 ngõ 3\"}}")" = 201
	local D1
	D1=$(json_str id <"$T/body")
	check "$label: pre-filled from the register" grep -q "\"prefill\":{\"pin\":\"$mum\"" "$T/body"
	check "$label: online channel, submitted, deadline set" grep -q '"channel":"online","state":"submitted"' "$T/body"
	check "$label: unknown service → 400" test "$(api POST /api/v1/dossiers "$CT" '{"service":"x","data":{}}')" = 400
	check "$label: a step-only service cannot be filed → 400" test "$(api POST /api/v1/dossiers "$CT" '{"service":"bhyt_child","data":{}}')" = 400
	check "$label: another citizen cannot see it → 404" test "$(api GET "/api/v1/dossiers/$D1" "$CT2")" = 404
	check "$label: officer elsewhere cannot see it → 404" test "$(api GET "/api/v1/dossiers/$D1" "$TX")" = 404
	check "$label: officer of the commune lists it" bash -c "[ \$(curl -s '$URL/api/v1/dossiers?state=submitted' -H 'Authorization: Bearer $TC' | grep -c '$D1') = 1 ]"
	check "$label: pay 7000 (demo gateway) → 201" test "$(api POST "/api/v1/dossiers/$D1/payments" "$CT" '{"amount_vnd":7000,"gateway":"demo"}')" = 201
	check "$label: overpay → 400" test "$(api POST "/api/v1/dossiers/$D1/payments" "$CT" '{"amount_vnd":1}')" = 400
	move() { api POST "/api/v1/dossiers/$1/transition" "$2" "{\"to\":\"$3\",\"note\":\"$4\"}"; }
	check "$label: skipping a state → 409" test "$(move "$D1" "$TC" completed x)" = 409
	check "$label: officer elsewhere cannot act → 404" test "$(move "$D1" "$TX" received x)" = 404
	check "$label: received" test "$(move "$D1" "$TC" received 'đã nhận')" = 200
	check "$label: processing" test "$(move "$D1" "$TC" processing '')" = 200
	check "$label: supplement requested" test "$(move "$D1" "$TC" supplement_requested 'thiếu hợp đồng thuê nhà')" = 200
	check "$label: citizen supplies → 200" test "$(api POST "/api/v1/dossiers/$D1/supplement" "$CT" '{"note":"đã bổ sung"}')" = 200
	# --- attachments on the open dossier D1 ---------------------------------------
	q_db() { if [ "$sql" = sqlite ]; then sqlite3 "$W/../$label.db" "$1"; else psql "$PGX" -qAtc "$1"; fi; }
	up() { # TOKEN CONTENT-TYPE FILE NAME(url-encoded) [DOSSIER]
		curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/dossiers/${5:-$D1}/attachments?name=$4" \
			-H "Authorization: Bearer $1" ${2:+-H "Content-Type: $2"} --data-binary "@$3"
	}
	printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$W/hd.pdf"
	printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00' >"$W/a.png"
	printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00' >"$W/a.jpg"
	head -c 5000 /dev/zero | sed 's/^/%PDF-1.4 /' >"$W/big.pdf"
	: >"$W/empty.pdf"
	check "$label: attachment: citizen uploads a PDF → 201" test "$(up "$CT" application/pdf "$W/hd.pdf" 'H%E1%BB%A3p%20%C4%91%E1%BB%93ng.pdf')" = 201
	local A1
	A1=$(json_str id <"$T/body")
	check "$label: attachment: SHA-256 of the bytes" test "$(json_str sha256 <"$T/body")" = "$(sha256sum "$W/hd.pdf" | cut -d' ' -f1)"
	check "$label: attachment: officer of the commune uploads a PNG → 201" test "$(up "$TC" image/png "$W/a.png" anh.png)" = 201
	check "$label: attachment: a JPEG with charset parameter → 201" test "$(up "$CT" 'image/JPEG; charset=binary' "$W/a.jpg" a.jpg)" = 201
	check "$label: attachment: officer elsewhere → 404" test "$(up "$TX" application/pdf "$W/hd.pdf" x.pdf)" = 404
	check "$label: attachment: another citizen → 404" test "$(up "$CT2" application/pdf "$W/hd.pdf" x.pdf)" = 404
	check "$label: attachment: text/plain → 415" test "$(up "$CT" text/plain "$W/hd.pdf" x.txt)" = 415
	check "$label: … problem+json" grep -q '"status":415' "$T/body"
	check "$label: attachment: no Content-Type → 415" test "$(up "$CT" '' "$W/hd.pdf" x.pdf)" = 415
	check "$label: attachment: PNG bytes declared as PDF → 400" test "$(up "$CT" application/pdf "$W/a.png" x.pdf)" = 400
	check "$label: … says the content is not a PDF" grep -q 'not application/pdf' "$T/body"
	check "$label: attachment: over the size limit → 413" test "$(up "$CT" application/pdf "$W/big.pdf" big.pdf)" = 413
	check "$label: … problem+json too_large" grep -q '"code":"too_large"' "$T/body"
	check "$label: attachment: empty → 400" test "$(up "$CT" application/pdf "$W/empty.pdf" e.pdf)" = 400
	check "$label: attachment: a name with / → 400" test "$(up "$CT" application/pdf "$W/hd.pdf" '..%2Fetc.pdf')" = 400
	check "$label: attachment: no name → 400" test "$(up "$CT" application/pdf "$W/hd.pdf" '')" = 400
	check "$label: attachment: list → 200" test "$(api GET "/api/v1/dossiers/$D1/attachments" "$TC")" = 200
	check "$label: … three files, the name decoded" bash -c "[ \$(grep -o '\"sha256\"' '$T/body' | wc -l) = 3 ] && grep -q '\"name\":\"Hợp đồng.pdf\"' '$T/body'"
	check "$label: attachment: list by officer elsewhere → 404" test "$(api GET "/api/v1/dossiers/$D1/attachments" "$TX")" = 404
	local before
	before=$(q_db "SELECT count(*) FROM audit WHERE action = 'dossier.attachment.read' AND fields = '$A1'")
	check "$label: attachment: citizen downloads → 200" test "$(curl -s -D "$W/h" -o "$W/got.pdf" -w '%{http_code}' "$URL/api/v1/dossiers/$D1/attachments/$A1" -H "Authorization: Bearer $CT")" = 200
	check "$label: … the same bytes" cmp -s "$W/hd.pdf" "$W/got.pdf"
	check "$label: … as application/pdf, offered as a download" bash -c "grep -qi '^content-type: application/pdf' '$W/h' && grep -qi \"^content-disposition: attachment; filename\\*=UTF-8''H%E1%BB%A3p%20\" '$W/h'"
	check "$label: … audited" test "$(q_db "SELECT count(*) FROM audit WHERE action = 'dossier.attachment.read' AND fields = '$A1'")" = $((before + 1))
	check "$label: attachment: officer of the commune downloads → 200" test "$(api GET "/api/v1/dossiers/$D1/attachments/$A1" "$TC")" = 200
	check "$label: attachment: officer elsewhere downloads → 404" test "$(api GET "/api/v1/dossiers/$D1/attachments/$A1" "$TX")" = 404
	check "$label: attachment: unknown id → 404" test "$(api GET "/api/v1/dossiers/$D1/attachments/TL00" "$CT")" = 404
	check "$label: attachment: DELETE → 405" test "$(api DELETE "/api/v1/dossiers/$D1/attachments/$A1" "$CT")" = 405
	local A3
	check "$label: attachment: one more, then tampered in storage" test "$(up "$CT" application/pdf "$W/hd.pdf" t.pdf)" = 201
	A3=$(json_str id <"$T/body")
	q_db "UPDATE svc_attachment SET content = 'JVBERi0xLjUK' WHERE id = '$A3'" >/dev/null
	check "$label: … download refused (500, SHA-256 mismatch)" test "$(api GET "/api/v1/dossiers/$D1/attachments/$A3" "$CT")" = 500
	check "$label: … as verification_failed" grep -q '"code":"verification_failed"' "$T/body"
	check "$label: completed" test "$(move "$D1" "$TC" completed 'xong')" = 200
	check "$label: history of 6 rows, paid" bash -c "[ \$(grep -o '\"to\":' '$T/body' | wc -l) = 6 ] && grep -q '\"paid_vnd\":7000' '$T/body'"
	check "$label: the register has the temporary residence" shows "$mum" 'Số 5 ngõ 3'
	check "$label: attachment on the closed dossier → 409" test "$(up "$CT" application/pdf "$W/hd.pdf" late.pdf)" = 409
	check "$label: … problem+json conflict" grep -q '"code":"conflict"' "$T/body"
	# offline dossier by an officer, and an overdue one
	check "$label: officer files offline → 201" test "$(api POST /api/v1/dossiers "$TN" "{\"service\":\"temp_register\",\"pin\":\"$mum2\",\"data\":{\"temp_commune\":\"$mumc\"}}")" = 201
	check "$label: offline channel" grep -q '"channel":"offline"' "$T/body"
	local D2
	D2=$(json_str id <"$T/body")
	local q="UPDATE svc_dossier SET deadline_ms = 1 WHERE id = '$D2'"
	if [ "$sql" = sqlite ]; then sqlite3 "$W/../$label.db" "$q"; else psql "$PGX" -qc "$q"; fi >/dev/null
	check "$label: overdue list has it" bash -c "curl -s '$URL/api/v1/dossiers?overdue=1' -H 'Authorization: Bearer $TN' | grep -q '\"id\":\"$D2\".*\"overdue\":true'"

	# linked procedure A: birth → permanent residence → BHYT card
	check "$label: linked_birth → 201" test "$(api POST /api/v1/dossiers "$CT" "{\"service\":\"linked_birth\",\"data\":{\"child\":{\"birth_name\":\"Nguyễn Bảo An\",\"dob\":\"$(date +%F)\",\"sex\":\"F\"}}}")" = 201
	local LA
	LA=$(json_str id <"$T/body")
	check "$label: step 1 in the officers' queue" grep -q '"steps":\[{"id":"HS[0-9a-f]*","service":"birth_registration".*"state":"submitted"' "$T/body"
	step_id() { api GET "/api/v1/dossiers/$1" "$CT" >/dev/null; grep -o "\"id\":\"HS[0-9a-f]*\",\"service\":\"$2\"" "$T/body" | cut -d'"' -f4; }
	local s1 s2 s3
	s1=$(step_id "$LA" birth_registration)
	for st in received processing completed; do move "$s1" "$TC" $st "" >/dev/null; done
	check "$label: birth step completed, child has a number" grep -q '"child_pin":"[0-9]\{12\}"' "$T/body"
	local child
	child=$(grep -o '"child_pin":"[0-9]*"' "$T/body" | cut -d'"' -f4)
	s2=$(step_id "$LA" perm_register)
	check "$label: step 2 (residence) started by step 1" test -n "$s2"
	for st in received processing completed; do move "$s2" "$TC" $st "" >/dev/null; done
	check "$label: residence step completed" grep -q '"state":"completed"' "$T/body"
	check "$label: the child lives at the mother's commune" shows "$child" "$mumc"
	s3=$(step_id "$LA" bhyt_child)
	check "$label: step 3 in the BHXH queue" bash -c "curl -s '$URL/api/v1/agency/dossiers' -H 'Authorization: ApiKey $KB' | grep -q '$s3'"
	ag() { curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/agency/dossiers/$1" -H "Authorization: ApiKey $KB" -d "$2"; }
	check "$label: officers cannot act on the agency's step → 404" test "$(move "$s3" "$TC" received x)" = 404
	ag "$s3" '{"to":"received"}' >/dev/null
	ag "$s3" '{"to":"processing"}' >/dev/null
	check "$label: BHYT without a card number → 409" test "$(ag "$s3" '{"to":"completed"}')" = 409
	check "$label: BHYT completed with the card number" test "$(ag "$s3" '{"to":"completed","result":{"bhyt_number":"TE1010123456789"}}')" = 200
	api GET "/api/v1/dossiers/$LA" "$CT" >/dev/null
	check "$label: linked procedure A completed" grep -q "\"id\":\"$LA\",\"service\":\"linked_birth\".*\"state\":\"completed\"" "$T/body"
	check "$label: the BHYT number is a register attribute of the child" test "$(curl -s "$URL/api/v1/feed?after=0&limit=1000" -H "Authorization: ApiKey $KB" -o /dev/null -w '%{http_code}')" = 200

	# linked procedure A again, the middle step rejected: explicit partial state
	check "$label: second linked_birth → 201" test "$(api POST /api/v1/dossiers "$CT2" "{\"service\":\"linked_birth\",\"data\":{\"child\":{\"birth_name\":\"Trần Minh Khôi\",\"dob\":\"$(date +%F)\",\"sex\":\"M\"}}}")" = 201
	local LB
	LB=$(json_str id <"$T/body")
	s1=$(api GET "/api/v1/dossiers/$LB" "$CT2" >/dev/null; grep -o '"id":"HS[0-9a-f]*","service":"birth_registration"' "$T/body" | cut -d'"' -f4)
	for st in received processing completed; do move "$s1" "$TN" $st "" >/dev/null; done
	local child2
	child2=$(grep -o '"child_pin":"[0-9]*"' "$T/body" | cut -d'"' -f4)
	s2=$(api GET "/api/v1/dossiers/$LB" "$CT2" >/dev/null; grep -o '"id":"HS[0-9a-f]*","service":"perm_register"' "$T/body" | cut -d'"' -f4)
	move "$s2" "$TN" received "" >/dev/null
	check "$label: middle step rejected" test "$(move "$s2" "$TN" rejected 'giấy tờ nhà không hợp lệ')" = 200
	api GET "/api/v1/dossiers/$LB" "$CT2" >/dev/null
	check "$label: procedure is partial" grep -q "\"id\":\"$LB\",\"service\":\"linked_birth\".*\"state\":\"partial\"" "$T/body"
	check "$label: no BHYT step was started" bash -c "! grep -q 'bhyt_child' '$T/body'"
	check "$label: the child exists (step 1 done), without a permanent residence" not_shows "$child2" perm_commune

	# linked procedure B: death → deletion of permanent residence → funeral allowance
	check "$label: linked_death → 201" test "$(api POST /api/v1/dossiers "$CT" "{\"service\":\"linked_death\",\"data\":{\"deceased_pin\":\"$dec\",\"death_date\":\"$(date +%F)\"}}")" = 201
	local LD
	LD=$(json_str id <"$T/body")
	s1=$(step_id "$LD" death_registration)
	for st in received processing completed; do move "$s1" "$TN" $st "" >/dev/null; done
	check "$label: death registered" shows "$dec" dead
	s2=$(step_id "$LD" perm_delete)
	for st in received processing completed; do move "$s2" "$TN" $st "" >/dev/null; done
	check "$label: permanent residence deleted" not_shows "$dec" perm_commune
	s3=$(step_id "$LD" funeral_allowance)
	ag "$s3" '{"to":"received"}' >/dev/null
	ag "$s3" '{"to":"processing"}' >/dev/null
	check "$label: allowance decided by the agency" test "$(ag "$s3" '{"to":"completed","result":{"amount_vnd":18000000}}')" = 200
	api GET "/api/v1/dossiers/$LD" "$CT" >/dev/null
	check "$label: linked procedure B completed" grep -q "\"id\":\"$LD\",\"service\":\"linked_death\".*\"state\":\"completed\"" "$T/body"
	# a failing register change rolls the step back: a second death of the same person
	check "$label: a second death procedure for the same person → 400" test "$(api POST /api/v1/dossiers "$CT" "{\"service\":\"linked_death\",\"data\":{\"deceased_pin\":\"$dec\",\"death_date\":\"$(date +%F)\"}}")" = 400
	serve_stop
	expect_exit 0 "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite sqlite --db "$T/sqlite.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dos_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	PGX="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	run_suite postgresql pg --pg "$PGX"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
