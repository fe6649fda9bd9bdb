#!/bin/bash
# Password checks run on the bounded hash threads, not on the event loops:
# a flood of logins past the queue's bound is answered 429 with
# Retry-After at once (no unbounded queue, no 5xx), /metrics shows the
# pool, and a real login still succeeds afterwards.
. "$(dirname "$0")/lib.inc"

S=(--db "$T/h.db")
"$DANCU" gen --count 50 --seed 5 --out "$T/p.csv"
"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "import"
SEC=$(officer_new "${S[@]}" -- pool.1 national_admin VN)
check "officer added" test -n "$SEC"

serve_start "${S[@]}" --hash-threads 1 --hash-queue 2
curl -s "$URL/metrics" >"$T/m0"
check "metrics: one hash thread" grep -qx 'dancu_hash_threads 1' "$T/m0"

pids=()
# 40 logins at once with wrong passwords (unknown officers: no lockout);
# one thread and two waiting places admit a few, the rest get 429.
for i in $(seq 40); do
	curl -s -o "$T/b$i" -D "$T/h$i" -w '%{http_code}\n' -X POST "$URL/api/v1/login" \
		-d "{\"officer\":\"nobody$i\",\"password\":\"wrong password $i\",\"totp\":\"000000\"}" \
		>"$T/s$i" &
	pids+=($!)
done
wait "${pids[@]}" # not a bare wait: the server is a child too
cat "$T"/s[0-9]* | sort | uniq -c >"$T/statuses"
sed 's/^/# /' "$T/statuses"
n401=$(cat "$T"/s[0-9]* | grep -c '^401$')
n429=$(cat "$T"/s[0-9]* | grep -c '^429$')
check "every login answered 401 or 429 (no 5xx, none lost)" test $((n401 + n429)) = 40
check "some logins were checked (401)" test "$n401" -ge 1
check "past the bound, logins were refused at once (429)" test "$n429" -ge 1
f=$(grep -l '^429$' "$T"/s[0-9]* | head -n 1)
i=${f##*/s}
check "a 429 carries Retry-After" grep -qi '^retry-after: 1' "$T/h$i"
check "a 429 is problem+json rate_limited" grep -q '"code":"rate_limited"' "$T/b$i"
curl -s "$URL/metrics" >"$T/m1"
rej=$(awk '/^dancu_hash_rejected_total/ {print $2}' "$T/m1")
chk=$(awk '/^dancu_hash_checks_total/ {print $2}' "$T/m1")
check "metrics count the refused logins ($rej)" test "$rej" = "$n429"
check "metrics count the checks run ($chk)" test "$chk" = "$n401"

# No collapse: once the flood is over a real login works.
TOK=$(officer_token pool.1 "$SEC")
check "a login after the flood succeeds" test -n "$TOK"
check "the session works" test "$(api GET /api/v1/reviews "$TOK")" = 200
# A wrong password is still refused through the pool, and counted.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/login" \
	-d '{"officer":"pool.1","password":"not the passphrase","totp":"000000"}')
check "a wrong password is refused (401)" test "$code" = 401
serve_stop

expect_exit 2 "--hash-threads out of range is refused" "$DANCU" serve --hash-threads 999 "${S[@]}" --master-key "$T/k.key"
finish
