#!/bin/bash
# e-KYC with consent over real HTTP, on SQLite then PostgreSQL: an
# organisation requests attributes for a purpose (checked against its
# policy), the citizen approves on the bilingual page (e-ID sign-in) or with
# a Bearer token of the e-ID app, the organisation fetches the attributes as
# an ES256 JWT that npm jose (a client we did not write) verifies offline
# against /oidc/jwks; consents are listed and revoked by the citizen; every
# step shows in the citizen's data tracker. Negative cases: attribute or
# purpose outside the policy, declined, expired (request and consent),
# revoked, another organisation's request, another citizen approving,
# replayed approval, an app not allowed to act for the citizen, a dead
# citizen, a locked account.
. "$(dirname "$0")/lib.inc"
NODE_DIR="$(cd "$(dirname "$0")/../node" && pwd)"
if [ ! -d "$NODE_DIR/node_modules/jose" ]; then
	notok "tests/node is not installed (run scripts/deps.sh test)"
	finish
fi
PW='Matkhau@2026'
VERIFIER=kyc-test-verifier-0123456789abcdefghijklmnopq
CHALLENGE=$(printf %s "$VERIFIER" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')

run_suite() { # label, sql-command, store args...
	local label=$1 sql=$2
	shift 2
	local S=("$@")
	sqlq() { if [ "$sql" = sqlite ]; then sqlite3 "$T/k.db" "$1"; else psql "$PGC" -qAtc "$1"; fi; }
	"$DANCU" gen --count 200 --seed 9 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	mapfile -t PINS < <(awk -F, 'NR>1 && $4=="alive" && substr($2,1,4)<"2000" {print $1}' "$T/p.csv" | head -n 4)
	local pin=${PINS[0]} pin2=${PINS[1]} pin3=${PINS[2]} pin4=${PINS[3]}
	local name
	name=$(awk -F, -v p="$pin" '$1==p {print $7}' "$T/p.csv")
	check "$label: four adult citizens" test -n "$pin4"
	export DANCU_OIDC_KEYS="$T/keys-$label"
	rm -f "$T/sms"
	make_account() { # pin phone
		"$DANCU" eid register "${S[@]}" --pin "$1" --level 2 --phone "$2" --face "face:$1" --officer ba.dinh >/dev/null &&
			"$DANCU" eid approve "${S[@]}" --pin "$1" --officer ba.dinh >/dev/null &&
			"$DANCU" eid outbox "${S[@]}" --sms-file "$T/sms" >/dev/null &&
			printf '%s\n583920\n' "$PW" | "$DANCU" eid activate "${S[@]}" --pin "$1" \
				--otp "$(grep "^$2" "$T/sms" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)" >/dev/null
	}
	local i=1
	for p in "$pin" "$pin2" "$pin3" "$pin4"; do
		check "$label: e-ID account $i" make_account "$p" "091300000$i"
		i=$((i + 1))
	done
	"$DANCU" oidc keys rotate --keys "$DANCU_OIDC_KEYS" >/dev/null
	local app bankapp
	app=$("$DANCU" oidc client add "${S[@]}" --id citizen-app --name "VNeID thử" --redirect-uri http://127.0.0.1:9/cb | grep -o 'shown once): .*' | cut -d' ' -f3)
	bankapp=$("$DANCU" oidc client add "${S[@]}" --id bank-app --name "Ứng dụng ngân hàng" --redirect-uri http://127.0.0.1:9/cb | grep -o 'shown once): .*' | cut -d' ' -f3)
	"$DANCU" org add "${S[@]}" --id bank-a --name "Ngân hàng A" --fields name --receive name,dob,sex,address \
		--purposes account_opening,credit_assessment >/dev/null
	"$DANCU" org add "${S[@]}" --id telco-b --name "Nhà mạng B" --fields name --receive name \
		--purposes subscriber_registration >/dev/null
	local KA KB
	KA=$("$DANCU" org key-add "${S[@]}" --id bank-a --label kyc | tail -n 1)
	KB=$("$DANCU" org key-add "${S[@]}" --id telco-b --label kyc | tail -n 1)
	check "$label: organisation keys" test -n "$KA" -a -n "$KB"
	local sec
	sec=$(officer_new "${S[@]}" -- adm national_admin VN)

	DANCU_KYC_CLIENTS=citizen-app,other-app serve_start "${S[@]}" || {
		notok "$label: server up"
		return
	}
	local TOK
	TOK=$(officer_token adm "$sec")
	kreq() { # key body → status; body in $T/body
		curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/kyc/requests" \
			-H "Authorization: ApiKey $1" -H 'Content-Type: application/json' -d "$2"
	}
	kget() { # key id → status
		curl -s -o "$T/body" -w '%{http_code}' "$URL/api/v1/kyc/requests/$2" -H "Authorization: ApiKey $1"
	}
	new_request() { # key pin [attrs] [purpose] → prints the id
		kreq "$1" "{\"pin\":\"$2\",\"attributes\":[${3:-\"name\",\"dob\",\"address\"}],\"purpose\":\"${4:-account_opening}\",\"redirect_uri\":\"https://bank-a.example/kyc?x=1\"}" >/dev/null
		json_str id <"$T/body"
	}
	page_post() { # id pin password decision → status; page in $T/page
		curl -s -o "$T/page" -w '%{http_code}' "$URL/kyc/$1" --data-urlencode "pin=$2" \
			--data-urlencode "password=$3" -d "decision=$4"
	}
	access_token() { # client secret pin → the access token
		local loc code
		loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$URL/oidc/authorize" -d "client_id=$1" \
			-d redirect_uri=http://127.0.0.1:9/cb -d response_type=code -d scope=openid \
			-d code_challenge_method=S256 -d "code_challenge=$CHALLENGE" -d "pin=$3" \
			--data-urlencode "password=$PW" -d decision=allow)
		code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$loc")
		curl -s -u "$1:$2" "$URL/oidc/token" -d grant_type=authorization_code -d "code=$code" \
			-d redirect_uri=http://127.0.0.1:9/cb -d "code_verifier=$VERIFIER" | json_str access_token
	}
	me() { # method path token → status
		curl -s -o "$T/body" -w '%{http_code}' -X "$1" "$URL/api/v1/me/kyc$2" -H "Authorization: Bearer $3"
	}

	# --- the organisation asks -------------------------------------------
	check "$label: request → 201" test "$(kreq "$KA" "{\"pin\":\"$pin\",\"attributes\":[\"name\",\"dob\",\"address\"],\"purpose\":\"account_opening\",\"redirect_uri\":\"https://bank-a.example/kyc\"}")" = 201
	local id1 url1
	id1=$(json_str id <"$T/body")
	url1=$(json_str approval_url <"$T/body")
	check "$label: … with an id, the approval URL and the expiry" bash -c "[[ '$id1' == kyc_* && '$url1' == '$URL/kyc/$id1' ]] && grep -q '\"state\":\"pending\",.*\"expires_ms\":[1-9]' '$T/body'"
	check "$label: attribute outside the policy → 403 naming it" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' -X POST '$URL/api/v1/kyc/requests' -H 'Authorization: ApiKey $KA' -d '{\"pin\":\"$pin\",\"attributes\":[\"name\",\"phone\"],\"purpose\":\"account_opening\"}')\" = 403 ] && grep -q 'attribute phone is outside' '$T/b2'"
	check "$label: purpose outside the policy → 403" test "$(kreq "$KA" "{\"pin\":\"$pin\",\"attributes\":[\"name\"],\"purpose\":\"employment\"}")" = 403
	check "$label: unknown attribute → 400" test "$(kreq "$KA" "{\"pin\":\"$pin\",\"attributes\":[\"salary\"],\"purpose\":\"account_opening\"}")" = 400
	check "$label: bad ID number → 400" test "$(kreq "$KA" '{"pin":"12345","attributes":["name"],"purpose":"account_opening"}')" = 400
	check "$label: plain-http redirect elsewhere → 400" test "$(kreq "$KA" "{\"pin\":\"$pin\",\"attributes\":[\"name\"],\"purpose\":\"account_opening\",\"redirect_uri\":\"http://evil.example/\"}")" = 400
	check "$label: no API key → 401" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/kyc/requests" -d '{}')" = 401
	check "$label: pending: the organisation gets 202" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' '$URL/api/v1/kyc/requests/$id1' -H 'Authorization: ApiKey $KA')\" = 202 ] && grep -q '\"state\":\"pending\"' '$T/b2' && ! grep -q token '$T/b2'"
	check "$label: another organisation's request → 404" test "$(kget "$KB" "$id1")" = 404

	# --- the citizen's page ------------------------------------------------
	curl -s -o "$T/page" -D "$T/h" "$URL/kyc/$id1"
	check "$label: page shows organisation, purpose and each attribute (vi + en)" bash -c "grep -q 'Ngân hàng A' '$T/page' && grep -q 'Mở tài khoản' '$T/page' && grep -q 'Account opening' '$T/page' && grep -q 'Ngày sinh' '$T/page' && grep -q 'Nơi thường trú' '$T/page' && grep -q 'Full name' '$T/page' && ! grep -q 'Giới tính' '$T/page'"
	check "$label: page is not framed and not cached" bash -c "grep -qi '^x-frame-options: DENY' '$T/h' && grep -qi '^cache-control: no-store' '$T/h'"
	check "$label: page: wrong password → 401" test "$(page_post "$id1" "$pin" wrong approve)" = 401
	check "$label: page: another citizen cannot approve → 403" bash -c "[ \"\$(curl -s -o '$T/pg' -w '%{http_code}' '$URL/kyc/$id1' -d pin=$pin2 --data-urlencode 'password=$PW' -d decision=approve)\" = 403 ] && grep -q 'another person' '$T/pg'"
	check "$label: page: the citizen approves → 200" test "$(page_post "$id1" "$pin" "$PW" approve)" = 200
	check "$label: … with a link back to the organisation" grep -q "href=\"https://bank-a.example/kyc?kyc_request=$id1&amp;state=approved\"" "$T/page"
	check "$label: replayed approval on the page → 409" test "$(page_post "$id1" "$pin" "$PW" approve)" = 409

	# --- the release -------------------------------------------------------
	check "$label: approved: the organisation gets the JWT → 200" test "$(kget "$KA" "$id1")" = 200
	local jwt
	jwt=$(json_str token <"$T/body")
	check "$label: … and the consent's expiry" grep -q '"state":"approved",.*"consent_expires_ms":[1-9].*"releases":1' "$T/body"
	node "$NODE_DIR/kyc.mjs" "$URL" bank-a "$jwt" >"$T/jose" 2>"$T/jose.err"
	sed "s/^ok /ok $label: jose: /; s/^not ok /not ok $label: jose: /" "$T/jose" | grep -E '^(ok|not ok)'
	grep -q '^not ok' "$T/jose" && failures=$((failures + 1))
	grep -q '^ok verified' "$T/jose" || { notok "$label: jose run failed"; sed 's/^/#   /' "$T/jose.err" | head; }
	local claims
	claims=$(sed -n 's/^# CLAIMS //p' "$T/jose")
	check "$label: claims: purpose, request, ID number, jti, exp" bash -c "grep -q '\"purpose\":\"account_opening\"' <<<'$claims' && grep -q '\"kyc_request\":\"$id1\"' <<<'$claims' && grep -q '\"personal_id_number\":\"$pin\"' <<<'$claims' && grep -q '\"jti\":\"[0-9a-f]\{32\}\"' <<<'$claims' && grep -q '\"exp\":[0-9]' <<<'$claims'"
	check "$label: claims: exactly the approved attributes, the register's name" bash -c "grep -q '\"name\":\"$name\"' <<<'$claims' && grep -q '\"dob\":\"' <<<'$claims' && grep -q '\"address\":{' <<<'$claims' && ! grep -q '\"sex\"' <<<'$claims'"
	check "$label: a second fetch is a second release" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' '$URL/api/v1/kyc/requests/$id1' -H 'Authorization: ApiKey $KA')\" = 200 ] && grep -q '\"releases\":2' '$T/b2'"
	check "$label: another organisation still gets 404" test "$(kget "$KB" "$id1")" = 404

	# --- the citizen's API (Bearer) -----------------------------------------
	local AT BT
	AT=$(access_token citizen-app "$app" "$pin")
	BT=$(access_token bank-app "$bankapp" "$pin")
	check "$label: access tokens for the e-ID app and a bank's app" test -n "$AT" -a -n "$BT"
	check "$label: GET /api/v1/me/kyc lists the consent" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' '$URL/api/v1/me/kyc' -H 'Authorization: Bearer $AT')\" = 200 ] && grep -q '\"id\":\"$id1\",\"org\":\"bank-a\",\"org_name\":\"Ngân hàng A\",\"purpose\":\"account_opening\",\"attributes\":\\[\"name\",\"dob\",\"address\"\\],\"state\":\"approved\"' '$T/b2'"
	check "$label: a relying party's token may not act for the citizen → 403" test "$(me GET '' "$BT")" = 403
	local id2
	id2=$(new_request "$KA" "$pin")
	check "$label: … nor approve its own request → 403" test "$(me POST "/$id2/approve" "$BT")" = 403
	check "$label: no token → 401" test "$(me GET '' '')" = 401
	check "$label: Bearer decline → 200" test "$(me POST "/$id2/decline" "$AT")" = 200
	check "$label: declined: the organisation gets 403 consent_required" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' '$URL/api/v1/kyc/requests/$id2' -H 'Authorization: ApiKey $KA')\" = 403 ] && grep -q consent_required '$T/b2'"
	check "$label: approving a declined request → 409" test "$(me POST "/$id2/approve" "$AT")" = 409
	local id3
	id3=$(new_request "$KA" "$pin")
	check "$label: Bearer approve → 200" test "$(me POST "/$id3/approve" "$AT")" = 200
	check "$label: replayed Bearer approval → 409" test "$(me POST "/$id3/approve" "$AT")" = 409
	check "$label: another citizen's request → 404" test "$(me POST "/$(new_request "$KA" "$pin2")/approve" "$AT")" = 404
	check "$label: revoke the consent → 200" test "$(me DELETE "/consents/$id1" "$AT")" = 200
	check "$label: revoked: nothing more is released (410 revoked)" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' '$URL/api/v1/kyc/requests/$id1' -H 'Authorization: ApiKey $KA')\" = 410 ] && grep -q '\"code\":\"revoked\"' '$T/b2' && ! grep -q token '$T/b2'"
	check "$label: revoking twice → 409" test "$(me DELETE "/consents/$id1" "$AT")" = 409
	check "$label: revoking a pending request → 409" test "$(me DELETE "/consents/$(new_request "$KA" "$pin")" "$AT")" = 409
	# Expiry: a request left unanswered, and a consent past its days.
	local id4
	id4=$(new_request "$KA" "$pin")
	sqlq "UPDATE kyc_request SET expires_ms = 1 WHERE id = '$id4'" >/dev/null
	check "$label: expired request: 410 to the organisation" test "$(kget "$KA" "$id4")" = 410
	check "$label: … and approving it → 410" test "$(me POST "/$id4/approve" "$AT")" = 410
	check "$label: … and the page says so (410)" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/kyc/$id4")" = 410
	sqlq "UPDATE kyc_request SET consent_expires_ms = 1 WHERE id = '$id3'" >/dev/null
	check "$label: expired consent: 410 expired" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' '$URL/api/v1/kyc/requests/$id3' -H 'Authorization: ApiKey $KA')\" = 410 ] && grep -q '\"code\":\"expired\"' '$T/b2'"
	# Policy narrowed after the consent: nothing released.
	local id5
	id5=$(new_request "$KA" "$pin" '"name","sex"' credit_assessment)
	me POST "/$id5/approve" "$AT" >/dev/null
	check "$label: approved for name+sex → 200" test "$(kget "$KA" "$id5")" = 200
	"$DANCU" org policy "${S[@]}" --id bank-a --receive name,dob,address >/dev/null 2>&1 ||
		curl -s -o /dev/null -X PATCH "$URL/api/v1/orgs/bank-a" -H "Authorization: Bearer $TOK" -d '{"receive_fields":["name","dob","address"]}'
	check "$label: the policy no longer allows sex → 403, nothing released" test "$(kget "$KA" "$id5")" = 403

	# --- dead citizen, locked account --------------------------------------
	local id6 id7
	id6=$(new_request "$KA" "$pin3")
	check "$label: pin3 approves on the page" test "$(page_post "$id6" "$pin3" "$PW" approve)" = 200
	check "$label: … released once" test "$(kget "$KA" "$id6")" = 200
	sqlq "UPDATE citizen SET status = 'dead' WHERE pin = '$pin3'" >/dev/null
	check "$label: dead citizen: nothing more released (403)" test "$(kget "$KA" "$id6")" = 403
	id7=$(new_request "$KA" "$pin3")
	check "$label: dead citizen cannot approve on the page (423)" test "$(page_post "$id7" "$pin3" "$PW" approve)" = 423
	local id8 id9
	id8=$(new_request "$KA" "$pin4")
	check "$label: pin4 approves on the page" test "$(page_post "$id8" "$pin4" "$PW" approve)" = 200
	"$DANCU" eid lock "${S[@]}" --pin "$pin4" --by citizen >/dev/null
	check "$label: locked account: nothing more released (403)" test "$(kget "$KA" "$id8")" = 403
	id9=$(new_request "$KA" "$pin4")
	check "$label: locked account cannot approve on the page (423)" test "$(page_post "$id9" "$pin4" "$PW" approve)" = 423

	# --- the data tracker -----------------------------------------------------
	check "$label: tracker → 200" test "$(api GET "/api/v1/citizens/$pin/accesses" "$TOK")" = 200
	check "$label: tracker shows the release with organisation and purpose" grep -q '"org":"bank-a","action":"kyc.release","purpose":"account_opening"' "$T/body"
	check "$label: tracker shows request, approval, decline and revocation" bash -c "grep -q kyc.request '$T/body' && grep -q kyc.approve '$T/body' && grep -q kyc.decline '$T/body' && grep -q kyc.revoke '$T/body'"
	check "$label: the citizen's own list shows every state" bash -c "[ \"\$(curl -s -o '$T/b2' -w '%{http_code}' '$URL/api/v1/me/kyc' -H 'Authorization: Bearer $AT')\" = 200 ] && grep -q revoked '$T/b2' && grep -q declined '$T/b2' && grep -q expired '$T/b2' && grep -q pending '$T/b2'"
	serve_stop
	check "$label: no sanitizer report" bash -c "! grep -q Sanitizer '$T/serve.err'"
	expect_exit 0 "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite sqlite --db "$T/k.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="kyc_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	PGC="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	rm -f "$T/k.key"
	run_suite postgresql psql --pg "$PGC"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
