#!/bin/bash
# The officers' e-ID account API and the citizen's own API over real HTTP,
# on SQLite and PostgreSQL: work list cut to the jurisdiction, approval of a
# level-2 account (card and face statement), the OTP through the outbox,
# reject / lock / unlock with reasons, auditors read-only, every read in the
# data tracker; then a relying party we did not write (npm openid-client,
# tests/node/eid_me.mjs) gets a "records" token and reads /api/v1/me, the
# tracker, and locks the account.
. "$(dirname "$0")/lib.inc"
NODE_DIR="$(cd "$(dirname "$0")/../node" && pwd)"
[ -d "$NODE_DIR/node_modules/openid-client" ] || { notok "tests/node is not installed (run scripts/deps.sh test)"; finish; }

run_suite() { # label store-args...
	local label=$1
	shift
	local S=("$@")
	rm -f "$T/k.key" "$T/sms"
	export DANCU_OIDC_KEYS="$T/keys-$label"
	"$DANCU" gen --count 200 --seed 7 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	# Three living adults with a permanent residence in one commune C1.
	local C1 P1 P2 P3
	C1=$(python3 -c 'import csv, collections, sys
r = [x for x in csv.DictReader(open(sys.argv[1])) if x["status"] == "alive" and x["dob"][:4] < "2000" and x["perm_commune"]]
c = collections.Counter(x["perm_commune"] for x in r).most_common(1)[0][0]
print(c)
for x in [x for x in r if x["perm_commune"] == c][:3]:
    print(x["pin"])' "$T/p.csv" | tr '\n' ' ')
	read -r C1 P1 P2 P3 <<<"$C1"
	check "$label: three adults in one commune" test -n "$P3"
	local PR1 C2
	PR1=$(awk -F, -v c="$C1" '$4 == c {print $1; exit}' "$DANCU_DATA/admin-units-2025.csv")
	C2=$(awk -F, -v p="$PR1" 'NR > 1 && $1 != p {print $4; exit}' "$DANCU_DATA/admin-units-2025.csv")
	local n=1
	for p in "$P1" "$P2" "$P3"; do
		"$DANCU" eid register "${S[@]}" --pin "$p" --level 2 --phone "091200000$n" --face "face:$p" --officer desk >/dev/null ||
			notok "$label: register $p"
		n=$((n + 1))
	done
	declare -A SEC TOK
	SEC[co_in]=$(officer_new "${S[@]}" -- e.co.in commune_officer "$C1")
	SEC[co_out]=$(officer_new "${S[@]}" -- e.co.out commune_officer "$C2")
	SEC[po_in]=$(officer_new "${S[@]}" -- e.po.in province_officer "$PR1")
	SEC[aud]=$(officer_new "${S[@]}" -- e.aud auditor VN)
	SEC[nat]=$(officer_new "${S[@]}" -- e.nat national_admin VN)
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	for r in co_in co_out po_in aud nat; do
		TOK[$r]=$(officer_token "e.${r/_/.}" "${SEC[$r]}")
	done
	local st
	st=$(api GET "/api/v1/eid/accounts?state=pending" "")
	check "$label: no token → 401" test "$st" = 401
	st=$(api GET "/api/v1/eid/accounts?state=pending" "${TOK[co_in]}")
	check "$label: the commune officer lists the pending accounts of the commune" \
		bash -c "[ $st = 200 ] && grep -q '$P1' '$T/body' && grep -q '$P3' '$T/body' && grep -q '\"state\":\"submitted\"' '$T/body'"
	st=$(api GET "/api/v1/eid/accounts?state=pending&limit=2" "${TOK[po_in]}")
	check "$label: the province officer pages (limit 2 → next_after)" bash -c "[ $st = 200 ] && grep -q next_after '$T/body'"
	local nxt
	nxt=$(json_str next_after <"$T/body")
	st=$(api GET "/api/v1/eid/accounts?state=pending&limit=2&after=$nxt" "${TOK[po_in]}")
	check "$label: the next page goes on after it" bash -c "[ $st = 200 ] && ! grep -q '\"$nxt\"' '$T/body' && grep -q '\"pin\"' '$T/body'"
	st=$(api GET "/api/v1/eid/accounts?state=pending" "${TOK[co_out]}")
	check "$label: another commune's officer does not see them" bash -c "[ $st = 200 ] && ! grep -q '$P1' '$T/body'"
	st=$(api GET "/api/v1/eid/accounts?state=bogus" "${TOK[co_in]}")
	check "$label: a bad state → 400 problem+json" bash -c "[ $st = 400 ] && grep -q invalid_input '$T/body'"
	st=$(api GET "/api/v1/eid/accounts/$P1" "${TOK[co_out]}")
	check "$label: one account outside the jurisdiction → 403" test "$st" = 403
	st=$(api GET "/api/v1/eid/accounts/$P1" "${TOK[aud]}")
	check "$label: the auditor reads an account" bash -c "[ $st = 200 ] && grep -q '\"level\":2' '$T/body'"
	st=$(api POST "/api/v1/eid/accounts/$P1/approve" "${TOK[aud]}" '{"card_verified":true,"face_verified":true}')
	check "$label: the auditor cannot approve (403)" test "$st" = 403
	st=$(api POST "/api/v1/eid/accounts/$P1/approve" "${TOK[co_out]}" '{"card_verified":true,"face_verified":true}')
	check "$label: an officer outside the jurisdiction cannot approve (403)" test "$st" = 403
	st=$(api POST "/api/v1/eid/accounts/$P1/approve" "${TOK[co_in]}" '{}')
	check "$label: level 2 approval needs the card and face statement (400)" test "$st" = 400
	st=$(api POST "/api/v1/eid/accounts/$P1/approve" "${TOK[co_in]}" '{"card_verified":true,"face_verified":true}')
	check "$label: approved (level 2, verified_by the approving officer)" \
		bash -c "[ $st = 200 ] && grep -q '\"state\":\"approved\"' '$T/body' && grep -q '\"verified_by\":\"e.co.in\"' '$T/body'"
	check "$label: the OTP is not in the answer" bash -c "! grep -qi otp '$T/body'"
	"$DANCU" eid outbox "${S[@]}" --sms-file "$T/sms" >/dev/null
	local otp
	otp=$(grep '^0912000001' "$T/sms" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)
	check "$label: the OTP went to the citizen's phone" test -n "$otp"
	printf 'Matkhau@2026\n583920\n' | "$DANCU" eid activate "${S[@]}" --pin "$P1" --otp "$otp" >/dev/null
	check "$label: activated with it" "$DANCU" eid show "${S[@]}" --pin "$P1"
	st=$(api POST "/api/v1/eid/accounts/$P2/reject" "${TOK[po_in]}" '{}')
	check "$label: a rejection needs a reason (400)" test "$st" = 400
	st=$(api POST "/api/v1/eid/accounts/$P2/reject" "${TOK[po_in]}" '{"reason":"ảnh chân dung không khớp"}')
	check "$label: the province officer rejects with a reason" \
		bash -c "[ $st = 200 ] && grep -q '\"state\":\"rejected\"' '$T/body' && grep -q 'ảnh chân dung' '$T/body'"
	st=$(api POST "/api/v1/eid/accounts/$P2/approve" "${TOK[co_in]}" '{"card_verified":true,"face_verified":true}')
	check "$label: a rejected account cannot be approved (409)" test "$st" = 409
	st=$(api POST "/api/v1/eid/accounts/$P1/lock" "${TOK[co_in]}" '{"reason":"nghi bị chiếm đoạt"}')
	check "$label: locked by authority" bash -c "[ $st = 200 ] && grep -q '\"lock_reason\":\"authority:e.co.in\"' '$T/body'"
	expect_exit 1 "$label: the citizen cannot lift an authority's lock" "$DANCU" eid unlock "${S[@]}" --pin "$P1" --by citizen
	st=$(api POST "/api/v1/eid/accounts/$P1/lock" "${TOK[co_in]}" '{"reason":"again"}')
	check "$label: locking a locked account → 409" test "$st" = 409
	st=$(api POST "/api/v1/eid/accounts/$P1/unlock" "${TOK[nat]}" '{"reason":"đã xác minh"}')
	check "$label: unlocked by the national administrator" bash -c "[ $st = 200 ] && grep -q '\"state\":\"active\"' '$T/body'"
	st=$(api POST "/api/v1/eid/accounts/$P1/explode" "${TOK[nat]}" '{}')
	check "$label: unknown action → 404" test "$st" = 404
	st=$(api GET "/api/v1/eid/accounts/$P1/approve" "${TOK[nat]}")
	check "$label: GET on an action → 405" test "$st" = 405
	st=$(api GET "/api/v1/citizens/$P1/accesses" "${TOK[aud]}")
	check "$label: reads and changes are in the citizen's data tracker" \
		bash -c "[ $st = 200 ] && grep -q eid.account.list '$T/body' && grep -q eid.account.read '$T/body' && grep -q eid.account.approve '$T/body' && grep -q eid.account.lock '$T/body'"
	# The citizen's own API through a relying party we did not write.
	"$DANCU" oidc client add "${S[@]}" --id portal --name "Cổng dịch vụ công" --redirect-uri http://127.0.0.1:9/cb >"$T/client"
	local secret
	secret=$(grep -o 'shown once): .*' "$T/client" | cut -d' ' -f3)
	# A printed card, so that the citizen can show its QR.
	api POST /api/v1/cards "${TOK[nat]}" "{\"pin\":\"$P1\",\"kind\":\"first\"}" >/dev/null
	local card
	card=$(json_str id <"$T/body")
	[ -n "$card" ] || card=$(grep -o '"id":[0-9]*' "$T/body" | head -n 1 | cut -d: -f2)
	for step in approve produce deliver; do
		api POST "/api/v1/cards/$card/$step" "${TOK[nat]}" >/dev/null
	done
	check "$label: the citizen's card is printed" test "$(json_str state <"$T/body")" = delivered
	ME_QR_PNG="$T/me-qr.png" node "$NODE_DIR/eid_me.mjs" "$URL" portal "$secret" http://127.0.0.1:9/cb "$P1" 'Matkhau@2026' >"$T/me" 2>"$T/me.err"
	local rc=$?
	sed "s/^ok /ok $label: /; s/^not ok /not ok $label: /" "$T/me" | grep -E '^(ok|not ok)'
	grep -q '^not ok' "$T/me" && failures=$((failures + 1))
	if [ $rc != 0 ] && ! grep -q '^not ok' "$T/me"; then
		notok "$label: eid_me.mjs failed"
		sed 's/^/#   /' "$T/me.err" | head -n 15
	fi
	check "$label: zbarimg reads the citizen's QR back: it names the citizen" \
		bash -c "zbarimg --raw -q '$T/me-qr.png' | grep -q '^$P1|'"
	"$DANCU" eid show "${S[@]}" --pin "$P1" >"$T/show"
	check "$label: the citizen's lock holds" grep -q "state	locked" "$T/show"
	serve_stop
}

run_suite sqlite --db "$T/e.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="dancu_eidapi_$$"
	psql -q "$DANCU_TEST_PG" -c "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	psql -q "$DANCU_TEST_PG" -c "DROP DATABASE $db" >/dev/null
fi
finish
