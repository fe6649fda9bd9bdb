#!/bin/bash
# Connected agencies over real HTTP, on SQLite then PostgreSQL: agencies and
# keys (CLI and API), field-filtered change feed in commit order with a
# resumable cursor, attribute write-back under audit (the citizen's data
# tracker shows it), and signed webhooks against a local receiver that times
# out, answers 500 and drops connections: every event delivered, none
# applied twice, a dead-letter list after the retry budget, and replay.
. "$(dirname "$0")/lib.inc"
HERE=$(cd "$(dirname "$0")" && pwd)

wait_for() { # seconds, command...
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

run_suite() { # label, store args...
	local label=$1
	shift
	local S=("$@")
	local W="$T/$label"
	mkdir -p "$W/r1" "$W/r2"
	"$DANCU" gen --count 60 --seed 7 --out "$W/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$W/p.csv" 2>/dev/null || notok "$label: import"
	mapfile -t PINS < <(awk -F, 'NR>1 && $4=="alive" {print $1}' "$W/p.csv" | head -n 8)

	expect_exit 0 "$label: agency add (CLI)" "$DANCU" agency add "${S[@]}" --id bhxh --name "Bảo hiểm xã hội" \
		--fields attr.bhyt_number,status --writes bhyt_number
	expect_exit 2 "$label: unknown subscribed field refused" "$DANCU" agency add "${S[@]}" --id x --name X --fields salary
	expect_exit 1 "$label: duplicate agency refused" "$DANCU" agency add "${S[@]}" --id bhxh --name X --fields status
	local KB
	KB=$("$DANCU" agency key-add "${S[@]}" --id bhxh | tail -n 1)
	check "$label: agency key shape" bash -c "[[ '$KB' =~ ^dck_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$ ]]"

	rm -f "$T/k.key"
	local SEC TOK
	SEC=$(officer_new "${S[@]}" -- nat.admin national_admin VN)
	DANCU_WEBHOOK_BUDGET=5 DANCU_WEBHOOK_RETRY_MS=50 DANCU_WEBHOOK_TIMEOUT_MS=300 serve_start "${S[@]}" || {
		notok "$label: server start"
		return
	}
	TOK=$(officer_token nat.admin "$SEC")
	feed() { curl -s -o "$T/body" -w '%{http_code}' "$URL/api/v1/feed?$1" -H "Authorization: ApiKey $2"; }

	# administration over the API
	check "$label: POST /agencies → 201" test "$(api POST /api/v1/agencies "$TOK" '{"id":"tuphap","name":"Tư pháp","fields":"status,birth_name"}')" = 201
	check "$label: bad field → 400" test "$(api POST /api/v1/agencies "$TOK" '{"id":"y","name":"Y","fields":"salary"}')" = 400
	check "$label: duplicate → 409" test "$(api POST /api/v1/agencies "$TOK" '{"id":"tuphap","name":"Y","fields":"status"}')" = 409
	check "$label: key over the API → 201" test "$(api POST /api/v1/agencies/tuphap/keys "$TOK")" = 201
	local KT
	KT=$(json_str key <"$T/body")
	check "$label: list shows both" test "$(api GET /api/v1/agencies "$TOK")" = 200
	check "$label: list body" grep -q '"id":"bhxh".*"id":"tuphap"' "$T/body"
	check "$label: an officer key is not an agency key → 401" test "$(feed after=0 "$KB.x")" = 401

	# feed: nothing yet (imports are one batch event without a person)
	check "$label: empty feed → 200" test "$(feed after=0 "$KB")" = 200
	check "$label: empty feed body" grep -q '"events":\[\]' "$T/body"
	check "$label: bad cursor → 400" test "$(feed after=-1 "$KB")" = 400
	check "$label: bad limit → 400" test "$(feed 'after=0&limit=0' "$KB")" = 400

	# write-back: bhxh may write bhyt_number, tuphap may not
	local i
	for i in 0 1 2 3; do
		check "$label: attribute write $i → 200" test "$(curl -s -o "$T/body" -w '%{http_code}' -X PUT \
			"$URL/api/v1/agency/attributes/${PINS[$i]}/bhyt_number" -H "Authorization: ApiKey $KB" \
			-d "{\"value\":\"HS40101234567$i\"}")" = 200
	done
	check "$label: another agency may not write it → 403" test "$(curl -s -o "$T/body" -w '%{http_code}' -X PUT \
		"$URL/api/v1/agency/attributes/${PINS[0]}/bhyt_number" -H "Authorization: ApiKey $KT" -d '{"value":"X"}')" = 403
	check "$label: unknown citizen → 404" test "$(curl -s -o "$T/body" -w '%{http_code}' -X PUT \
		"$URL/api/v1/agency/attributes/001099999999/bhyt_number" -H "Authorization: ApiKey $KB" -d '{"value":"X"}')" = 404
	check "$label: read back → 200" test "$(curl -s -o "$T/body" -w '%{http_code}' \
		"$URL/api/v1/agency/attributes/${PINS[2]}/bhyt_number" -H "Authorization: ApiKey $KB")" = 200
	check "$label: read back value" grep -q '"value":"HS401012345672"' "$T/body"

	# a death registered by an officer: in tuphap's feed (status), and in bhxh's
	check "$label: death → 200" test "$(api POST "/api/v1/citizens/${PINS[5]}/death" "$TOK" "{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-1\"}")" = 200

	check "$label: bhxh feed → 200" test "$(feed 'after=0&limit=2' "$KB")" = 200
	check "$label: first page: 2 events, more" bash -c "[ \$(grep -o '\"seq\"' '$T/body' | wc -l) = 2 ] && grep -q '\"more\":true' '$T/body'"
	local next
	next=$(grep -o '"next":[0-9]*' "$T/body" | cut -d: -f2)
	check "$label: bhxh sees only subscribed fields" bash -c "! grep -q 'birth_name' '$T/body'"
	feed "after=$next&limit=10" "$KB" >/dev/null
	check "$label: resumed page: 3 more (2 attributes + the death)" test "$(grep -o '"seq"' "$T/body" | wc -l)" = 3
	check "$label: the death carries status" grep -q '"status":"dead"' "$T/body"
	feed "after=0&limit=100" "$KT" >/dev/null
	check "$label: tuphap sees the death only" bash -c "[ \$(grep -o '\"seq\"' '$T/body' | wc -l) = 1 ] && grep -q '\"kind\":\"death\"' '$T/body'"
	# seq order = commit order: strictly increasing
	feed "after=0&limit=100" "$KB" >/dev/null
	check "$label: seq strictly increasing" bash -c "grep -o '\"seq\":[0-9]*' '$T/body' | cut -d: -f2 | sort -n -c -u"

	# the data tracker shows the agency's write and its feed read
	api GET "/api/v1/citizens/${PINS[0]}/accesses" "$TOK" >/dev/null
	cp "$T/body" "$W/track"
	check "$label: tracker shows write-back" grep -q 'agency.attribute_write' "$W/track"
	check "$label: tracker shows the feed read" grep -q 'feed.read' "$W/track"

	# a reader following the feed while six writers commit concurrently
	python3 "$HERE/exchange/feed_race.py" "$URL" "$KB" "${PINS[@]:0:5}" >"$W/race" 2>&1
	sed "s/^ok /ok $label: /; s/^not ok /not ok $label: /" "$W/race" | grep -E '^(ok|not ok)'
	failures=$((failures + $(grep -c '^not ok' "$W/race")))
	grep -q '^ok' "$W/race" || notok "$label: feed race ran ($(tail -n 3 "$W/race"))"

	# webhooks: bhxh to a flaky receiver, tuphap to a receiver that is down
	python3 "$HERE/exchange/receiver.py" "$W/r1/port" "$W/r1/secret" "$W/r1" flaky &
	local R1=$!
	python3 "$HERE/exchange/receiver.py" "$W/r2/port" "$W/r2/secret" "$W/r2" down &
	local R2=$!
	wait_for 5 test -s "$W/r1/port" && wait_for 5 test -s "$W/r2/port"
	local P1 P2
	P1=$(cat "$W/r1/port")
	P2=$(cat "$W/r2/port")
	check "$label: bad webhook URL → 400" test "$(api POST /api/v1/agencies/bhxh/webhook "$TOK" '{"url":"https://x/"}')" = 400
	# the secrets are written before any event exists for the webhooks
	"$DANCU" agency webhook "${S[@]}" --master-key "$T/k.key" --id bhxh --url "http://127.0.0.1:$P1/hook" >"$W/wh1" ||
		notok "$label: webhook set (CLI)"
	tail -n 1 "$W/wh1" >"$W/r1/secret"
	check "$label: webhook set (API) → 200" test "$(api POST /api/v1/agencies/tuphap/webhook "$TOK" "{\"url\":\"http://127.0.0.1:$P2/in\"}")" = 200
	json_str secret <"$T/body" >"$W/r2/secret"
	check "$label: key id shown" grep -q '"key_id":"tuphap:1"' "$T/body"

	# new events after the webhooks were set: 3 attribute writes, 2 deaths
	for i in 4 5 6; do
		curl -s -o /dev/null -X PUT "$URL/api/v1/agency/attributes/${PINS[$((i - 4))]}/bhyt_number" \
			-H "Authorization: ApiKey $KB" -d "{\"value\":\"HS4020000000$i\"}"
	done
	api POST "/api/v1/citizens/${PINS[6]}/death" "$TOK" "{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-2\"}" >/dev/null
	api POST "/api/v1/citizens/${PINS[7]}/death" "$TOK" "{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-3\"}" >/dev/null
	# bhxh subscribes to status too: 3 + 2 = 5 events, each through timeout, 500, drop, 200
	# done when the 5th event's 4th try has been answered and the cursor moved past it
	check "$label: flaky receiver: every event delivered" wait_for 40 bash -c "[ \$(wc -l <'$W/r1/seen' 2>/dev/null || echo 0) -ge 20 ] &&
		curl -s '$URL/api/v1/agencies/bhxh' -H 'Authorization: Bearer $TOK' | grep -q '\"webhook_cursor\":'\$(tail -n 1 '$W/r1/applied' | cut -d' ' -f1 | sed 's/.*-//')"
	sleep 0.3
	check "$label: flaky receiver: exactly 5 applied, none twice" bash -c "[ \$(cut -d' ' -f1 '$W/r1/applied' | sort | uniq | wc -l) = 5 ] && [ \$(wc -l <'$W/r1/applied') = 5 ]"
	check "$label: flaky receiver: redelivered (4 tries each)" test "$(wc -l <"$W/r1/seen")" = 20
	check "$label: flaky receiver: every signature valid" test ! -s "$W/r1/badsig"
	check "$label: applied in seq order" bash -c "cut -d' ' -f1 '$W/r1/applied' | sed 's/.*-//' | sort -n -c"
	# tuphap: 2 deaths, receiver down → dead letters after 5 attempts each
	check "$label: down receiver: 2 dead letters" wait_for 30 bash -c "[ \$(curl -s '$URL/api/v1/agencies/tuphap/dead-letters' -H 'Authorization: Bearer $TOK' | grep -o '\"attempts\":5' | wc -l) = 2 ]"
	check "$label: down receiver: tried exactly budget times" test "$(wc -l <"$W/r2/seen")" = 10
	check "$label: nothing applied while down" test ! -s "$W/r2/applied"
	"$DANCU" agency dead "${S[@]}" --id tuphap >"$W/dead"
	check "$label: dead list (CLI)" test "$(wc -l <"$W/dead")" = 2
	local dseq
	dseq=$(head -n 1 "$W/dead" | cut -f1)
	touch "$W/r2/up"
	check "$label: replay → 202" test "$(api POST "/api/v1/agencies/tuphap/dead-letters/$dseq/replay" "$TOK")" = 202
	check "$label: replayed dead letter delivered" wait_for 10 grep -q "tuphap-$dseq " "$W/r2/applied"
	check "$label: replay unknown → 404" test "$(api POST /api/v1/agencies/tuphap/dead-letters/999999/replay "$TOK")" = 404
	check "$label: a later event flows again once up" bash -c "
		curl -s -o /dev/null -X POST '$URL/api/v1/citizens/${PINS[4]}/death' -H 'Authorization: Bearer $TOK' \
			-H 'Content-Type: application/json' -d '{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-4\"}'
		for _ in \$(seq 50); do [ \$(wc -l <'$W/r2/applied') = 2 ] && exit 0; sleep 0.1; done; exit 1"
	kill "$R1" "$R2" 2>/dev/null
	wait "$R1" "$R2" 2>/dev/null
	serve_stop
	check "$label: no sanitizer report" bash -c "! grep -q 'runtime error\|AddressSanitizer' '$T/serve.err'"
	expect_exit 0 "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite --db "$T/x.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="exc_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
