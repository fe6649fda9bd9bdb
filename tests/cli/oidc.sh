#!/bin/bash
# e-ID accounts (CLI) and the OpenID Connect provider over real HTTP, driven
# by a relying party we did not write (npm openid-client + jose, pinned in
# tests/node): code + PKCE, ID token verified against the JWKS, userinfo,
# refresh rotation, and the negative cases (wrong redirect URI, reused code,
# wrong verifier, expired code, tampered / wrong-key token, refresh reuse,
# locked account, dead citizen). On SQLite, then on PostgreSQL.
. "$(dirname "$0")/lib.inc"
NODE_DIR="$(cd "$(dirname "$0")/../node" && pwd)"
if [ ! -d "$NODE_DIR/node_modules/openid-client" ]; then
	notok "tests/node is not installed (run scripts/deps.sh test)"
	finish
fi

run_suite() { # label, sql-command, store args...
	local label=$1 sql=$2
	shift 2
	local S=("$@")
	"$DANCU" gen --count 200 --seed 5 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	# Adults (born before 2000) that are alive.
	mapfile -t PINS < <(awk -F, 'NR>1 && $4=="alive" && substr($2,1,4)<"2000" {print $1}' "$T/p.csv" | head -n 4)
	local pin=${PINS[0]} pin2=${PINS[1]} pin3=${PINS[2]} pin4=${PINS[3]}
	check "$label: three adult citizens found" test -n "$pin3"
	export DANCU_OIDC_KEYS="$T/keys-$label"
	rm -f "$T/sms"
	# Account life cycle through the CLI.
	local phone=0912000001
	make_account() { # pin phone
		"$DANCU" eid register "${S[@]}" --pin "$1" --level 2 --phone "$2" --face "face:$1" --officer ba.dinh >/dev/null &&
			"$DANCU" eid approve "${S[@]}" --pin "$1" --officer ba.dinh >/dev/null &&
			"$DANCU" eid outbox "${S[@]}" --sms-file "$T/sms" >/dev/null &&
			printf 'Matkhau@2026\n583920\n' | "$DANCU" eid activate "${S[@]}" --pin "$1" \
				--otp "$(grep "^$2" "$T/sms" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)" >/dev/null
	}
	expect_exit 2 "$label: eid register with a bad phone" "$DANCU" eid register "${S[@]}" --pin "$pin" --phone 123 --face f
	check "$label: register, approve (OTP via outbox file), activate" make_account "$pin" 0912000001
	check "$label: the SMS file holds the approval message" grep -q "da duoc phe duyet" "$T/sms"
	expect_exit 1 "$label: one phone number, one account" "$DANCU" eid register "${S[@]}" --pin "$pin2" --phone 0912000001 --face f
	check "$label: second account" make_account "$pin2" 0912000002
	check "$label: third account" make_account "$pin3" 0912000003
	check "$label: fourth account" make_account "$pin4" 0912000004
	"$DANCU" eid show "${S[@]}" --pin "$pin" >"$T/show"
	check "$label: eid show: level 2, active" grep -q "state	active" "$T/show"
	"$DANCU" oidc keys rotate --keys "$DANCU_OIDC_KEYS" >/dev/null
	check "$label: signing key file is mode 0600" test "$(stat -c %a "$DANCU_OIDC_KEYS"/*.pem | sort -u)" = 600
	expect_exit 2 "$label: client with a non-https redirect URI refused" "$DANCU" oidc client add "${S[@]}" --id bad --redirect-uri http://example.com/cb
	"$DANCU" oidc client add "${S[@]}" --id bank-1 --name "Ngân hàng Thử" --redirect-uri http://127.0.0.1:9/cb >"$T/client"
	local secret
	secret=$(grep -o 'shown once): .*' "$T/client" | cut -d' ' -f3)
	check "$label: confidential client registered with a secret" test ${#secret} = 43
	"$DANCU" oidc client list "${S[@]}" | grep -q '^bank-1' && ok "$label: client list" || notok "$label: client list"

	"$DANCU" serve --port 0 --threads 2 "${S[@]}" --master-key "$T/k.key" --access-log '' 2>"$T/serve.err" &
	local PID=$!
	local URL=""
	for _ in $(seq 50); do
		URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
		[ -n "$URL" ] && break
		sleep 0.1
	done
	check "$label: server up" test -n "$URL"
	node "$NODE_DIR/oidc_rp.mjs" "$URL" bank-1 "$secret" http://127.0.0.1:9/cb "$pin" 'Matkhau@2026' >"$T/rp" 2>"$T/rp.err"
	local rprc=$?
	sed "s/^ok /ok $label: /; s/^not ok /not ok $label: /" "$T/rp" | grep -E '^(ok|not ok)'
	grep -q '^not ok' "$T/rp" && failures=$((failures + 1))
	if [ $rprc != 0 ] && ! grep -q '^not ok' "$T/rp"; then
		notok "$label: openid-client run failed"
		sed 's/^/#   /' "$T/rp.err" | head -n 15
	fi
	# Expired code: age a fresh code past its lifetime, then exchange it.
	read -r _ _ code verifier < <(grep '^# CODE' "$T/rp")
	local h
	h=$(printf '%s' "$code" | sha256sum | cut -d' ' -f1)
	local q="UPDATE oidc_code SET expires_ms = 1 WHERE code_hash = '$h'"
	if [ "$sql" = sqlite ]; then sqlite3 "$T/o.db" "$q"; else psql "$PGC" -qc "$q"; fi >/dev/null
	local st
	st=$(curl -s -o "$T/tok" -w '%{http_code}' -u "bank-1:$secret" "$URL/oidc/token" \
		-d grant_type=authorization_code -d "code=$code" -d redirect_uri=http://127.0.0.1:9/cb -d "code_verifier=$verifier")
	check "$label: an expired code is rejected (400 invalid_grant)" bash -c "[ $st = 400 ] && grep -q invalid_grant '$T/tok'"
	# One code redeemed by six requests at once: exactly one gets tokens
	# (the redemption runs in the group commit; the code is spent once).
	local loc1 code1
	loc1=$(curl -s -o /dev/null -w '%{redirect_url}' "$URL/oidc/authorize" -d client_id=bank-1 -d redirect_uri=http://127.0.0.1:9/cb \
		-d response_type=code -d scope=openid -d code_challenge_method=S256 \
		-d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d "pin=$pin" -d 'password=Matkhau@2026' -d decision=allow)
	code1=$(printf '%s' "$loc1" | grep -o 'code=[^&]*' | cut -d= -f2)
	local k
	for k in 1 2 3 4 5 6; do
		curl -s -o "$T/race$k" -w '%{http_code}\n' -u "bank-1:$secret" "$URL/oidc/token" -d grant_type=authorization_code \
			-d "code=$code1" -d redirect_uri=http://127.0.0.1:9/cb -d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk >"$T/race$k.st" &
	done
	wait $(jobs -p | grep -v "^$PID\$")
	check "$label: a code redeemed six times at once: one 200, five 400 invalid_grant" \
		bash -c "[ \$(cat '$T'/race?.st | grep -c '^200\$') = 1 ] && [ \$(cat '$T'/race?.st | grep -c '^400\$') = 5 ]"
	st=$(curl -s -o /dev/null -w '%{http_code}' -u "bank-1:wrong" "$URL/oidc/token" -d grant_type=refresh_token -d refresh_token=x)
	check "$label: wrong client secret → 401" test "$st" = 401
	# Locked account.
	"$DANCU" eid lock "${S[@]}" --pin "$pin2" --by citizen >/dev/null
	node "$NODE_DIR/oidc_rp.mjs" "$URL" bank-1 "$secret" http://127.0.0.1:9/cb "$pin2" 'Matkhau@2026' denied >"$T/rp2" 2>&1
	if ! check "$label: a locked account cannot sign in" grep -q '^ok' "$T/rp2"; then
		sed 's/^/#   /' "$T/rp2" | head -n 8
		tail -n 5 "$T/serve.err" | sed 's/^/#   serve: /'
	fi
	# TOTP as second factor (pin3): without it, wrong, right, replayed.
	local tsec
	tsec=$("$DANCU" eid totp "${S[@]}" --pin "$pin3" --master-key "$T/k.key" | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
	check "$label: TOTP enrolled" test -n "$tsec"
	post_login() { # pin password totp → status
		curl -s -o /dev/null -w '%{http_code}' "$URL/oidc/authorize" -d client_id=bank-1 -d redirect_uri=http://127.0.0.1:9/cb \
			-d response_type=code -d scope=openid -d code_challenge_method=S256 \
			-d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d "pin=$1" -d "password=$2" -d "totp=$3" -d decision=allow
	}
	check "$label: TOTP enrolled: password alone refused (401)" test "$(post_login "$pin3" 'Matkhau@2026' '')" = 401
	local tc
	tc=$(oathtool --totp -b "$tsec")
	check "$label: password + TOTP accepted (303)" test "$(post_login "$pin3" 'Matkhau@2026' "$tc")" = 303
	check "$label: the same TOTP code is refused the second time" test "$(post_login "$pin3" 'Matkhau@2026' "$tc")" = 401
	# Dead citizen: a national admin registers the death over the API.
	local sec
	sec=$(echo 'a long enough passphrase' | "$DANCU" officer add "${S[@]}" --master-key "$T/k.key" --id adm \
		--name "Quản Trị" --role national_admin --jurisdiction VN | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
	curl -s -o "$T/login" -X POST "$URL/api/v1/login" \
		-d "{\"officer\":\"adm\",\"password\":\"a long enough passphrase\",\"totp\":\"$(oathtool --totp -b "$sec")\"}"
	local TOK
	TOK=$(grep -o '"token":"[^"]*"' "$T/login" | cut -d'"' -f4)
	# An expired identity card locks the account until the new card is
	# delivered (NĐ 69/2024 Art. 15): the sign-in page says so (423), a code
	# obtained before cannot be redeemed; the renewal lifts the lock.
	local loc code4
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$URL/oidc/authorize" -d client_id=bank-1 -d redirect_uri=http://127.0.0.1:9/cb \
		-d response_type=code -d scope=openid -d code_challenge_method=S256 \
		-d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d "pin=$pin4" -d 'password=Matkhau@2026' -d decision=allow)
	code4=$(printf '%s' "$loc" | grep -o 'code=[^&]*' | cut -d= -f2)
	check "$label: card: a code before the card expired" test -n "$code4"
	local dob4 cid
	dob4=$(awk -F, -v p="$pin4" '$1==p {print $2}' "$T/p.csv")
	cid=$("$DANCU" card apply "${S[@]}" --pin "$pin4" --kind first --reason first | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
	"$DANCU" card approve "${S[@]}" --id "$cid" >/dev/null
	# Issued at 15: valid until the 25th birthday, long past.
	"$DANCU" card produce "${S[@]}" --id "$cid" --issued "$((${dob4:0:4} + 15))-06-01" >/dev/null
	"$DANCU" card deliver "${S[@]}" --id "$cid" >"$T/card4"
	check "$label: card: delivered, expired" grep -q '"state":"delivered".*"expiry":"[12][0-9]*-' "$T/card4"
	st=$(curl -s -o "$T/tok4" -w '%{http_code}' -u "bank-1:$secret" "$URL/oidc/token" -d grant_type=authorization_code \
		-d "code=$code4" -d redirect_uri=http://127.0.0.1:9/cb -d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk)
	check "$label: card expired: the code is not redeemed (400 invalid_grant)" bash -c "[ $st = 400 ] && grep -q 'locked' '$T/tok4'"
	node "$NODE_DIR/oidc_rp.mjs" "$URL" bank-1 "$secret" http://127.0.0.1:9/cb "$pin4" 'Matkhau@2026' denied >"$T/rp5" 2>&1
	check "$label: card expired: openid-client's sign-in is refused (423)" grep -q '^# login status 423' "$T/rp5"
	st=$(curl -s -o "$T/page4" -w '%{http_code}' "$URL/oidc/authorize" -d client_id=bank-1 -d redirect_uri=http://127.0.0.1:9/cb \
		-d response_type=code -d scope=openid -d code_challenge_method=S256 \
		-d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d "pin=$pin4" -d 'password=Matkhau@2026' -d decision=allow)
	check "$label: card expired: the page says why (423, the expiry date, NĐ 69 Art. 15)" \
		bash -c "[ $st = 423 ] && grep -q 'expired on [0-9-]*' '$T/page4' && grep -q 'Điều 15' '$T/page4'"
	st=$(curl -s -o /dev/null -w '%{http_code}' "$URL/oidc/authorize" -d client_id=bank-1 -d redirect_uri=http://127.0.0.1:9/cb \
		-d response_type=code -d scope=openid -d code_challenge_method=S256 \
		-d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d "pin=$pin4" -d 'password=Wrong@2026x' -d decision=allow)
	check "$label: card expired: a wrong password still says only 401" test "$st" = 401
	curl -s -o "$T/acct4" "$URL/api/v1/eid/accounts/$pin4" -H "Authorization: Bearer $TOK"
	check "$label: card expired: the officer's view of the account says since when" \
		bash -c "grep -q '\"state\":\"active\"' '$T/acct4' && grep -q '\"card_expired_on\":\"[0-9-]*\"' '$T/acct4'"
	cid=$("$DANCU" card apply "${S[@]}" --pin "$pin4" --kind renewal --reason age | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
	"$DANCU" card approve "${S[@]}" --id "$cid" >/dev/null && "$DANCU" card produce "${S[@]}" --id "$cid" >/dev/null &&
		"$DANCU" card deliver "${S[@]}" --id "$cid" >/dev/null
	node "$NODE_DIR/oidc_rp.mjs" "$URL" bank-1 "$secret" http://127.0.0.1:9/cb "$pin4" 'Matkhau@2026' >"$T/rp6" 2>&1
	curl -s -o "$T/acct4" "$URL/api/v1/eid/accounts/$pin4" -H "Authorization: Bearer $TOK"
	check "$label: card renewed: no card_expired_on in the officer's view" bash -c "grep -q '\"pin\"' '$T/acct4' && ! grep -q card_expired_on '$T/acct4'"
	check "$label: card renewed: openid-client signs in again (full flow)" bash -c "grep -q '^ok' '$T/rp6' && ! grep -q '^not ok' '$T/rp6'"
	st=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/citizens/$pin3/death" \
		-H "Authorization: Bearer $TOK" -d '{"death_date":"2026-11-20","evidence":"KT-1"}')
	check "$label: death registered" test "$st" = 200
	st=$(curl -s -o "$T/acc" -w '%{http_code}' "$URL/api/v1/citizens/$pin/accesses" -H "Authorization: Bearer $TOK")
	check "$label: claim releases appear in the citizen's data tracker" bash -c "[ $st = 200 ] && grep -q oidc.userinfo '$T/acc' && grep -q oidc.consent '$T/acc'"
	"$DANCU" eid show "${S[@]}" --pin "$pin3" >"$T/show3"
	check "$label: the death closed the e-ID account" grep -q "state	closed" "$T/show3"
	node "$NODE_DIR/oidc_rp.mjs" "$URL" bank-1 "$secret" http://127.0.0.1:9/cb "$pin3" 'Matkhau@2026' denied >"$T/rp3" 2>&1
	check "$label: a dead citizen cannot sign in" grep -q '^ok' "$T/rp3"
	# A citizen recorded dead outside the death route (an import, a fix in
	# the database) cannot sign in either, even with an active account.
	"$DANCU" eid unlock "${S[@]}" --pin "$pin2" --by citizen >/dev/null
	q="UPDATE citizen SET status = 'dead' WHERE pin = '$pin2'"
	if [ "$sql" = sqlite ]; then sqlite3 "$T/o.db" "$q"; else psql "$PGC" -qc "$q"; fi >/dev/null
	node "$NODE_DIR/oidc_rp.mjs" "$URL" bank-1 "$secret" http://127.0.0.1:9/cb "$pin2" 'Matkhau@2026' denied >"$T/rp4" 2>&1
	check "$label: a citizen recorded dead (account still active) cannot sign in" grep -q '^ok' "$T/rp4"
	# Per-IP limit: failed logins from one address, across accounts → 429.
	for i in $(seq 20); do
		curl -s -o /dev/null "$URL/oidc/authorize" -d client_id=bank-1 -d redirect_uri=http://127.0.0.1:9/cb \
			-d response_type=code -d scope=openid -d code_challenge_method=S256 \
			-d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d pin=0011990999$((10 + i)) \
			-d password=x -d decision=allow
	done
	st=$(curl -s -D "$T/h" -o /dev/null -w '%{http_code}' "$URL/oidc/authorize" -d client_id=bank-1 \
		-d redirect_uri=http://127.0.0.1:9/cb -d response_type=code -d scope=openid -d code_challenge_method=S256 \
		-d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d "pin=$pin" -d 'password=Matkhau@2026' -d decision=allow)
	check "$label: per-IP limit: 429 with Retry-After after 20 failed logins" bash -c "[ $st = 429 ] && grep -qi '^retry-after: 900' '$T/h'"
	kill -TERM $PID
	wait $PID
	check "$label: server exited cleanly (no sanitizer report)" bash -c "! grep -q Sanitizer '$T/serve.err'"
}

run_suite sqlite sqlite --db "$T/o.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="oidc_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	PGC="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	rm -f "$T/k.key"
	run_suite postgresql psql --pg "$PGC"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
