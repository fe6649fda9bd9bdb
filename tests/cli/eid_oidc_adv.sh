#!/bin/bash
# Token revocation, introspection, private_key_jwt and PAR over real HTTP,
# driven by npm openid-client + jose (tests/node/oidc_adv.mjs), on SQLite
# and PostgreSQL.
. "$(dirname "$0")/lib.inc"
NODE_DIR="$(cd "$(dirname "$0")/../node" && pwd)"
[ -d "$NODE_DIR/node_modules/openid-client" ] || { notok "tests/node is not installed (run scripts/deps.sh test)"; finish; }

run_suite() { # label store-args...
	local label=$1
	shift
	local S=("$@")
	rm -f "$T/k.key" "$T/sms"
	export DANCU_OIDC_KEYS="$T/keys-$label"
	"$DANCU" gen --count 100 --seed 9 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	local pin
	pin=$(awk -F, 'NR>1 && $4=="alive" && substr($2,1,4)<"2000" {print $1; exit}' "$T/p.csv")
	"$DANCU" eid register "${S[@]}" --pin "$pin" --level 2 --phone 0913000001 --face "face:1" --officer desk >/dev/null &&
		"$DANCU" eid approve "${S[@]}" --pin "$pin" --officer desk >/dev/null &&
		"$DANCU" eid outbox "${S[@]}" --sms-file "$T/sms" >/dev/null &&
		printf 'Matkhau@2026\n583920\n' | "$DANCU" eid activate "${S[@]}" --pin "$pin" \
			--otp "$(grep -o 'OTP): [0-9]*' "$T/sms" | tail -n 1 | cut -d' ' -f2)" >/dev/null
	check "$label: an active e-ID account" test $? = 0
	mkdir -p "$T/rp-$label"
	node "$NODE_DIR/oidc_adv.mjs" keygen "$T/rp-$label"
	echo '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}' >"$T/oct.jwks"
	expect_exit 2 "$label: a symmetric key is not accepted as a client key" \
		"$DANCU" oidc client add "${S[@]}" --id rp-oct --jwks "$T/oct.jwks" --redirect-uri http://127.0.0.1:9/cb
	"$DANCU" oidc client add "${S[@]}" --id rp-jwt --name "Bảo hiểm" --jwks "$T/rp-$label/pub.jwks" --require-par \
		--redirect-uri http://127.0.0.1:9/cb >"$T/c1"
	check "$label: private_key_jwt client registered (no secret printed)" \
		bash -c "grep -q 'private_key_jwt, PAR required' '$T/c1' && ! grep -q 'shown once' '$T/c1'"
	"$DANCU" oidc client add "${S[@]}" --id rp-sec --redirect-uri http://127.0.0.1:9/cb >"$T/c2"
	local secret
	secret=$(grep -o 'shown once): .*' "$T/c2" | cut -d' ' -f3)
	"$DANCU" oidc client add "${S[@]}" --id rp-pub --public --redirect-uri http://127.0.0.1:9/cb >/dev/null
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	node "$NODE_DIR/oidc_adv.mjs" "$URL" "$T/rp-$label" rp-jwt rp-sec "$secret" rp-pub http://127.0.0.1:9/cb "$pin" 'Matkhau@2026' \
		>"$T/adv" 2>"$T/adv.err"
	local rc=$?
	sed "s/^ok /ok $label: /; s/^not ok /not ok $label: /" "$T/adv" | grep -E '^(ok|not ok)'
	grep -q '^not ok' "$T/adv" && failures=$((failures + 1))
	if [ $rc != 0 ] && ! grep -q '^not ok' "$T/adv"; then
		notok "$label: oidc_adv.mjs failed"
		sed 's/^/#   /' "$T/adv.err" | head -n 20
	fi
	# Client keys registered as PEM public keys (EC and RSA), used for
	# private_key_jwt with jose-made assertions.
	local st a
	pem_token() { # client assertion-kind → status of a token request authenticated by it
		a=$(node "$NODE_DIR/oidc_adv.mjs" assert "$T/rp-$label" "$1" "$URL/oidc/token" "$2")
		curl -s -o "$T/r" -w '%{http_code}' "$URL/oidc/token" -d grant_type=refresh_token -d refresh_token=nope \
			-d "client_id=$1" -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
			-d "client_assertion=$a"
	}
	"$DANCU" oidc client add "${S[@]}" --id rp-pem --jwks "$T/rp-$label/pub.pem" --redirect-uri http://127.0.0.1:9/cb >"$T/c3"
	"$DANCU" oidc client add "${S[@]}" --id rp-rsa --jwks "$T/rp-$label/rsa-pub.pem" --redirect-uri http://127.0.0.1:9/cb >>"$T/c3"
	check "$label: clients registered with PEM public keys (EC, RSA)" test "$(grep -c 'private_key_jwt' "$T/c3")" = 2
	check "$label: PEM EC key: a jose assertion authenticates (then invalid_grant)" bash -c "[ $(pem_token rp-pem ec) = 400 ] && grep -q invalid_grant '$T/r'"
	check "$label: PEM RSA key: a jose RS256 assertion authenticates (then invalid_grant)" bash -c "[ $(pem_token rp-rsa rsa) = 400 ] && grep -q invalid_grant '$T/r'"
	check "$label: PEM key: an assertion by another key is refused (401)" test "$(pem_token rp-pem rsa)" = 401
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null | openssl pkey -pubout >"$T/weak.pem" 2>/dev/null
	expect_exit 2 "$label: a 1024-bit RSA PEM key is refused" \
		"$DANCU" oidc client add "${S[@]}" --id rp-weak --jwks "$T/weak.pem" --redirect-uri http://127.0.0.1:9/cb
	st=$(curl -s -o "$T/r" -w '%{http_code}' "$URL/oidc/revoke" -d token=x)
	check "$label: revocation without client authentication → 401 invalid_client" bash -c "[ $st = 401 ] && grep -q invalid_client '$T/r'"
	st=$(curl -s -o "$T/r" -w '%{http_code}' -u "rp-sec:$secret" "$URL/oidc/introspect" -d token_type_hint=access_token)
	check "$label: introspection without a token → 400 invalid_request" bash -c "[ $st = 400 ] && grep -q invalid_request '$T/r'"
	serve_stop
}

run_suite sqlite --db "$T/a.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_oidcadv_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
