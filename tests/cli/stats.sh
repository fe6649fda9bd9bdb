#!/bin/bash
# Statistics computed live, on SQLite then PostgreSQL: a register with cards,
# e-ID accounts in several states, verification usage, stays (one late),
# dossiers (offline, through the officer API), agencies and relying parties;
# every figure of GET /api/v1/stats (and the CSV of each section) is compared
# with an independent count made by this test with the sqlite3 / psql CLI
# on the same database and the published unit list (province of a commune).
. "$(dirname "$0")/lib.inc"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# An access token of citizen $1 (active e-ID, password Matkhau@2026) from
# the OIDC code flow with PKCE, for the online dossiers.
cit_token() {
	local verifier challenge page loc code args=() kv
	verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
	page=$(curl -s "$URL/oidc/authorize?response_type=code&client_id=svc&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid&state=s1&nonce=n1&code_challenge=$challenge&code_challenge_method=S256")
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

run_suite() { # label, sql-cli..., --, store args...
	local label=$1
	shift
	local SQL=()
	while [ "$1" != -- ]; do SQL+=("$1"); shift; done
	shift
	local S=("$@")
	local W="$T/$label"
	mkdir -p "$W"
	q() { "${SQL[@]}" "$1"; }
	"$DANCU" gen --count 400 --seed 17 --out "$W/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$W/p.csv" 2>/dev/null || notok "$label: import"
	mapfile -t ALIVE < <(python3 -c "
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r['status'] == 'alive' and r['perm_commune'] and r['dob'][:4] < '2000': print(r['pin'])" "$W/p.csv" 2>/dev/null | head -n 12)
	# cards: 4 produced, 1 only applied
	local i id
	for i in 0 1 2 3 4; do
		id=$("$DANCU" card apply "${S[@]}" --pin "${ALIVE[$i]}" --kind first | grep -o '"id":[0-9]*' | cut -d: -f2)
		[ "$i" = 4 ] && continue
		"$DANCU" card approve "${S[@]}" --id "$id" >/dev/null && "$DANCU" card produce "${S[@]}" --id "$id" >/dev/null ||
			notok "$label: card $i"
	done
	# e-ID: 2 active, 1 approved (not activated), 1 submitted
	rm -f "$W/sms"
	for i in 5 6 7 8; do
		"$DANCU" eid register "${S[@]}" --pin "${ALIVE[$i]}" --level 2 --phone "09123000$i$i" --face "f$i" --officer o >/dev/null
		[ "$i" = 8 ] && continue
		"$DANCU" eid approve "${S[@]}" --pin "${ALIVE[$i]}" --officer o >/dev/null
		[ "$i" = 7 ] && continue
		"$DANCU" eid outbox "${S[@]}" --sms-file "$W/sms" >/dev/null
		printf 'Matkhau@2026\n583920\n' | "$DANCU" eid activate "${S[@]}" --pin "${ALIVE[$i]}" \
			--otp "$(grep "^09123000$i$i" "$W/sms" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)" >/dev/null ||
			notok "$label: activate $i"
	done
	# relying parties and verification usage (a batch of 3 rows: 2 known, 1 unknown)
	"$DANCU" org add "${S[@]}" --id bank-a --name "Ngân hàng A" --fields name,dob --purposes account_opening >/dev/null
	"$DANCU" org add "${S[@]}" --id bank-off --name "B" --fields name --purposes account_opening >/dev/null
	"$DANCU" org disable "${S[@]}" --id bank-off >/dev/null
	python3 -c "
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['status'] == 'alive'][:2]
print('ref,id_number,name,dob')
for i, r in enumerate(rows): print(f'r{i},{r[\"pin\"]},{r[\"birth_name\"]},{r[\"dob\"]}')
print('u1,001199999999,Nguyễn Văn A,1990-01-01')" "$W/p.csv" >"$W/in.csv"
	"$DANCU" verify-batch "${S[@]}" "$W/in.csv" --out "$W/out.csv" --org bank-a --purpose account_opening >/dev/null 2>&1 ||
		notok "$label: verify-batch"
	"$DANCU" agency add "${S[@]}" --id bhxh --name BHXH --fields status >/dev/null
	"$DANCU" agency add "${S[@]}" --id evn --name EVN --fields perm_commune >/dev/null
	"$DANCU" agency disable "${S[@]}" --id evn >/dev/null
	# an OIDC client (the public-service portal) for the online dossiers
	export DANCU_OIDC_KEYS="$W/keys"
	"$DANCU" oidc keys rotate --keys "$DANCU_OIDC_KEYS" >/dev/null
	CSECRET=$("$DANCU" oidc client add "${S[@]}" --id svc --name "Cổng dịch vụ công" --redirect-uri http://127.0.0.1:9/cb |
		grep -o 'shown once): .*' | cut -d' ' -f3)

	local cm pv pv2 cm2
	cm=$(python3 -c "
import csv, sys
print(next(r['perm_commune'] for r in csv.DictReader(open(sys.argv[1])) if r['pin'] == sys.argv[2]))" "$W/p.csv" "${ALIVE[0]}")
	# cm's province, another province, and another commune of cm's province
	read -r pv pv2 cm2 < <(python3 -c "
import csv, sys
u = list(csv.DictReader(open(sys.argv[1])))
p = next(r['province_code'] for r in u if r['commune_code'] == sys.argv[2])
print(p, next(r['province_code'] for r in u if r['province_code'] != p), next(r['commune_code'] for r in u if r['province_code'] == p and r['commune_code'] != sys.argv[2]))" "$ROOT/data/admin-units-2025.csv" "$cm")
	rm -f "$T/k.key"
	local SN SC SP
	SN=$(officer_new "${S[@]}" -- nat national_admin VN)
	SC=$(officer_new "${S[@]}" -- com commune_officer "$cm")
	SP=$(officer_new "${S[@]}" -- prov province_officer "$pv")
	serve_start "${S[@]}" || {
		notok "$label: server"
		return
	}
	local TN TC TP
	TN=$(officer_token nat "$SN")
	TC=$(officer_token com "$SC")
	TP=$(officer_token prov "$SP")
	# stays: a hotel in the first person's commune, one on time, one late
	api POST /api/v1/businesses "$TN" "{\"id\":\"ks.1\",\"name\":\"KS\",\"commune\":\"$cm\",\"kind\":\"hotel\"}" >/dev/null
	local BK
	BK=$(json_str api_key <"$T/body")
	local now early
	now=$(TZ=Asia/Ho_Chi_Minh date +%FT%H:%M)
	early=$(TZ=Asia/Ho_Chi_Minh date -d '-2 days' +%FT%H:%M)
	curl -s -o /dev/null -X POST "$URL/api/v1/stays" -H "X-Api-Key: $BK" --data-binary \
		"{\"guests\":[{\"event\":\"arrival\",\"pin\":\"${ALIVE[9]}\",\"at\":\"$now\"},{\"event\":\"arrival\",\"passport\":\"C0012345\",\"nationality\":\"KR\",\"name\":\"Kim\",\"at\":\"$early\"}]}"
	# dossiers filed offline by the national admin
	for i in 9 10 11; do
		api POST /api/v1/dossiers "$TN" "{\"service\":\"temp_register\",\"pin\":\"${ALIVE[$i]}\",\"data\":{\"temp_commune\":\"$cm\"}}" >/dev/null
	done
	api POST /api/v1/dossiers "$TN" "{\"service\":\"perm_register\",\"pin\":\"${ALIVE[10]}\",\"data\":{\"perm_commune\":\"$cm\"}}" >/dev/null

	compare_all first "$TN" ""
	check "$label: no token → 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/stats")" = 401
	check "$label: unknown section → 404" test "$(api GET /api/v1/stats/salaries "$TN")" = 404
	check "$label: bad format → 400" test "$(api GET '/api/v1/stats/eid?format=xml' "$TN")" = 400
	check "$label: CSV answer is text/csv" bash -c "curl -s -D - -o /dev/null '$URL/api/v1/stats/eid?format=csv' -H 'Authorization: Bearer $TN' | grep -qi '^content-type: text/csv'"
	check "$label: counters agree with a count (dancu stats check)" "$DANCU" stats check "${S[@]}"

	# --- writes that move the counters, then the same comparison ---------------
	# births (registered in cm), a death of a card holder, a move of a card
	# holder by correction (to cm2), a move by a permanent-registration
	# dossier (to cm2), corrections that remove and add key fields, a new
	# card, and a second import.
	local i nh NAMES=(x Hoa Lan)
	for i in 1 2; do
		check "$label: birth $i → 201" test "$(api POST /api/v1/births "$TN" "{\"birth_name\":\"Đỗ Thị ${NAMES[$i]}\",\"dob\":\"2026-11-0$i\",\"sex\":\"F\",\"birth_reg_unit\":\"$cm\",\"perm_commune\":\"$cm\",\"perm_address\":\"Số $i\",\"ethnicity\":\"Kinh\",\"evidence\":\"KS-$i\"}")" = 201
	done
	check "$label: death of a card holder → 200" test "$(api POST "/api/v1/citizens/${ALIVE[1]}/death" "$TN" "{\"death_date\":\"$(date +%F)\",\"evidence\":\"KT-1\"}")" = 200
	check "$label: move of a card holder by correction → 200" test "$(api PATCH "/api/v1/citizens/${ALIVE[0]}" "$TN" "{\"perm_commune\":\"$cm2\",\"perm_address\":\"Số 1\",\"reason\":\"sai địa chỉ\",\"evidence\":\"CV-1\"}")" = 200
	check "$label: correction removing two key fields → 200" test "$(api PATCH "/api/v1/citizens/${ALIVE[5]}" "$TN" "{\"ethnicity\":null,\"perm_address\":null,\"reason\":\"nhập sai\",\"evidence\":\"CV-2\"}")" = 200
	check "$label: correction adding a key field → 200" test "$(api PATCH "/api/v1/citizens/${ALIVE[5]}" "$TN" "{\"ethnicity\":\"Tày\",\"reason\":\"bổ sung\",\"evidence\":\"CV-3\"}")" = 200
	# (a head leaving a household names the next head)
	nh=$(q "SELECT m.pin FROM citizen m JOIN citizen h ON h.household_id = m.household_id WHERE h.pin = '${ALIVE[2]}' AND h.head_relation = 'head' AND m.pin <> h.pin AND m.status = 'alive' ORDER BY m.pin LIMIT 1")
	check "$label: permanent registration of a card holder in cm2 → 201" test "$(api POST /api/v1/residence/dossiers "$TN" "{\"kind\":\"perm_register\",\"pin\":\"${ALIVE[2]}\",\"commune\":\"$cm2\",\"address\":\"Số 5 ngõ 7\",\"household\":\"new\"${nh:+,\"new_head_pin\":\"$nh\"}}")" = 201
	check "$label: approved → 200" test "$(api POST "/api/v1/residence/dossiers/$(json_str id <"$T/body")/approve" "$TN")" = 200
	id=$("$DANCU" card apply "${S[@]}" --pin "${ALIVE[11]}" --kind first | grep -o '"id":[0-9]*' | cut -d: -f2)
	"$DANCU" card approve "${S[@]}" --id "$id" >/dev/null && "$DANCU" card produce "${S[@]}" --id "$id" >/dev/null ||
		notok "$label: card 5"
	"$DANCU" gen --count 60 --seed 18 --out "$W/p2.csv"
	"$DANCU" import --quiet "${S[@]}" "$W/p2.csv" 2>/dev/null || notok "$label: second import"
	# e-ID: online dossiers filed by an active account holder (one a linked
	# procedure: its steps are not counted), then that holder moves to cm2
	# and is locked; the submitted account is rejected; a new account is
	# registered for a person of the second import and approved
	local CT
	CT=$(cit_token "${ALIVE[5]}")
	check "$label: citizen token from the OIDC flow" test -n "$CT"
	check "$label: online dossier → 201" test "$(api POST /api/v1/dossiers "$CT" "{\"service\":\"temp_register\",\"data\":{\"temp_commune\":\"$cm\",\"temp_address\":\"Số 5\"}}")" = 201
	check "$label: online dossier, channel online" grep -q '"channel":"online"' "$T/body"
	check "$label: second online dossier → 201" test "$(api POST /api/v1/dossiers "$CT" "{\"service\":\"perm_register\",\"data\":{\"perm_commune\":\"$cm2\"}}")" = 201
	check "$label: online linked procedure → 201" test "$(api POST /api/v1/dossiers "$CT" "{\"service\":\"linked_birth\",\"data\":{\"child\":{\"birth_name\":\"Nguyễn Bảo An\",\"dob\":\"$(date +%F)\",\"sex\":\"F\"}}}")" = 201
	check "$label: move of an e-ID holder by correction → 200" test "$(api PATCH "/api/v1/citizens/${ALIVE[5]}" "$TN" "{\"perm_commune\":\"$cm2\",\"reason\":\"chuyển\",\"evidence\":\"CV-9\"}")" = 200
	check "$label: e-ID lock by the authority" "$DANCU" eid lock "${S[@]}" --pin "${ALIVE[5]}" --by authority --officer o
	check "$label: e-ID reject of the submitted account" "$DANCU" eid reject "${S[@]}" --pin "${ALIVE[8]}" --officer o
	local np
	np=$(python3 -c "
import csv, sys
print(next(r['pin'] for r in csv.DictReader(open(sys.argv[1])) if r['status'] == 'alive' and r['perm_commune'] and r['dob'][:4] < '2000'))" "$W/p2.csv")
	"$DANCU" eid register "${S[@]}" --pin "$np" --level 2 --phone 0912300099 --face f9 --officer o >/dev/null &&
		"$DANCU" eid approve "${S[@]}" --pin "$np" --officer o >/dev/null || notok "$label: e-ID of the second import"
	# stays: a report of three guests over two days (two late), and a departure
	local d3 d1
	d3=$(TZ=Asia/Ho_Chi_Minh date -d '-3 days' +%FT%H:%M)
	d1=$(TZ=Asia/Ho_Chi_Minh date -d '-1 days' +%FT%H:%M)
	check "$label: second stay report → 200" test "$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/stays" -H "X-Api-Key: $BK" --data-binary \
		"{\"guests\":[{\"event\":\"arrival\",\"pin\":\"${ALIVE[3]}\",\"at\":\"$d3\"},{\"event\":\"arrival\",\"passport\":\"C0099\",\"nationality\":\"JP\",\"at\":\"$d3\"},{\"event\":\"arrival\",\"pin\":\"${ALIVE[4]}\",\"at\":\"$d1\"},{\"event\":\"departure\",\"pin\":\"${ALIVE[9]}\",\"at\":\"$now\"}]}")" = 200
	check "$label: … all four recorded" test "$(grep -o '"status":"recorded"' "$T/body" | wc -l)" = 4
	compare_all second "$TN" ""

	# --- concurrent writers: people moved both ways between cm and cm2, births
	# in both, a card produced, all at once (PostgreSQL: counter rows shared
	# by concurrent transactions; nothing may deadlock or drift)
	local n=0 m pids=()
	burst() { # METHOD PATH BODY: in the background, status into $W/burst.N
		n=$((n + 1))
		printf '%s' "$3" >"$W/burst.body.$n"
		curl -s -o /dev/null -w '%{http_code}\n' -X "$1" "$URL$2" -H "Authorization: Bearer $TN" \
			-H 'Content-Type: application/json' --data-binary "@$W/burst.body.$n" >"$W/burst.$n" &
		pids+=($!)
	}
	for i in 3 4 6 7; do
		burst PATCH "/api/v1/citizens/${ALIVE[$i]}" "{\"perm_commune\":\"$cm2\",\"reason\":\"r\",\"evidence\":\"E$i\"}"
		burst PATCH "/api/v1/citizens/${ALIVE[$i]}" "{\"perm_commune\":\"$cm\",\"reason\":\"r\",\"evidence\":\"F$i\"}"
	done
	for i in 1 2 3 4; do
		m=$cm
		[ $((i % 2)) = 0 ] && m=$cm2
		burst POST /api/v1/births "{\"birth_name\":\"Lê Văn An\",\"dob\":\"2026-10-0$i\",\"sex\":\"M\",\"birth_reg_unit\":\"$m\",\"perm_commune\":\"$m\",\"evidence\":\"KS-B$i\"}"
	done
	id=$("$DANCU" card apply "${S[@]}" --pin "${ALIVE[6]}" --kind first | grep -o '"id":[0-9]*' | cut -d: -f2)
	"$DANCU" card approve "${S[@]}" --id "$id" >/dev/null && "$DANCU" card produce "${S[@]}" --id "$id" >/dev/null ||
		notok "$label: card during the burst"
	wait "${pids[@]}"
	cat "$W"/burst.[0-9]* >"$W/burst"
	check "$label: 12 concurrent writes all answered 200/201 ($(sort "$W/burst" | uniq -c | tr '\n' ' '))" test "$(grep -cE '^20[01]$' "$W/burst")" = 12
	check "$label: counters agree after the concurrent writes" "$DANCU" stats check "${S[@]}"
	check "$label: counters agree after the writes (dancu stats check)" "$DANCU" stats check "${S[@]}"

	# --- jurisdiction -------------------------------------------------------------
	compare_all commune "$TC" "$cm"
	check "$label: dancu stats show --area --section --csv = the commune officer's CSV" bash -c '"$0" stats show "${@:3}" --area "$1" --section quality --csv | cmp -s - "$2"' "$DANCU" "$cm" "$W/quality.csv" "${S[@]}"
	expect_exit 2 "$label: dancu stats without a verb → 2" "$DANCU" stats "${S[@]}"
	expect_exit 2 "$label: dancu stats show --area 99 → 2" "$DANCU" stats show "${S[@]}" --area 99
	api GET /api/v1/stats "$TC" >/dev/null
	check "$label: a commune officer's figures are cut to the commune" grep -q "\"area\":\"$cm\"" "$T/body"
	compare_all province "$TP" "$pv"
	check "$label: a province officer asks for a commune of the province → 200" test "$(api GET "/api/v1/stats/quality?area=$cm2" "$TP")" = 200
	check "$label: … and gets that commune only" test "$(grep -o '"commune":"[0-9]*"' "$T/body" | sort -u | tr -d '\n')" = "\"commune\":\"$cm2\""
	check "$label: a province officer asks for another province → 403" test "$(api GET "/api/v1/stats?area=$pv2" "$TP")" = 403
	check "$label: … as problem+json with a stable code" grep -q '"code":"forbidden"' "$T/body"
	check "$label: a commune officer asks for its province → 403" test "$(api GET "/api/v1/stats/cards?area=$pv" "$TC")" = 403
	check "$label: a commune officer asks for another commune → 403" test "$(api GET "/api/v1/stats/quality?area=$cm2&format=csv" "$TC")" = 403
	check "$label: an unknown area → 400" test "$(api GET "/api/v1/stats?area=99" "$TN")" = 400
	check "$label: national admin asks for a province → 200" test "$(api GET "/api/v1/stats?area=$pv2" "$TN")" = 200

	# --- drift is detected, and a rebuild repairs it --------------------------------
	q "UPDATE stats_commune SET citizens = citizens + 1 WHERE commune = '$cm'" >/dev/null
	expect_exit 1 "$label: drift → dancu stats check exits 1" "$DANCU" stats check "${S[@]}"
	check "$label: … naming the commune" grep -q "commune $cm: citizens +1, fields +0, cards +0" "$T/out"
	q "UPDATE stats_eid SET approved = approved + 2 WHERE commune = (SELECT min(commune) FROM stats_eid WHERE collected > 0)" >/dev/null
	q "UPDATE stats_dossier SET online = online + 1 WHERE service = 'perm_register'" >/dev/null
	q "DELETE FROM stats_stay WHERE day = (SELECT min(day) FROM stats_stay)" >/dev/null
	expect_exit 1 "$label: drift in the e-ID, dossier and stay counters → exit 1" "$DANCU" stats check "${S[@]}"
	check "$label: … naming the e-ID commune" grep -qE "^e-ID commune [0-9]{5}: collected \+0, approved \+2, activated \+0$" "$T/out"
	check "$label: … the dossier counter" grep -qE "^dossiers perm_register [0-9]{5} [0-9]{2}: online \+1, offline \+0$" "$T/out"
	check "$label: … the missing stay row" grep -qE "^stays $cm [0-9-]{10} [0-9]{2}: stays -2, late -2$" "$T/out"
	check "$label: dancu stats rebuild" "$DANCU" stats rebuild "${S[@]}"
	check "$label: no drift after the rebuild" "$DANCU" stats check "${S[@]}"
	serve_stop
}

# compare_all PHASE TOKEN AREA: fetches every figure (JSON, and CSV per
# section) as TOKEN's officer and compares it with the independent count,
# restricted to AREA (a province or commune code; "" for the nation).
compare_all() {
	local phase=$1 TN=$2 area=$3 sec
	check "$label: $phase: GET /api/v1/stats → 200" test "$(api GET /api/v1/stats "$TN")" = 200
	cp "$T/body" "$W/stats.json"
	for sec in cards eid dossiers verification stays connected quality; do
		curl -s "$URL/api/v1/stats/$sec?format=csv" -H "Authorization: Bearer $TN" >"$W/$sec.csv"
	done

	# the independent counts, one query per figure, straight from the tables
	q "SELECT c.perm_commune || '|' || count(*) FROM card k JOIN citizen c ON c.pin = k.pin WHERE k.state = 'produced' GROUP BY c.perm_commune" >"$W/x_cards"
	q "SELECT coalesce(c.perm_commune, '') || '|' || a.state FROM eid_account a LEFT JOIN citizen c ON c.pin = a.pin" >"$W/x_eid"
	q "SELECT service || '|' || channel || '|' || commune || '|' || province FROM svc_dossier WHERE parent IS NULL" >"$W/x_dossiers"
	q "SELECT org_id || '|' || sum(requests) || '|' || sum(rows_n) || '|' || sum(full_match) || '|' || sum(not_found) || '|' || sum(refused) FROM verify_usage GROUP BY org_id" >"$W/x_verification"
	q "SELECT province || '|' || commune || '|' || late FROM stay" >"$W/x_stays"
	q "SELECT (SELECT count(*) FROM agency WHERE disabled = 0) || '|' || (SELECT count(*) FROM verify_org WHERE disabled = 0) || '|' || (SELECT count(*) FROM oidc_client WHERE disabled = 0)" >"$W/x_connected"
	q "SELECT pin || '|' || perm_commune || '|' || coalesce(birth_name, '') || '|' || coalesce(sex, '') || '|' || coalesce(dob, '') || '|' || coalesce(ethnicity, '') || '|' || coalesce(perm_address, '') || '|' || coalesce(birth_reg_unit, '') FROM citizen WHERE status = 'alive' AND perm_commune IS NOT NULL" >"$W/x_quality"
	python3 - "$W" "$ROOT/data/admin-units-2025.csv" "$phase" "$area" >"$W/compare" 2>&1 <<'PY'
import csv, json, sys
from collections import Counter, defaultdict
w, units, phase, area = sys.argv[1:5]
prov = {r['commune_code']: r['province_code'] for r in csv.DictReader(open(units))}
def inside(cm):
    return not area or (cm == area if len(area) == 5 else prov.get(cm) == area)
first = phase == 'first'

st = json.load(open(f'{w}/stats.json'))
lines = lambda n: [l.rstrip('\n').split('|') for l in open(f'{w}/x_{n}') if l.strip()]
def rate(a, b): return round(a / b, 4) if b else 0.0
def same(name, got, want):
    print(('ok ' if got == want else 'not ok ') + name + ('' if got == want else f' (got {got}, want {want})'))
def csv_rows(n): return list(csv.DictReader(open(f'{w}/{n}.csv')))
# cards per province
want = Counter()
for cm, n in lines('cards'):
    if inside(cm): want[prov[cm]] += int(n)
same('cards per province', {r['province']: r['cards_issued'] for r in st['cards']}, dict(want))
same('cards CSV = JSON', {r['province']: int(r['cards_issued']) for r in csv_rows('cards')}, dict(want))
if first: same('4 cards produced in all', sum(want.values()), 4)
if area: same('area', st['area'], area)
# e-ID: accounts of the area's permanent residents
c = a = act = 0
for cm, state in lines('eid'):
    if not inside(cm): continue
    c += 1
    a += state not in ('submitted', 'rejected', 'closed')
    act += state in ('active', 'locked')
e = st['eid'][0]
same('e-ID collected/approved/activated', (e['collected'], e['approved'], e['activated']), (c, a, act))
same('e-ID activation rate', e['activation_rate'], rate(act, a))
if first: same('e-ID figures of this test', (c, a, act), (4, 3, 2))
# dossiers
want = defaultdict(lambda: [0, 0])
for s, ch, cm, pv in lines('dossiers'):
    if not area or area in (cm, pv): want[s][0 if ch == 'online' else 1] += 1
same('dossiers online/offline per service', {r['service']: [r['online'], r['offline']] for r in st['dossiers']}, dict(want))
same('dossiers online share', {r['service']: r['online_share'] for r in st['dossiers']}, {k: rate(v[0], v[0] + v[1]) for k, v in want.items()})
same('dossiers CSV = JSON', {r['service']: [int(r['online']), int(r['offline'])] for r in csv_rows('dossiers')}, dict(want))
# verification
want = {o: list(map(int, rest)) for o, *rest in lines('verification')}
same('verification per organisation', {r['org']: [r['requests'], r['rows'], r['full_match'], r['not_found'], r['refused']] for r in st['verification']}, want)
same('verification match rate', {r['org']: r['match_rate'] for r in st['verification']}, {o: rate(v[2], v[1]) for o, v in want.items()})
if first: same('verification rows of this test', want.get('bank-a', [0, 0])[1], 3)
# stays
want = {}
for p, cm, late in lines('stays'):
    if area and area not in (p, cm): continue
    n, l = want.get(p, (0, 0))
    want[p] = (n + 1, l + int(late))
same('stays and late per province', {r['province']: (r['stays'], r['late']) for r in st['stays']}, want)
same('stays late rate', {r['province']: r['late_rate'] for r in st['stays']}, {p: rate(l, n) for p, (n, l) in want.items()})
if first: same('stays of this test (2, 1 late)', [sum(v[0] for v in want.values()), sum(v[1] for v in want.values())], [2, 1])
# connected systems
ag, org, cl = map(int, lines('connected')[0])
k = st['connected'][0]
same('connected systems', (k['agencies'], k['organisations'], k['oidc_clients'], k['total']), (ag, org, cl, ag + org + cl))
if first: same('connected of this test', (ag, org), (1, 1))
# data quality per commune, recomputed from the raw fields
n, have = Counter(), Counter()
for pin, cm, name, sex, dob, eth, addr, reg in lines('quality'):
    if not inside(cm): continue
    n[cm] += 1
    have[cm] += sum(1 for v in (name, sex, eth, addr, reg) if v) + (1 if len(dob) == 10 else 0)
same('quality per commune: citizens and fields present', {r['commune']: (r['citizens'], r['fields_present'], r['fields_checked']) for r in st['quality']}, {c: (n[c], have[c], 6 * n[c]) for c in n})
same('quality score', {r['commune']: r['score'] for r in st['quality']}, {c: rate(have[c], 6 * n[c]) for c in n})
same('quality CSV = JSON', {r['commune']: int(r['fields_present']) for r in csv_rows('quality')}, {c: have[c] for c in n})
PY
	sed "s/^ok /ok $label: $phase: /; s/^not ok /not ok $label: $phase: /" "$W/compare"
	failures=$((failures + $(grep -c '^not ok' "$W/compare")))
	grep -q '^ok' "$W/compare" || notok "$label: comparison ran ($(head -c 300 "$W/compare"))"
}

run_suite sqlite sqlite3 -batch "$T/s.db" -- --db "$T/s.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="sta_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	PGX="${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
	run_suite postgresql psql "$PGX" -qAt -c -- --pg "$PGX"
else
	notok "DANCU_TEST_PG is not set"
fi
finish
