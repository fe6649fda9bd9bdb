#!/bin/bash
# The chip: `dancu pki` builds a CSCA and Document Signers (keys 0600,
# readable keys refused); `dancu card verify --chip` reads the software chip
# of an issued card (EF.CardAccess, PACE, AES secure messaging, chip
# authentication, active authentication; the chip's keys in a 0600 file)
# and verifies it (passive authentication + register), each check reported
# on its own; a wrong PACE password is refused; the
# files read, posted by a "kiosk" to POST /api/v1/verify/chip, pass, and a
# flipped DG byte, a revoked DS (new CRL picked up without a restart), an
# untrusted CSCA and no trust list are each refused with their own reason;
# the verification is audited. SQLite, then PostgreSQL.
. "$(dirname "$0")/lib.inc"

b64() { base64 -w0 "$1"; }
body() { # dir [flip-dg]
	local d=$1 f=${2:-}
	python3 - "$d" "$f" <<'PY'
import base64, json, os, sys
d, flip = sys.argv[1], sys.argv[2]
o = {"purpose": "verification"}
for n in os.listdir(d):
    b = bytearray(open(os.path.join(d, n), "rb").read())
    if flip and n == "AA_signature.bin" and flip == "aa":
        b[-1] ^= 1
    if n.startswith("AA_"):
        o.setdefault("active_auth", {})[n[3:-4]] = base64.b64encode(bytes(b)).decode()
        continue
    k = {"EF_SOD.bin": "sod", "EF_COM.bin": "com", "EF_CardAccess.bin": "card_access"}.get(n) or "dg" + n[2:-4]
    if flip and k == "dg" + flip:
        b[-1] ^= 1
    o[k] = base64.b64encode(bytes(b)).decode()
o["access"] = "pace"
o["secure_messaging"] = "aes128"
o["chip_auth"] = "passed"
print(json.dumps(o))
PY
}

run_suite() { # label, store args...
	local label=$1
	shift
	local S=("$@")
	"$DANCU" gen --count 60 --seed 29 --out "$T/p.csv"
	"$DANCU" import --quiet "${S[@]}" "$T/p.csv" 2>/dev/null || notok "$label: import"
	local PIN
	PIN=$(python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["status"] == "alive" and len(r["dob"]) == 10 and 1960 <= int(r["dob"][:4]) <= 1995 and r["sex"] in ("M", "F"):
        print(r["pin"]); break' "$T/p.csv")
	local P="$T/pki-$label" X="$T/pki-x-$label"
	rm -rf "$P" "$X" "$T/read"
	mkdir -p "$T/read"
	expect_exit 0 "$label: pki init" "$DANCU" pki init --dir "$P"
	"$DANCU" card apply "${S[@]}" --pin "$PIN" --kind first >/dev/null &&
		"$DANCU" card approve "${S[@]}" --id 1 >/dev/null &&
		"$DANCU" card produce "${S[@]}" --id 1 --pki "$P" >/dev/null &&
		"$DANCU" card deliver "${S[@]}" --id 1 >/dev/null
	check "$label: card produced and delivered" test $? = 0
	check "$label: production made the chip's keys, mode 600" test "$(stat -c %a "$P/chips/1.pem")" = 600
	expect_exit 2 "$label: pki ds-new without --name is a usage error" "$DANCU" pki ds-new --dir "$P"
	expect_exit 0 "$label: pki ds-new" "$DANCU" pki ds-new --dir "$P" --name ds1
	check "$label: DS key is mode 600" test "$(stat -c %a "$P/ds/ds1.key")" = 600
	chmod 644 "$P/ds/ds1.key"
	expect_exit 1 "$label: a group/other-readable DS key is refused" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P"
	check "$label: … saying why" grep -q "chmod 600" "$T/err"
	chmod 600 "$P/ds/ds1.key"
	expect_exit 0 "$label: verify --chip passes" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P" --dump "$T/read"
	check "$label: … read ok, passive auth ok, register ok" \
		grep -q '"status":"ok".*"valid":true, "chip":.*"passive_auth":{"passed":true,"reason":"ok"' "$T/out"
	check "$label: … over PACE and AES secure messaging" \
		grep -q '"chip":{"access":"pace","pace":"passed","secure_messaging":"aes128"' "$T/out"
	check "$label: … chip authentication passed" grep -q '"chip_auth":{"result":"passed"' "$T/out"
	check "$label: … active authentication passed" grep -q '"active_auth":{"result":"passed"' "$T/out"
	chmod 644 "$P/chips/1.pem"
	expect_exit 1 "$label: chip keys readable by others are refused" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P"
	chmod 600 "$P/chips/1.pem"
	check "$label: … DG1, DG2, DG13, DG14, DG15, SOD, CardAccess read" test -s "$T/read/DG1.bin" \
		-a -s "$T/read/DG2.bin" -a -s "$T/read/DG13.bin" -a -s "$T/read/DG14.bin" \
		-a -s "$T/read/DG15.bin" -a -s "$T/read/EF_SOD.bin" -a -s "$T/read/EF_CardAccess.bin"
	expect_exit 0 "$label: the same chip again (same keys)" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P"
	expect_exit 0 "$label: PACE with the card access number" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P" --can 123456
	check "$label: … access pace" grep -q '"chip":{"access":"pace","pace":"passed"' "$T/out"
	expect_exit 1 "$label: a CAN that is not digits is refused" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P" --can 12a
	# the BAC key from another MRZ (the ICAO TD1 specimen)
	expect_exit 1 "$label: a wrong PACE password (MRZ) is refused" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P" \
		--mrz $'I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<'
	check "$label: … as pace_failed (the chip offers PACE)" grep -q '"status":"pace_failed"' "$T/out"
	# an untrusted CSCA: verify against another country's trust list
	"$DANCU" pki init --dir "$X" --country ZZ >/dev/null
	expect_exit 1 "$label: a DS from an untrusted CSCA is refused" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P" --trust "$X/trust"
	check "$label: … as ds_untrusted" grep -q '"reason":"ds_untrusted"' "$T/out"

	# the kiosk path over HTTP
	rm -f "$T/k.key"
	local SA SU SB TA TU
	SA=$(officer_new "${S[@]}" -- admin national_admin VN)
	SB=$(officer_new "${S[@]}" -- admin2 national_admin VN)
	SU=$(officer_new "${S[@]}" -- aud auditor VN)
	local SC TB
	SC=$(officer_new "${S[@]}" -- admin3 national_admin VN)
	DANCU_CARD_TRUST="$P/trust" serve_start "${S[@]}" || { notok "$label: server up"; return; }
	TA=$(officer_token admin "$SA")
	TU=$(officer_token aud "$SU")
	TB=$(officer_token admin3 "$SC")
	body "$T/read" >"$T/good.json"
	check "$label: POST /verify/chip → 200" test "$(api POST /api/v1/verify/chip "$TA" "@$T/good.json")" = 200
	check "$label: … valid, every check passed" grep -q '"valid":true, "chip":.*"passive_auth":{"passed":true' "$T/body"
	check "$label: … the register agrees" grep -q "\"register\":{\"valid\":true,\"pin\":\"$PIN\"" "$T/body"
	check "$label: … active authentication verified by the server" \
		grep -q '"active_auth":{"result":"passed","detail":"ECDSA signature' "$T/body"
	check "$label: … the kiosk's own challenge is named as such" grep -q 'challenge chosen by the kiosk' "$T/body"
	body "$T/read" aa >"$T/bad.json"
	api POST /api/v1/verify/chip "$TA" "@$T/bad.json" >/dev/null
	check "$label: a wrong AA signature → active_auth failed, card invalid" \
		grep -q '"valid":false.*"active_auth":{"result":"failed"' "$T/body"
	# a challenge from the server, signed by the chip through the CLI reader
	check "$label: POST /verify/chip/challenge → 200" test "$(api POST /api/v1/verify/chip/challenge "$TA" '{}')" = 200
	local CH TK
	CH=$(json_str challenge <"$T/body")
	TK=$(json_str ticket <"$T/body")
	check "$label: auditors get no challenge → 403" test "$(api POST /api/v1/verify/chip/challenge "$TU" '{}')" = 403
	rm -rf "$T/read2" && mkdir -p "$T/read2"
	expect_exit 0 "$label: verify --chip --aa-challenge signs the server's challenge" \
		"$DANCU" card verify "${S[@]}" --chip --id 1 --pki "$P" --dump "$T/read2" --aa-challenge "$CH"
	check "$label: … the challenge signed is the server's" \
		test "$(base64 -w0 "$T/read2/AA_challenge.bin")" = "$CH"
	ticketed() { # request json, ticket → the request with active_auth.ticket
		python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); o["active_auth"]["ticket"]=sys.argv[2]; print(json.dumps(o))' "$1" "$2"
	}
	body "$T/read2" >"$T/g2.json"
	ticketed "$T/g2.json" "$TK" >"$T/t.json"
	api POST /api/v1/verify/chip "$TA" "@$T/t.json" >/dev/null
	check "$label: … with its ticket: valid, active authentication passed" \
		grep -q '"valid":true.*"active_auth":{"result":"passed","detail":"ECDSA signature over the challenge verified with DG15.s key"}' "$T/body"
	api POST /api/v1/verify/chip "$TB" "@$T/t.json" >/dev/null
	check "$label: … another officer's ticket → active_auth failed" \
		grep -q '"valid":false.*"active_auth":{"result":"failed","detail":"the challenge.s ticket' "$T/body"
	api POST /api/v1/verify/chip "$TA" "@$T/t.json" >/dev/null
	check "$label: … the same ticket and signature again (a replay) → active_auth failed" \
		grep -q '"valid":false.*"active_auth":{"result":"failed","detail":"the challenge.s ticket.*already used' "$T/body"
	ticketed "$T/good.json" "$TK" >"$T/t2.json"
	api POST /api/v1/verify/chip "$TA" "@$T/t2.json" >/dev/null
	check "$label: … a ticket for another challenge → active_auth failed" \
		grep -q '"valid":false.*"active_auth":{"result":"failed","detail":"the challenge.s ticket' "$T/body"
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); o["chip_auth"]="failed"; print(json.dumps(o))' \
		"$T/good.json" >"$T/bad.json"
	api POST /api/v1/verify/chip "$TA" "@$T/bad.json" >/dev/null
	check "$label: chip authentication reported failed → card invalid" \
		grep -q '"valid":false.*"chip_auth":{"result":"failed"' "$T/body"
	check "$label: a bad access value → 400" test "$(api POST /api/v1/verify/chip "$TA" \
		"$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); o["access"]="nfc"; print(json.dumps(o))' "$T/good.json")")" = 400
	for dg in 1 2 13 14 15; do
		body "$T/read" $dg >"$T/bad.json"
		api POST /api/v1/verify/chip "$TA" "@$T/bad.json" >/dev/null
		check "$label: flipped byte in DG$dg → dg_hash_mismatch" \
			grep -q "\"valid\":false.*\"reason\":\"dg_hash_mismatch\".*\"bad_dg\":$dg" "$T/body"
	done
	check "$label: auditors may not verify" test "$(api POST /api/v1/verify/chip "$TU" "@$T/good.json")" = 403
	check "$label: no token → 401" test "$(api POST /api/v1/verify/chip "" "@$T/good.json")" = 401
	check "$label: missing sod → 400" test "$(api POST /api/v1/verify/chip "$TA" '{"purpose":"verification","dg1":"YQ=="}')" = 400
	check "$label: bad base64 → 400" test "$(api POST /api/v1/verify/chip "$TA" '{"purpose":"verification","sod":"!!","dg1":"YQ=="}')" = 400
	# revoke the DS: the server picks up the new CRL without a restart
	sleep 1.1 # a new mtime for the trust directory
	"$DANCU" pki ds-revoke --dir "$P" --name ds1 >/dev/null
	api POST /api/v1/verify/chip "$TA" "@$T/good.json" >/dev/null
	check "$label: revoked DS → ds_revoked" grep -q '"valid":false.*"reason":"ds_revoked"' "$T/body"
	if [ "$label" = sqlite ]; then
		# thirteen verifications; the one with a broken DG1 names nobody
		check "$label: each chip verification audited (on the holder's record when named)" test \
			"$(sqlite3 "$T/c.db" "SELECT count(*), count(subject_pin) FROM audit WHERE action = 'card.verify' AND fields = 'chip' AND (subject_pin IS NULL OR subject_pin = '$PIN')")" = "13|12"
	fi
	serve_stop
	serve_start "${S[@]}" || { notok "$label: server up"; return; }
	TA=$(officer_token admin2 "$SB") # a TOTP code is good for one login only
	check "$label: no trust list → 503" test "$(api POST /api/v1/verify/chip "$TA" "@$T/good.json")" = 503
	serve_stop
}

run_suite sqlite --db "$T/c.db"
if [ -n "${DANCU_TEST_PG:-}" ]; then
	db=chip_$$
	psql "$DANCU_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
	run_suite postgresql --pg "${DANCU_TEST_PG/dbname=postgres/dbname=$db}"
elif [ -z "${DANCU_TEST_NO_PG:-}" ]; then
	notok "DANCU_TEST_PG is not set"
fi
finish
