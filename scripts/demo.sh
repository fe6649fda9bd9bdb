#!/bin/bash
# `make demo`: generate a synthetic population, import it into an embedded
# SQLite register, and report it. Everything goes to demo-out/.
#   DEMO_COUNT   people to generate (default 100000)
#   DEMO_SEED    seed (default 6)
set -euo pipefail
B=${1:-build}
DANCU="$B/dancu"
out=demo-out
count=${DEMO_COUNT:-100000}
seed=${DEMO_SEED:-6}
mkdir -p "$out"
rm -f "$out/dancu.db" "$out/dancu.db-wal" "$out/dancu.db-shm"

echo "== dancu demo: $count synthetic people (seed $seed) =="
"$DANCU" gen --count "$count" --seed "$seed" --out "$out/population.csv"
echo "generated $out/population.csv ($(du -h "$out/population.csv" | cut -f1))"
"$DANCU" import --db "$out/dancu.db" --report "$out/import-report.jsonl" "$out/population.csv"
"$DANCU" report --db "$out/dancu.db" >"$out/report.json"
pin=$(sed -n 2p "$out/population.csv" | cut -d, -f1)
echo
echo "== register summary ($out/report.json) =="
if command -v python3 >/dev/null 2>&1; then
	python3 - "$out/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"citizens {r['citizens']:,}  households {r['households']:,}  events {r['events']:,}  ({r['backend']})")
print("by status:", r["by_status"], " by sex (alive):", r["by_sex"])
print("age bands:", r["age_bands"])
top = sorted(r["by_province"], key=lambda p: -p["alive"])[:5]
print("largest provinces:", ", ".join(f"{p['name']} {p['alive']:,}" for p in top))
PY
else
	cat "$out/report.json"
fi
echo
echo "== one citizen: dancu show --db $out/dancu.db $pin =="
"$DANCU" show --db "$out/dancu.db" "$pin"
echo
echo "Try: $DANCU history --db $out/dancu.db $pin"
echo "     $DANCU pin decode $pin"
echo "     $DANCU units commune 'Ba Đình'"
echo
# The chip: a card PKI, a card for this citizen (its chip keys made at
# production), and its software chip read (PACE, AES secure messaging, chip
# and active authentication) and verified (passive authentication +
# register). Skipped quietly when this citizen cannot get a card (dead, no
# full birth date).
rm -rf "$out/pki"
if "$DANCU" pki init --dir "$out/pki" >/dev/null && "$DANCU" pki ds-new --dir "$out/pki" --name ds1 >/dev/null &&
	cid=$("$DANCU" card apply --db "$out/dancu.db" --pin "$pin" --kind first 2>/dev/null | grep -o '"id":[0-9]*' | cut -d: -f2) &&
	"$DANCU" card approve --db "$out/dancu.db" --id "$cid" >/dev/null 2>&1 &&
	"$DANCU" card produce --db "$out/dancu.db" --id "$cid" --pki "$out/pki" >/dev/null 2>&1 &&
	"$DANCU" card deliver --db "$out/dancu.db" --id "$cid" >/dev/null 2>&1; then
	echo "== card $cid: its chip read and verified: dancu card verify --chip --id $cid --pki $out/pki =="
	"$DANCU" card verify --db "$out/dancu.db" --chip --id "$cid" --pki "$out/pki" |
		grep -o '"read":{"status":"[a-z_]*"\|"valid":[a-z]*\|"access":"[a-z]*","pace":"[a-z_]*","secure_messaging":"[a-z0-9]*"\|"chip_auth":{"result":"[a-z_]*"\|"active_auth":{"result":"[a-z_]*"\|"passive_auth":{"passed":[a-z]*,"reason":"[a-z_]*"' | head -n 7
	export DANCU_CARD_TRUST="$out/pki/trust" # POST /api/v1/verify/chip
	echo
fi
# Demo logins: officers at each level (password + TOTP; the secret is
# printed so that `oathtool` can make codes) and a hotel with an API key.
rm -f "$out/dancu.key" "$out/logins.txt"
pw="demo password 2026"
officer() { # id role jurisdiction name
	local sec
	sec=$(echo "$pw" | "$DANCU" officer add --db "$out/dancu.db" --master-key "$out/dancu.key" \
		--id "$1" --name "$4" --role "$2" --jurisdiction "$3" | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
	printf '  %-14s %-17s %-6s TOTP secret %s\n' "$1" "$2" "$3" "$sec" >>"$out/logins.txt"
}
officer admin national_admin VN "Quản trị quốc gia"
officer hanoi province_officer 01 "Cán bộ Công an TP Hà Nội"
officer badinh commune_officer 00004 "Cán bộ Công an phường Ba Đình"
officer auditor auditor VN "Kiểm toán viên"
echo "== demo logins (password for all: \"$pw\"; saved in $out/logins.txt) =="
cat "$out/logins.txt"
echo "   a TOTP code: oathtool --totp -b SECRET"
echo
port=${DEMO_PORT:-8080}
url="http://127.0.0.1:$port"
# The web UI (docs/WEBUI.md): the citizen portal is the public OIDC client
# dancu-portal; one adult citizen gets an active level-2 e-ID account, and
# a bank an API key for the relying-party console.
export DANCU_OIDC_KEYS="$out/oidc-keys"
rm -rf "$DANCU_OIDC_KEYS" "$out/sms.txt"
"$DANCU" oidc keys rotate >/dev/null
"$DANCU" oidc client add --db "$out/dancu.db" --id dancu-portal --name "Cổng công dân" --public \
	--redirect-uri "$url/ui/citizen.html" >/dev/null
cpin=$(awk -F, 'NR>1 && $4=="alive" && substr($2,1,4)<"2000" {print $1; exit}' "$out/population.csv")
cpw="Matkhau@2026"
"$DANCU" eid register --db "$out/dancu.db" --pin "$cpin" --level 2 --phone 0912000001 --face "face:$cpin" --officer demo >/dev/null
"$DANCU" eid approve --db "$out/dancu.db" --pin "$cpin" --officer demo >/dev/null
"$DANCU" eid outbox --db "$out/dancu.db" --sms-file "$out/sms.txt" >/dev/null
printf '%s\n%s\n' "$cpw" 583920 | "$DANCU" eid activate --db "$out/dancu.db" --pin "$cpin" \
	--otp "$(grep '^0912000001' "$out/sms.txt" | tail -n 1 | grep -o 'OTP): [0-9]*' | cut -d' ' -f2)" >/dev/null
"$DANCU" org add --db "$out/dancu.db" --id demo-bank --name "Ngân hàng Demo" --fields name,dob,sex --receive name,dob,sex --purposes account_opening >/dev/null
bankkey=$("$DANCU" org key-add --db "$out/dancu.db" --id demo-bank | tail -n 1)
# BHXH, the agency that completes the last step of the linked birth procedure.
"$DANCU" agency add --db "$out/dancu.db" --id bhxh --name "Bảo hiểm xã hội" --fields status >/dev/null
bhxhkey=$("$DANCU" agency key-add --db "$out/dancu.db" --id bhxh | tail -n 1)
{
	echo "  web UI         $url/ui/"
	echo "  citizen        personal ID number $cpin, password $cpw (log in with e-ID on $url/ui/citizen.html)"
	echo "  relying party  API key $bankkey (demo-bank, purpose account_opening) on $url/ui/rp.html"
	echo "  e-KYC          curl -s -X POST $url/api/v1/kyc/requests -H 'Authorization: ApiKey $bankkey' -d '{\"pin\":\"$cpin\",\"attributes\":[\"name\",\"dob\"],\"purpose\":\"account_opening\"}'   (open approval_url, sign in, approve; then GET /api/v1/kyc/requests/ID)"
	echo "  BHXH agency    API key $bhxhkey (GET/POST $url/api/v1/agency/dossiers, docs/EXCHANGE.md)"
} >>"$out/logins.txt"
echo "== web UI: $url/ui/ =="
tail -n 5 "$out/logins.txt"
echo
if [ "${DEMO_SERVE:-1}" = 1 ]; then
	echo "== starting the server on $url (Ctrl-C stops it) =="
	echo "   curl $url/healthz   /readyz   /metrics   /api/openapi.json"
	echo "   TOKEN=\$(curl -s -X POST $url/api/v1/login -d '{\"officer\":\"badinh\",\"password\":\"$pw\",\"totp\":\"'\$(oathtool --totp -b SECRET)'\"}' | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')"
	echo "   curl -s -H \"Authorization: Bearer \$TOKEN\" '$url/api/v1/citizens/$pin?purpose=citizen_request'"
	echo "   curl -s -H \"Authorization: Bearer \$TOKEN\" '$url/api/v1/residence/dossiers?state=all'"
	export DANCU_KYC_CLIENTS=dancu-portal # the portal may approve e-KYC for the citizen
	exec "$DANCU" serve --port "$port" --db "$out/dancu.db" --master-key "$out/dancu.key"
fi
