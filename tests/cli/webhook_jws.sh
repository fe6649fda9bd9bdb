#!/bin/bash
# JWS-signed webhooks (the alternative to HMAC), on SQLite then PostgreSQL:
# `dancu agency jws-key --create` makes the key (mode 0600, never
# overwritten) and prints the public JWKS; `dancu serve --webhook-jws-key`
# adds X-Dancu-JWS (detached payload) to every delivery; npm jose verifies
# each delivery over the exact body with the published key, and refuses a
# changed body and a different key. A key readable by others is refused.
. "$(dirname "$0")/lib.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
wait_for() { # seconds, command...
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

K="$T/jws.jwk"
check "jws-key --create → public JWKS" bash -c '"$0" agency jws-key --key "$1" --create >"$2"' "$DANCU" "$K" "$T/jwks.json"
check "the key file is mode 0600" test "$(stat -c %a "$K")" = 600
check "the JWKS has one ES256 public key (no d)" python3 -c "
import json, sys
k = json.load(open(sys.argv[1]))['keys']
sys.exit(not (len(k) == 1 and k[0]['alg'] == 'ES256' and k[0]['crv'] == 'P-256' and 'd' not in k[0] and k[0]['kid']))" "$T/jwks.json"
expect_exit 1 "an existing key is never overwritten" "$DANCU" agency jws-key --key "$K" --create
check "… and says so" grep -q 'never overwritten' "$T/err"
check "jws-key prints the same JWKS again" bash -c '"$0" agency jws-key --key "$1" | cmp -s - "$2"' "$DANCU" "$K" "$T/jwks.json"
cp "$K" "$T/open.jwk"
chmod 644 "$T/open.jwk"
expect_exit 1 "a key readable by others is refused" "$DANCU" agency jws-key --key "$T/open.jwk"

run_suite() { # label, store args...
	local label=$1
	shift
	local S=("$@")
	local W="$T/$label"
	mkdir -p "$W/r"
	"$DANCU" gen --count 30 --seed 5 --out "$W/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$W/p.csv" 2>/dev/null || notok "$label: import"
	mapfile -t PINS < <(awk -F, 'NR>1 && $4=="alive" {print $1}' "$W/p.csv" | head -n 3)
	"$DANCU" agency add "${S[@]}" --id bhxh --name "BHXH" --fields status >/dev/null || notok "$label: agency"
	python3 "$HERE/webhook_jws/receiver.py" "$W/port" "$W/r" &
	local RP=$!
	wait_for 5 test -s "$W/port"
	rm -f "$T/k.key"
	local SN TOK
	SN=$(officer_new "${S[@]}" -- nat national_admin VN)
	"$DANCU" agency webhook "${S[@]}" --master-key "$T/k.key" --id bhxh --url "http://127.0.0.1:$(cat "$W/port")/hook" >/dev/null ||
		notok "$label: webhook set"
	timeout 10 "$DANCU" serve --port 0 "${S[@]}" --master-key "$T/k.key" --access-log '' \
		--webhook-jws-key "$T/open.jwk" 2>"$W/bad.err"
	check "$label: the server refuses to start with a key readable by others" test $? = 1
	check "$label: … naming it" grep -q 'chmod 600' "$W/bad.err"
	serve_start "${S[@]}" --webhook-jws-key "$K" || {
		notok "$label: server"
		kill "$RP"
		return
	}
	TOK=$(officer_token nat "$SN")
	api POST "/api/v1/citizens/${PINS[0]}/death" "$TOK" "{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-1\"}" >/dev/null
	api POST "/api/v1/citizens/${PINS[1]}/death" "$TOK" "{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-2\"}" >/dev/null
	check "$label: two deliveries" wait_for 20 bash -c "[ \"\$(cat '$W/r/count' 2>/dev/null)\" = 2 ]"
	node "$HERE/../node/webhook_jws.mjs" "$T/jwks.json" "$W/r" bhxh 2 >"$W/node.out" 2>&1
	sed "s/^ok /ok $label: /; s/^not ok /not ok $label: /" "$W/node.out" | grep -E '^(ok|not ok)'
	failures=$((failures + $(grep -c '^not ok' "$W/node.out")))
	grep -q '^ok' "$W/node.out" || notok "$label: jose ran ($(head -c 300 "$W/node.out"))"
	serve_stop
	kill "$RP" 2>/dev/null
	wait "$RP" 2>/dev/null
}

run_suite sqlite --db "$T/s.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="jws_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	PGX="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	run_suite postgresql --pg "$PGX"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
