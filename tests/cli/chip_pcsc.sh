#!/bin/bash
# The chip over real PC/SC: pcscd with the vsmartcard vpcd reader driver
# (Debian packages pcscd, vsmartcard-vpcd), `dancu card chip-serve` putting
# the software chip of an issued card into the virtual reader, and
# `dancu card verify --chip --reader` reading it through libpcsclite
# (EF.CardAccess, PACE, AES secure messaging, chip and active
# authentication, passive authentication, register). A wrong PACE password
# is refused. Skipped when not root or the packages are
# missing (scripts/deps.sh does not install them: CI images may lack them).
. "$(dirname "$0")/lib.inc"
drv=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
if [ "$(id -u)" != 0 ] || ! command -v pcscd >/dev/null || [ ! -e "$drv" ]; then
	echo "ok pcsc: PC/SC end-to-end skipped (needs root, pcscd and vsmartcard-vpcd) # SKIP"
	finish
fi
PCSCD_PID=""
if ! ps -C pcscd -o stat= | grep -qv Z; then # ignore zombies
	pcscd --foreground >"$T/pcscd.log" 2>&1 &
	PCSCD_PID=$!
	sleep 1
fi
"$DANCU" gen --count 40 --seed 31 --out "$T/p.csv"
"$DANCU" import --quiet --db "$T/c.db" "$T/p.csv" 2>/dev/null
PIN=$(python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["status"] == "alive" and len(r["dob"]) == 10 and 1960 <= int(r["dob"][:4]) <= 1995 and r["sex"] in ("M", "F"):
        print(r["pin"]); break' "$T/p.csv")
for v in "apply --pin $PIN --kind first" "approve --id 1" "produce --id 1" "deliver --id 1"; do
	# shellcheck disable=SC2086
	"$DANCU" card $v --db "$T/c.db" >/dev/null || notok "card $v"
done
"$DANCU" pki init --dir "$T/pki" >/dev/null && "$DANCU" pki ds-new --dir "$T/pki" --name ds1 >/dev/null
"$DANCU" card chip-serve --db "$T/c.db" --id 1 --pki "$T/pki" 2>"$T/serve.log" &
CHIP_PID=$!
MRZ=$("$DANCU" card mrz --db "$T/c.db" --id 1)

for _ in $(seq 50); do
	"$DANCU" card verify --db "$T/c.db" --chip --reader any --mrz "$MRZ" --trust "$T/pki/trust" \
		>"$T/out" 2>"$T/err" && break
	grep -q "no card\|no reader" "$T/err" || break # only wait for the reader to appear
	sleep 0.2
done
if grep -q "no reader" "$T/err"; then
	# pcscd did not load the vpcd reader (e.g. its port is still held by an
	# earlier pcscd): an environment problem, not dancu's; say so.
	[ -f "$T/pcscd.log" ] && tail -n 15 "$T/pcscd.log" | sed 's/^/#   pcscd: /'
	echo "ok pcsc: PC/SC end-to-end skipped (pcscd shows no vpcd reader after 10 s) # SKIP"
	kill "$CHIP_PID" 2>/dev/null
	[ -n "$PCSCD_PID" ] && kill "$PCSCD_PID"
	finish
fi
check "pcsc: verify --chip --reader passes through pcscd + vpcd" grep -q '"status":"ok".*"valid":true' "$T/out"
if ! grep -q '"status":"ok"' "$T/out"; then
	sed 's/^/#   /' "$T/err" "$T/serve.log"
fi
check "pcsc: … PACE, chip and active authentication passed" \
	grep -q '"access":"pace","pace":"passed","secure_messaging":"aes128","chip_auth":{"result":"passed".*"active_auth":{"result":"passed"' "$T/out"
check "pcsc: … passive authentication and register both passed" \
	grep -q "\"passive_auth\":{\"passed\":true.*\"register\":{\"valid\":true,\"pin\":\"$PIN\"" "$T/out"
expect_exit 1 "pcsc: a wrong PACE password is refused over PC/SC" \
	"$DANCU" card verify --db "$T/c.db" --chip --reader "Virtual PCD 00 00" \
	--mrz $'I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<' \
	--trust "$T/pki/trust"
check "pcsc: … as pace_failed" grep -q '"status":"pace_failed"' "$T/out"
expect_exit 0 "pcsc: the named reader works after a failed PACE" \
	"$DANCU" card verify --db "$T/c.db" --chip --reader "Virtual PCD 00 00" --mrz "$MRZ" \
	--trust "$T/pki/trust"
kill "$CHIP_PID" 2>/dev/null
wait "$CHIP_PID" 2>/dev/null
[ -n "$PCSCD_PID" ] && kill "$PCSCD_PID" && wait "$PCSCD_PID" 2>/dev/null
finish
