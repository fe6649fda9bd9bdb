#!/bin/bash
# The web UI end to end in headless Debian chromium, driven by npm
# playwright-core (tests/node/webui_*.mjs): the assets and their headers
# over curl, then a citizen logs in with e-ID (OIDC code + PKCE from the
# browser as the public client dancu-portal) and sees their record,
# consents and login history; an officer logs in with TOTP, registers a
# birth and files/moves a card; a relying party uploads a batch and
# downloads the result; the dashboard; the language toggle; a phone-width
# layout. Screenshots are kept under build/webui-shots/<backend>/.
# SKIPs only when chromium or tests/node are missing.
. "$(dirname "$0")/lib.inc"

NODE_DIR="$(cd "$(dirname "$0")/../node" && pwd)"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "ok # SKIP chromium is not installed (scripts/deps.sh test installs it)"
	finish
fi
if [ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
	notok "tests/node is not installed (run scripts/deps.sh test)"
	finish
fi
SHOTS_ROOT="${DANCU_WEBUI_SHOTS:-$(dirname "$DANCU")/webui-shots}"

run_suite() { # label store-args...
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 120 --seed 7 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	# An adult alive citizen; the officer works in their commune.
	local line pin comm
	line=$(node -e '
		const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
		const split = l => [...l.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map(m => m[1].replace(/^"|"$/g, ""));
		const h = split(rows[0]);
		for (const l of rows.slice(1)) {
			const r = Object.fromEntries(split(l).map((v, i) => [h[i], v]));
			if (r.status === "alive" && r.dob < "2000" && /^[0-9]{5}$/.test(r.perm_commune)) { console.log(r.pin + "," + r.perm_commune); break; }
		}' "$T/p.csv")
	pin=${line%,*}
	comm=${line#*,}
	# A second adult of that commune asks for a level-2 account (pending).
	local pin2
	pin2=$(node -e '
		const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
		const split = l => [...l.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map(m => m[1].replace(/^"|"$/g, ""));
		const h = split(rows[0]);
		for (const l of rows.slice(1)) {
			const r = Object.fromEntries(split(l).map((v, i) => [h[i], v]));
			if (r.status === "alive" && r.dob < "2000" && r.perm_commune === process.argv[2] && r.pin !== process.argv[3]) { console.log(r.pin); break; }
		}' "$T/p.csv" "$comm" "$pin")
	check "$label: a citizen to log in as" test ${#pin} = 12
	export DANCU_OIDC_KEYS="$T/keys-$label"
	rm -f "$T/sms"
	"$DANCU" eid register "${S[@]}" --pin "$pin" --level 2 --phone 0912000001 --face "face:$pin" --officer web >/dev/null &&
		"$DANCU" eid approve "${S[@]}" --pin "$pin" --officer web >/dev/null &&
		"$DANCU" eid outbox "${S[@]}" --sms-file "$T/sms" >/dev/null &&
		printf 'Matkhau@2026\n583920\n' | "$DANCU" eid activate "${S[@]}" --pin "$pin" \
			--otp "$(grep '^0912000001' "$T/sms" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)" >/dev/null
	check "$label: the citizen's e-ID account is active" test $? = 0
	# A third adult with an active e-ID account approves the RP console's
	# e-KYC request (the first one's account is locked by the portal test).
	local pin3
	pin3=$(node -e '
		const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
		const split = l => [...l.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map(m => m[1].replace(/^"|"$/g, ""));
		const h = split(rows[0]);
		for (const l of rows.slice(1)) {
			const r = Object.fromEntries(split(l).map((v, i) => [h[i], v]));
			if (r.status === "alive" && r.dob < "2000" && ![process.argv[2], process.argv[3]].includes(r.pin)) { console.log(r.pin); break; }
		}' "$T/p.csv" "$pin" "$pin2")
	if [ -n "$pin3" ]; then
		"$DANCU" eid register "${S[@]}" --pin "$pin3" --level 2 --phone 0912000003 --face "face:$pin3" --officer web >/dev/null &&
			"$DANCU" eid approve "${S[@]}" --pin "$pin3" --officer web >/dev/null &&
			"$DANCU" eid outbox "${S[@]}" --sms-file "$T/sms" >/dev/null &&
			printf 'Matkhau@2026\n583920\n' | "$DANCU" eid activate "${S[@]}" --pin "$pin3" \
				--otp "$(grep '^0912000003' "$T/sms" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)" >/dev/null
		check "$label: a third citizen's e-ID account is active (for e-KYC)" test $? = 0
	fi
	[ -n "$pin2" ] && "$DANCU" eid register "${S[@]}" --pin "$pin2" --level 2 --phone 0912000002 --face "face:$pin2" --officer web >/dev/null
	"$DANCU" oidc keys rotate --keys "$DANCU_OIDC_KEYS" >/dev/null
	local sec
	sec=$(officer_new "${S[@]}" -- web.officer commune_officer "$comm")
	check "$label: an officer of the citizen's commune" test -n "$sec"
	"$DANCU" org add "${S[@]}" --id bank-w --name "Ngân hàng Web" --fields name,dob,sex --receive name,dob,sex --purposes account_opening >/dev/null
	local key sec2 akey
	key=$("$DANCU" org key-add "${S[@]}" --id bank-w | tail -n 1)
	sec2=$(officer_new "${S[@]}" -- web.officer2 commune_officer "$comm")
	"$DANCU" agency add "${S[@]}" --id bhxh --name "BHXH" --fields status >/dev/null 2>&1 &&
		akey=$("$DANCU" agency key-add "${S[@]}" --id bhxh | tail -n 1)
	awk -F, 'NR==1 {print "ref,id_number,name,dob,sex"; next} NR<=40 {print NR-1","$1","$7","$2","$3}' "$T/p.csv" >"$T/batch.csv"
	# Cards for the dashboard and the portal's QR: the citizen's own and seven
	# more (adults with a permanent commune, wherever they live), produced.
	local cpins cid qrid="" ncards=0
	mapfile -t cpins < <(node -e '
		const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
		const split = l => [...l.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map(m => m[1].replace(/^"|"$/g, ""));
		const h = split(rows[0]); const out = [process.argv[2]];
		for (const l of rows.slice(1)) {
			const r = Object.fromEntries(split(l).map((v, i) => [h[i], v]));
			if (out.length < 8 && r.status === "alive" && r.dob < "2000" && /^[0-9]{5}$/.test(r.perm_commune) &&
				!out.includes(r.pin) && r.pin !== process.argv[3]) out.push(r.pin);
		}
		console.log(out.join("\n"));' "$T/p.csv" "$pin" "$pin2")
	local p
	for p in "${cpins[@]}"; do
		cid=$("$DANCU" card apply "${S[@]}" --pin "$p" --kind first | grep -o '"id":[0-9]*' | cut -d: -f2)
		"$DANCU" card approve "${S[@]}" --id "$cid" >/dev/null && "$DANCU" card produce "${S[@]}" --id "$cid" >/dev/null &&
			ncards=$((ncards + 1))
		[ "$p" = "$pin" ] && qrid=$cid
	done
	check "$label: eight cards produced for the dashboard" test $ncards = 8
	local secn
	secn=$(officer_new "${S[@]}" -- web.nat national_admin VN)

	serve_start "${S[@]}" --job-dir "$T/jobs-$label"
	check "$label: server up" test -n "$URL"
	"$DANCU" oidc client add "${S[@]}" --id dancu-portal --name "Cổng công dân" --public \
		--redirect-uri "$URL/ui/citizen.html" >/dev/null
	check "$label: the portal is a public client" test $? = 0

	# A national administrator's session for what the browser tests do
	# over HTTP (the officer of a dossier's other side, the API's own figures).
	local tn bk now early qrpay
	tn=$(officer_token web.nat "$secn")
	check "$label: an administrator's session" test -n "$tn"
	# The citizen's card QR, as the API gives it.
	api GET "/api/v1/cards/$qrid/qr?purpose=identity_card" "$tn" >/dev/null
	qrpay=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload)' "$T/body")
	check "$label: the card's QR payload from the API" test -n "$qrpay"
	# Stays in the citizen's commune: one on time, one two days late.
	api POST /api/v1/businesses "$tn" "{\"id\":\"ks.web\",\"name\":\"Khách sạn Web\",\"commune\":\"$comm\",\"kind\":\"hotel\"}" >/dev/null
	bk=$(json_str api_key <"$T/body")
	now=$(TZ=Asia/Ho_Chi_Minh date +%FT%H:%M)
	early=$(TZ=Asia/Ho_Chi_Minh date -d '-2 days' +%FT%H:%M)
	check "$label: two stays reported (one late)" test "$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$URL/api/v1/stays" -H "X-Api-Key: $bk" \
		--data-binary "{\"guests\":[{\"event\":\"arrival\",\"pin\":\"$pin2\",\"name\":\"Khách 1\",\"at\":\"$now\",\"room\":\"101\"},{\"event\":\"arrival\",\"passport\":\"C0012345\",\"nationality\":\"KR\",\"name\":\"Kim Min\",\"at\":\"$early\"}]}")" = 200

	# Headers and methods, over curl.
	local h
	h=$(curl -s -D - -o /dev/null "$URL/")
	check "$label: / redirects to /ui/" bash -c "grep -qi '^location: /ui/' <<<'$h' && grep -q '^HTTP/1.1 302' <<<'$h'"
	curl -s -D "$T/h" -o "$T/index" "$URL/ui/"
	check "$label: /ui/ is the front page (HTML)" bash -c "grep -qi '^content-type: text/html' '$T/h' && grep -q 'citizen.html' '$T/index'"
	check "$label: strict CSP (no inline script, no framing)" bash -c "grep -i '^content-security-policy:' '$T/h' | grep -q \"script-src 'self'; .*frame-ancestors 'none'\""
	check "$label: assets revalidate (no-cache), not no-store" bash -c "grep -qi '^cache-control: no-cache' '$T/h' && ! grep -qi 'no-store' '$T/h'"
	local etag
	etag=$(grep -i '^etag:' "$T/h" | cut -d' ' -f2 | tr -d '\r')
	check "$label: If-None-Match → 304" test "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/ui/")" = 304
	check "$label: JavaScript served as text/javascript" bash -c "curl -s -D - -o /dev/null '$URL/ui/js/common.js' | grep -qi '^content-type: text/javascript'"
	check "$label: HEAD: headers, no body" bash -c "[ \"\$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' '$URL/ui/css/style.css')\" = '200 0' ]"
	check "$label: POST to a page → 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/ui/index.html")" = 405
	curl -s "$URL/ui/units/provinces.json" >"$T/prov.json"
	check "$label: the province names (JSON, from the unit list)" \
		node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).provinces;
			process.exit(p.length >= 34 && p.some(x => x.code === "01" && x.name === "Thành phố Hà Nội" && x.name_en) ? 0 : 1)' "$T/prov.json"
	check "$label: an unknown page → 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ui/nope.html")" = 404
	check "$label: no path escapes web/" test "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL/ui/../Makefile")" = 404
	check "$label: API answers stay no-store" bash -c "curl -s -D - -o /dev/null '$URL/healthz' | grep -qi '^cache-control: no-store'"

	# Parts of the UI whose API may not be on this server yet: tested when it is.
	local has_me=0 has_eid=0 has_svc=0
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/services")" = 200 ] && [ -n "$akey" ] && has_svc=1
	[ $has_svc = 1 ] || echo "# $label: no /api/v1/services on this server: the linked procedure is not tested"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/me")" != 404 ] && has_me=1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/eid/accounts")" != 404 ] && has_eid=1
	[ $has_me = 1 ] || echo "# $label: no /api/v1/me on this server: the portal's record/tracker sections are not tested"
	[ $has_eid = 1 ] || echo "# $label: no /api/v1/eid/accounts on this server: level-2 approval is not tested"
	local shots="$SHOTS_ROOT/$label"
	rm -rf "$shots"
	mkdir -p "$shots"
	local tests="citizen officer rp"
	[ $has_svc = 1 ] && tests="linked $tests" # before citizen, which locks the account
	for t in $tests; do
		WEBUI_URL="$URL" WEBUI_PIN="$pin" WEBUI_PASSWORD='Matkhau@2026' WEBUI_OFFICER=web.officer \
			WEBUI_TOTP_SECRET="$sec" WEBUI_COMMUNE="$comm" WEBUI_APIKEY="$key" WEBUI_PIN2="$pin2" WEBUI_PIN3="$pin3" \
			WEBUI_OFFICER2=web.officer2 WEBUI_TOTP_SECRET2="$sec2" WEBUI_AGENCY_KEY="$akey" \
			WEBUI_HAS_ME=$has_me WEBUI_HAS_EID=$has_eid WEBUI_CSV="$T/batch.csv" \
			WEBUI_SHOTS="$shots" WEBUI_CHROMIUM="$CHROMIUM" WEBUI_NAT_TOKEN="$tn" WEBUI_QR_PAYLOAD="$qrpay" \
			WEBUI_CARDS=$ncards WEBUI_STAYS=2 WEBUI_LATE=1 \
			timeout 180 node "$NODE_DIR/webui_$t.mjs" >"$T/n.out" 2>"$T/n.err"
		local rc=$?
		sed "s/^ok /ok $label: /; s/^not ok /not ok $label: /" "$T/n.out" | grep -E '^(ok|not ok|#)'
		failures=$((failures + $(grep -c '^not ok' "$T/n.out")))
		if [ $rc != 0 ] && ! grep -q '^not ok' "$T/n.out"; then
			notok "$label: webui_$t.mjs failed (exit $rc)"
			sed 's/^/#   /' "$T/n.err" | head -n 20
		fi
	done
	check "$label: screenshots kept" bash -c "ls '$shots'/*.png >/dev/null 2>&1"
	serve_stop
}

run_suite sqlite --db "$T/w.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db="webui_$$_$RANDOM"
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
elif [ "${DANCU_TEST_NO_PG:-0}" != 1 ]; then
	notok "DANCU_TEST_PG is not set"
fi
finish
