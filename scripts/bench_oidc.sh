#!/bin/bash
# Benchmark of the OpenID Connect provider on SQLite: password logins/s
# (argon2id at OWASP parameters) and code → token + userinfo exchanges/s.
#   scripts/bench_oidc.sh [N] [THREADS]    (needs scripts/deps.sh test)
set -euo pipefail
N=${1:-100}
THREADS=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
D="$root/build/dancu"
T=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$T"' EXIT
export DANCU_OIDC_KEYS="$T/keys"
"$D" gen --count 100 --seed 5 --out "$T/p.csv"
"$D" import --quiet --db "$T/b.db" "$T/p.csv"
pin=$(awk -F, 'NR>1 && $4=="alive" && substr($2,1,4)<"2000" {print $1; exit}' "$T/p.csv")
"$D" eid register --db "$T/b.db" --pin "$pin" --level 2 --phone 0912000001 --face f --officer x >/dev/null
"$D" eid approve --db "$T/b.db" --pin "$pin" >/dev/null
"$D" eid outbox --db "$T/b.db" --sms-file "$T/sms" >/dev/null
printf 'Matkhau@2026\n583920\n' | "$D" eid activate --db "$T/b.db" --pin "$pin" \
	--otp "$(grep -o 'OTP): [0-9]*' "$T/sms" | cut -d' ' -f2)" >/dev/null
secret=$("$D" oidc client add --db "$T/b.db" --id bench --redirect-uri http://127.0.0.1:9/cb | grep -o 'once): .*' | cut -d' ' -f2)
"$D" serve --db "$T/b.db" --port 0 --threads "$THREADS" --master-key "$T/k.key" --access-log '' 2>"$T/serve.err" &
PID=$!
URL=""
for _ in $(seq 50); do
	URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1) && [ -n "$URL" ] && break
	sleep 0.1
done
echo "# $(nproc) cores, server threads $THREADS, $(date -u +%FT%TZ)"
for conc in 1 "$THREADS"; do
	node "$root/tests/node/oidc_bench.mjs" "$URL" bench "$secret" http://127.0.0.1:9/cb "$pin" 'Matkhau@2026' "$N" "$conc"
done
