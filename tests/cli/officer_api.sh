#!/bin/bash
# Officers, login (argon2id + TOTP via the real `oathtool`), sessions, the
# purpose-bound citizen read, the data tracker and the audit chain — over
# real HTTP, on SQLite, then the core of it on PostgreSQL.
. "$(dirname "$0")/lib.inc"

run_suite() { # label, store args...
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 300 --seed 11 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	local pin
	pin=$(sed -n 2p "$T/p.csv" | cut -d, -f1)
	rm -f "$T/k.key"
	add() { # id role jurisdiction [password]
		echo "${4:-a long enough passphrase}" | "$DANCU" officer add "${S[@]}" --master-key "$T/k.key" \
			--id "$1" --name "Cán Bộ $1" --role "$2" --jurisdiction "$3"
	}
	secret() { grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2; }
	SEC1=$(add ba.dinh commune_officer 00004 | secret)
	check "$label: officer added with a TOTP secret" test -n "$SEC1"
	SEC2=$(add audit.1 auditor VN | secret)
	SEC3=$(add lock.me province_officer 01 | secret)
	SEC4=$(add admin national_admin VN | secret)
	addp() { # password, officer add options...
		local pw=$1
		shift
		echo "$pw" | "$DANCU" officer add "${S[@]}" --master-key "$T/k.key" "$@"
	}
	check "$label: master key is mode 0600" test "$(stat -c %a "$T/k.key")" = 600
	expect_exit 2 "$label: unknown role" addp 'a long enough passphrase' --id x --name X --role boss --jurisdiction VN
	expect_exit 2 "$label: jurisdiction must fit the role" addp 'a long enough passphrase' --id x --name X --role commune_officer --jurisdiction 01
	expect_exit 2 "$label: short password refused" addp short --id x --name X --role auditor --jurisdiction VN
	expect_exit 1 "$label: duplicate officer id" addp 'a long enough passphrase' --id ba.dinh --name X --role auditor --jurisdiction VN
	"$DANCU" officer list "${S[@]}" >"$T/list"
	check "$label: officer list" test "$(wc -l <"$T/list")" = 4

	"$DANCU" serve --port 0 --threads 2 "${S[@]}" --master-key "$T/k.key" --access-log '' 2>"$T/serve.err" &
	local PID=$!
	local URL=""
	for _ in $(seq 50); do
		URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
		[ -n "$URL" ] && break
		sleep 0.1
	done
	check "$label: server up" test -n "$URL"
	login() { # id password code → prints status, body in $T/login
		curl -s -o "$T/login" -w '%{http_code}' -X POST "$URL/api/v1/login" \
			-d "{\"officer\":\"$1\",\"password\":\"$2\",\"totp\":\"$3\"}"
	}
	local code
	code=$(oathtool --totp -b "$SEC1")
	check "$label: login with password and TOTP" test "$(login ba.dinh 'a long enough passphrase' "$code")" = 200
	local TOK
	TOK=$(grep -o '"token":"[^"]*"' "$T/login" | cut -d'"' -f4)
	check "$label: a token is returned" test ${#TOK} = 43
	check "$label: the same TOTP code is not accepted twice" test "$(login ba.dinh 'a long enough passphrase' "$code")" = 401
	check "$label: wrong password → 401" test "$(login ba.dinh 'wrong password!!' "$(oathtool --totp -b "$SEC1")")" = 401
	check "$label: wrong code → 401" test "$(login ba.dinh 'a long enough passphrase' 000000)" = 401
	check "$label: unknown officer → 401, same answer" test "$(login nobody 'a long enough passphrase' 123456)" = 401
	check "$label: malformed body → 400" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/login" -d '{"officer":')" = 400
	for _ in 1 2 3 4 5; do login lock.me 'bad bad bad bad' 111111 >/dev/null; done
	check "$label: five failures lock the account (423)" test "$(login lock.me 'a long enough passphrase' "$(oathtool --totp -b "$SEC3")")" = 423
	check "$label: locked answer is problem+json" grep -q '"code":"account_locked"' "$T/login"

	get() { # path [token] → status, body in $T/body
		curl -s -o "$T/body" -w '%{http_code}' "$URL$1" ${2:+-H "Authorization: Bearer $2"}
	}
	check "$label: read with a purpose → 200" test "$(get "/api/v1/citizens/$pin?purpose=residence_procedure" "$TOK")" = 200
	check "$label: the record is returned" grep -q "\"pin\":\"$pin\"" "$T/body"
	check "$label: read without purpose → 400" test "$(get "/api/v1/citizens/$pin" "$TOK")" = 400
	check "$label: unknown purpose → 400" test "$(get "/api/v1/citizens/$pin?purpose=curiosity" "$TOK")" = 400
	check "$label: no token → 401" test "$(get "/api/v1/citizens/$pin?purpose=verification")" = 401
	check "$label: forged token → 401" test "$(get "/api/v1/citizens/$pin?purpose=verification" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")" = 401
	check "$label: bad ID number → 400" test "$(get "/api/v1/citizens/12345?purpose=verification" "$TOK")" = 400
	check "$label: unknown citizen → 404" test "$(get "/api/v1/citizens/001199999999?purpose=verification" "$TOK")" = 404
	check "$label: commune officer cannot open the tracker (403)" test "$(get "/api/v1/citizens/$pin/accesses" "$TOK")" = 403
	login audit.1 'a long enough passphrase' "$(oathtool --totp -b "$SEC2")" >/dev/null
	local ATOK
	ATOK=$(grep -o '"token":"[^"]*"' "$T/login" | cut -d'"' -f4)
	check "$label: auditor cannot read records (403)" test "$(get "/api/v1/citizens/$pin?purpose=verification" "$ATOK")" = 403
	check "$label: auditor reads the data tracker" test "$(get "/api/v1/citizens/$pin/accesses" "$ATOK")" = 200
	check "$label: tracker shows who read, and why" grep -q '"actor":"ba.dinh","action":"citizen.read","purpose":"residence_procedure"' "$T/body"
	check "$label: logout" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/logout" -H "Authorization: Bearer $ATOK")" = 200
	check "$label: token dead after logout" test "$(get "/api/v1/citizens/$pin/accesses" "$ATOK")" = 401
	send() { # method path json token → status, body in $T/body
		curl -s -o "$T/body" -w '%{http_code}' -X "$1" "$URL$2" -d "$3" -H "Authorization: Bearer $4"
	}
	local birth='{"birth_name":"Nguyễn  Thị Bé","dob":"2026-11-20","sex":"F","birth_reg_unit":"00004","perm_commune":"00004","ethnicity":"Kinh","evidence":"KS-2026-001"}'
	check "$label: birth registration → 201" test "$(send POST /api/v1/births "$birth" "$TOK")" = 201
	local kid
	kid=$(grep -o '"pin":"[0-9]*"' "$T/body" | head -n 1 | cut -d'"' -f4)
	check "$label: the new number is 12 digits" test ${#kid} = 12
	check "$label: the number encodes 2026 and female" bash -c "'$DANCU' pin decode $kid | grep -q '\"birth_year\":2026,\"sex\":\"F\"'"
	check "$label: the name was cleaned (NFC, single spaces)" grep -q '"birth_name":"Nguyễn Thị Bé"' "$T/body"
	check "$label: a future birth date is refused (422)" test "$(send POST /api/v1/births "${birth/2026-11-20/2099-01-01}" "$TOK")" = 422
	check "$label: … naming the rule" grep -q '"rule":"dob.future"' "$T/body"
	check "$label: a birth outside the jurisdiction → 403" test "$(send POST /api/v1/births "${birth/\"birth_reg_unit\":\"00004\"/\"birth_reg_unit\":\"00008\"}" "$TOK")" = 403
	check "$label: a birth without evidence → 400" test "$(send POST /api/v1/births "${birth/\"evidence\":\"KS-2026-001\"/\"x\":\"y\"}" "$TOK")" = 400
	check "$label: a birth may not set its own number → 400" test "$(send POST /api/v1/births "${birth/\{/\{\"pin\":\"001326000001\",}" "$TOK")" = 400
	check "$label: correction → 200" test "$(send PATCH "/api/v1/citizens/$kid" '{"birth_name":"Nguyễn Thị Bích","reason":"typo","evidence":"QD-1"}' "$TOK")" = 200
	check "$label: correction without a reason → 400" test "$(send PATCH "/api/v1/citizens/$kid" '{"birth_name":"X Y","evidence":"QD-1"}' "$TOK")" = 400
	check "$label: a correction breaking the number's year → 422" test "$(send PATCH "/api/v1/citizens/$kid" '{"dob":"2025-01-01","reason":"r","evidence":"e"}' "$TOK")" = 422
	check "$label: … pin.birth_year_mismatch" grep -q 'pin.birth_year_mismatch' "$T/body"
	check "$label: death registration → 200" test "$(send POST "/api/v1/citizens/$kid/death" '{"death_date":"2026-11-21","evidence":"KT-9"}' "$TOK")" = 200
	check "$label: … status dead" grep -q '"status":"dead"' "$T/body"
	check "$label: a second death → 409" test "$(send POST "/api/v1/citizens/$kid/death" '{"death_date":"2026-11-21","evidence":"KT-9"}' "$TOK")" = 409
	check "$label: wrong method on /death → 405" test "$(send PUT "/api/v1/citizens/$kid/death" '{}' "$TOK")" = 405
	check "$label: history → 200" test "$(get "/api/v1/citizens/$kid/history?purpose=civil_status" "$TOK")" = 200
	check "$label: history: birth, correction, death in order" bash -c "grep -o '\"kind\":\"[a-z]*\"' '$T/body' | tr '\n' ' ' | grep -q 'birth.*correction.*death'"
	check "$label: history shows before and after" grep -q '"before":{"birth_name":"Nguyễn Thị Bé"},"after":{"birth_name":"Nguyễn Thị Bích"}' "$T/body"
	check "$label: history needs a purpose" test "$(get "/api/v1/citizens/$kid/history" "$TOK")" = 400
	local far
	far=$(awk -F, 'NR>1 && $20!="" && $20!="00004" {print $1; exit}' "$T/p.csv")
	check "$label: correcting someone outside the jurisdiction → 403" test "$(send PATCH "/api/v1/citizens/$far" '{"religion":"Không","reason":"r","evidence":"e"}' "$TOK")" = 403
	"$DANCU" officer disable "${S[@]}" --id ba.dinh
	# The server remembers a session for up to 5 s (DC__SESSION_CACHE_MS).
	local st=200 waited=0
	while [ "$st" != 401 ] && [ $waited -lt 60 ]; do
		st=$(get "/api/v1/citizens/$pin?purpose=verification" "$TOK")
		[ "$st" = 401 ] || { sleep 0.1; waited=$((waited + 1)); }
	done
	check "$label: disabling an officer ends their sessions within 6 s" test "$st" = 401
	kill -TERM $PID
	wait $PID
	expect_exit 0 "$label: audit chain verifies" "$DANCU" audit verify "${S[@]}"
}

run_suite sqlite --db "$T/r.db"

# Tampering, straight in the database: each change is named.
cp "$T/r.db" "$T/t.db"
sqlite3 "$T/t.db" "UPDATE audit SET purpose = 'investigation' WHERE seq = 3"
expect_exit 1 "a changed audit entry is detected" "$DANCU" audit verify --db "$T/t.db"
check "… and named" grep -q 'entry 3 was changed' "$T/out"
cp "$T/r.db" "$T/t.db"
sqlite3 "$T/t.db" "DELETE FROM audit WHERE seq = 2"
expect_exit 1 "a deleted audit entry is detected" "$DANCU" audit verify --db "$T/t.db"
check "… and named" grep -q 'entries 2 to 2 are missing' "$T/out"
cp "$T/r.db" "$T/t.db"
sqlite3 "$T/t.db" "INSERT INTO audit SELECT seq + 1000, at_ms, 'intruder', org, action, subject_pin, purpose, fields, request_id, prev_hash, hash FROM audit WHERE seq = 1"
expect_exit 1 "an inserted audit entry is detected" "$DANCU" audit verify --db "$T/t.db"
check "… and named" grep -q 'entry 1001' "$T/out"
chmod 644 "$T/k.key"
expect_exit 1 "a master key readable by others is refused" "$DANCU" serve --port 0 --db "$T/r.db" --master-key "$T/k.key"
check "… with the reason" grep -q 'chmod 600' "$T/err"

if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="off_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
