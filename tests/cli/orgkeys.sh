#!/bin/bash
# A relying party manages its own API keys over real HTTP, on SQLite then
# PostgreSQL (GET/POST /api/v1/verify/keys, DELETE /api/v1/verify/keys/{id}):
# the list (no secrets, the presenting key marked), a new key shown once and
# working at once, hashed at rest, with the rate limit of the key that made
# it; revoking (the revoked key stops working), one organisation never
# seeing or revoking another's keys, the last active key kept, the cap on
# active keys, a disabled organisation, bad input; every change audited
# with the presenting key as actor.
. "$(dirname "$0")/lib.inc"

run_suite() { # label, sql-cli..., --, store args...
	local label=$1
	shift
	local SQL=()
	while [ "$1" != -- ]; do SQL+=("$1"); shift; done
	shift
	local S=("$@")
	q() { "${SQL[@]}" "$1"; }
	"$DANCU" org add "${S[@]}" --id bank-k --name "Ngân hàng K" --fields name,dob --purposes account_opening >/dev/null
	"$DANCU" org add "${S[@]}" --id bank-o --name "Ngân hàng O" --fields name --purposes account_opening >/dev/null
	"$DANCU" agency add "${S[@]}" --id bhxh --name BHXH --fields status >/dev/null
	local KA KO KG
	KA=$("$DANCU" org key-add "${S[@]}" --id bank-k --label first --rate 120 --burst 30 | tail -n 1)
	KO=$("$DANCU" org key-add "${S[@]}" --id bank-o | tail -n 1)
	KG=$("$DANCU" agency key-add "${S[@]}" --id bhxh | tail -n 1)
	serve_start "${S[@]}" || {
		notok "$label: server"
		return
	}
	k() { # KEY METHOD PATH [BODY] : status; body in $T/body
		curl -s -o "$T/body" -w '%{http_code}' -X "$2" "$URL$3" -H "Authorization: ApiKey $1" \
			${4:+-H 'Content-Type: application/json' --data-binary "$4"}
	}
	check "$label: list with the org's key → 200" test "$(k "$KA" GET /api/v1/verify/keys)" = 200
	check "$label: the list names the presenting key as current" \
		grep -q "\"current\":\"${KA%%.*}\"" "$T/body"
	check "$label: the list shows ids and labels, never secrets" \
		bash -c "grep -q '\"label\":\"first\"' '$T/body' && ! grep -q '${KA#*.}' '$T/body'"
	check "$label: another organisation's key is not listed" bash -c "! grep -q '${KO%%.*}' '$T/body'"
	check "$label: no key → 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/verify/keys")" = 401
	check "$label: a wrong secret → 401" test "$(k "${KA%%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" GET /api/v1/verify/keys)" = 401
	check "$label: an agency's key → 401" test "$(k "$KG" GET /api/v1/verify/keys)" = 401
	check "$label: an officer's token → 401" test "$(api GET /api/v1/verify/keys not-a-session)" = 401
	check "$label: PUT → 405" test "$(k "$KA" PUT /api/v1/verify/keys)" = 405
	check "$label: label must be a string → 400" test "$(k "$KA" POST /api/v1/verify/keys '{"label":7}')" = 400
	check "$label: a label over 100 bytes → 400" \
		test "$(k "$KA" POST /api/v1/verify/keys "{\"label\":\"$(printf 'x%.0s' $(seq 101))\"}")" = 400
	check "$label: bad JSON → 400" test "$(k "$KA" POST /api/v1/verify/keys '{')" = 400

	check "$label: new key → 201" test "$(k "$KA" POST /api/v1/verify/keys '{"label":"Chi nhánh Hà Nội"}')" = 201
	local KB
	KB=$(json_str key <"$T/body")
	check "$label: the answer names the key and its label" \
		bash -c "grep -q '\"label\":\"Chi nhánh Hà Nội\"' '$T/body' && grep -q '\"org\":\"bank-k\"' '$T/body'"
	check "$label: the new key has the key shape" bash -c "[[ '$KB' =~ ^dck_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$ ]]"
	check "$label: the new key works at once" test "$(k "$KB" GET /api/v1/verify/usage)" = 200
	k "$KB" GET /api/v1/verify/keys >/dev/null
	check "$label: listed with its label, marked current for itself" \
		bash -c "grep -q '\"current\":\"${KB%%.*}\"' '$T/body' && grep -q 'Chi nhánh Hà Nội' '$T/body' && ! grep -q '${KB#*.}' '$T/body'"
	local stored
	stored=$(q "SELECT secret_hash FROM api_key WHERE id = '${KB%%.*}'")
	check "$label: hashed at rest (SHA-256 of the secret, not the secret)" \
		test "$stored" = "$(printf '%s' "${KB#*.}" | sha256sum | cut -d' ' -f1)"
	check "$label: it inherits the rate limit of the key that made it" \
		test "$(q "SELECT rate_per_min || '/' || burst FROM api_key WHERE id = '${KB%%.*}'")" = "120/30"
	check "$label: creation audited (actor: the presenting key; org; the new key's id)" \
		test "$(q "SELECT count(*) FROM audit WHERE action = 'org.key_add' AND actor = '${KA%%.*}' AND org = 'bank-k' AND fields = '${KB%%.*}'")" = 1

	check "$label: revoking another organisation's key → 404" test "$(k "$KA" DELETE "/api/v1/verify/keys/${KO%%.*}")" = 404
	check "$label: … and that key still works" test "$(k "$KO" GET /api/v1/verify/usage)" = 200
	check "$label: revoking a key id that does not exist → 404" test "$(k "$KA" DELETE /api/v1/verify/keys/dck_0000000000000000)" = 404
	check "$label: a malformed key id → 404" test "$(k "$KA" DELETE /api/v1/verify/keys/nope)" = 404
	check "$label: GET on one key → 405" test "$(k "$KA" GET "/api/v1/verify/keys/${KB%%.*}")" = 405
	check "$label: revoke the new key with the first → 200" test "$(k "$KA" DELETE "/api/v1/verify/keys/${KB%%.*}")" = 200
	check "$label: the revoked key stops working" test "$(k "$KB" GET /api/v1/verify/usage)" = 401
	check "$label: revoking it again → 200 (no second audit entry)" test "$(k "$KA" DELETE "/api/v1/verify/keys/${KB%%.*}")" = 200
	check "$label: revocation audited once" \
		test "$(q "SELECT count(*) FROM audit WHERE action = 'org.key_revoke' AND actor = '${KA%%.*}' AND org = 'bank-k' AND fields = '${KB%%.*}'")" = 1
	k "$KA" GET /api/v1/verify/keys >/dev/null
	check "$label: the list shows the revoked key as inactive" \
		bash -c "grep -o '{\"id\":\"${KB%%.*}\"[^}]*}' '$T/body' | grep -q '\"active\":false'"
	check "$label: the last active key cannot be revoked → 409" test "$(k "$KA" DELETE "/api/v1/verify/keys/${KA%%.*}")" = 409
	check "$label: … and still works" test "$(k "$KA" GET /api/v1/verify/usage)" = 200

	# rotation: a new key revokes the old one that made it
	k "$KA" POST /api/v1/verify/keys '{"label":"rotated"}' >/dev/null
	local KC
	KC=$(json_str key <"$T/body")
	check "$label: rotation: the new key revokes the old one" test "$(k "$KC" DELETE "/api/v1/verify/keys/${KA%%.*}")" = 200
	check "$label: rotation: the old key stops working" test "$(k "$KA" GET /api/v1/verify/keys)" = 401
	# the cap on active keys
	local i n=0
	for i in $(seq 9); do
		[ "$(k "$KC" POST /api/v1/verify/keys "{\"label\":\"k$i\"}")" = 201 ] && n=$((n + 1))
	done
	check "$label: up to 10 active keys" test $n = 9
	check "$label: the 11th active key → 409" test "$(k "$KC" POST /api/v1/verify/keys '{"label":"k10"}')" = 409
	check "$label: problem+json with a stable code" grep -q '"code":"conflict"' "$T/body"
	# the cap holds under concurrent creations (bank-o has one key)
	local pids=()
	for i in $(seq 15); do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST "$URL/api/v1/verify/keys" \
			-H "Authorization: ApiKey $KO" -H 'Content-Type: application/json' \
			--data-binary "{\"label\":\"c$i\"}" >>"$T/conc.$label" &
		pids+=($!)
	done
	wait "${pids[@]}"
	check "$label: 15 concurrent creations: 9 made" test "$(grep -c '^201$' "$T/conc.$label")" = 9
	check "$label: 15 concurrent creations: the others 409" test "$(grep -c '^409$' "$T/conc.$label")" = 6
	check "$label: 15 concurrent creations: 10 active keys" \
		test "$(k "$KO" GET /api/v1/verify/keys >/dev/null && grep -o '"active":true' "$T/body" | wc -l)" = 10
	"$DANCU" org disable "${S[@]}" --id bank-k >/dev/null
	check "$label: a disabled organisation → 403" test "$(k "$KC" GET /api/v1/verify/keys)" = 403
	serve_stop
}

run_suite sqlite sqlite3 "$T/k.db" -- --db "$T/k.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="orgkeys_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	pgc="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	run_suite postgresql psql -q -t -A "$pgc" -c -- --pg "$pgc"
elif [ "${DANCU_TEST_NO_PG:-0}" != 1 ]; then
	notok "DANCU_TEST_PG is not set"
fi
finish
