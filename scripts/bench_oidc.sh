#!/bin/bash
# Benchmark of the OpenID Connect provider on SQLite, side by side with npm
# oidc-provider (node) in the same run: logins/s (dancu: argon2id at OWASP
# parameters on the bounded hash threads) and code → token + userinfo
# exchanges/s; then a login flood past the hash queue's bound (429s, event
# loop latency meanwhile).
#   scripts/bench_oidc.sh [N] [THREADS]    (needs scripts/deps.sh bench)
#   OIDC_ONLY_EXCHANGE=1 scripts/bench_oidc.sh ...   stop after the exchanges
#   BENCH_PG=1 scripts/bench_oidc.sh ...   the same with dancu on a throw-away
#                                          PostgreSQL server (durable settings)
set -euo pipefail
N=${1:-100}
THREADS=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
D="$root/build/dancu"
T=$(mktemp -d)
PID="" PEER="" PID1=""
trap 'kill $PID $PEER $PID1 2>/dev/null || true; [ -d "$T/pg" ] && "$root/scripts/pg.sh" stop "$T/pg" >/dev/null 2>&1; rm -rf "$T"' EXIT
export DANCU_OIDC_KEYS="$T/keys"
if [ ! -d "$root/bench/node/node_modules/oidc-provider" ]; then
	(cd "$root/bench/node" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
S=(--db "$T/b.db")
STORE=SQLite
if [ "${BENCH_PG:-0}" = 1 ]; then
	chmod 755 "$T" # the server runs as the postgres user when we are root
	S=(--pg "$(PG_DURABLE=1 "$root/scripts/pg.sh" start "$T/pg")")
	STORE=PostgreSQL
fi
"$D" gen --count 100 --seed 5 --out "$T/p.csv"
"$D" import --quiet "${S[@]}" "$T/p.csv"
pin=$(awk -F, 'NR>1 && $4=="alive" && substr($2,1,4)<"2000" {print $1; exit}' "$T/p.csv")
"$D" eid register "${S[@]}" --pin "$pin" --level 2 --phone 0912000001 --face f --officer x >/dev/null
"$D" eid approve "${S[@]}" --pin "$pin" >/dev/null
"$D" eid outbox "${S[@]}" --sms-file "$T/sms" >/dev/null
printf 'Matkhau@2026\n583920\n' | "$D" eid activate "${S[@]}" --pin "$pin" \
	--otp "$(grep -o 'OTP): [0-9]*' "$T/sms" | cut -d' ' -f2)" >/dev/null
secret=$("$D" oidc client add "${S[@]}" --id bench --redirect-uri http://127.0.0.1:9/cb | grep -o 'once): .*' | cut -d' ' -f2)
"$D" serve "${S[@]}" --port 0 --threads "$THREADS" --hash-threads "$THREADS" \
	--master-key "$T/k.key" --access-log '' 2>"$T/serve.err" &
PID=$!
node "$root/bench/node/oidc_peer.mjs" bench "$secret" http://127.0.0.1:9/cb >"$T/peer.out" 2>/dev/null &
PEER=$!
URL="" PURL=""
for _ in $(seq 100); do
	URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1) || true
	PURL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/peer.out" | head -n 1) || true
	[ -n "$URL" ] && [ -n "$PURL" ] && break
	sleep 0.1
done
echo "# $STORE, $(nproc) cores, dancu --threads $THREADS --hash-threads $THREADS, oidc-provider $(node -p "require('$root/bench/node/node_modules/oidc-provider/package.json').version") on node $(node --version) (one process), $(date -u +%FT%TZ)"
for conc in 1 "$THREADS" 8; do
	echo "## in flight $conc"
	echo "dancu:"
	SERVER_PID=$PID node "$root/bench/node/oidc_bench.mjs" "$URL" bench "$secret" http://127.0.0.1:9/cb "$pin" 'Matkhau@2026' "$N" "$conc"
	echo "oidc-provider:"
	SERVER_PID=$PEER node "$root/bench/node/oidc_bench.mjs" "$PURL" bench "$secret" http://127.0.0.1:9/cb peer x "$N" "$conc"
done
# The same exchanges driven by a relying party in C (bench/oidc_rp.c: one
# thread and keep-alive connection per exchange in flight), which costs far
# less CPU than node's fetch: on a small machine the node client is the
# bottleneck of the wall-clock rate above. The codes come from node logins.
if [ -x "$root/build/bench/oidc_rp" ]; then
	for conc in 1 "$THREADS" 8; do
		echo "## C relying party, in flight $conc"
		CODES_OUT="$T/codes.d" node "$root/bench/node/oidc_bench.mjs" "$URL" bench "$secret" \
			http://127.0.0.1:9/cb "$pin" 'Matkhau@2026' "$N" "$conc" >/dev/null
		CODES_OUT="$T/codes.p" node "$root/bench/node/oidc_bench.mjs" "$PURL" bench "$secret" \
			http://127.0.0.1:9/cb peer x "$N" "$conc" >/dev/null
		echo "dancu:"
		SERVER_PID=$PID "$root/build/bench/oidc_rp" "$T/codes.d" "$conc"
		echo "oidc-provider:"
		SERVER_PID=$PEER "$root/build/bench/oidc_rp" "$T/codes.p" "$conc"
	done
fi
[ "${OIDC_ONLY_EXCHANGE:-0}" = 1 ] && exit 0
# Logins per core: a second server pinned to core 0 with one event loop and
# one hash thread, the load generator pinned to core 1 (argon2id at OWASP
# parameters: 19 MiB, 2 passes, 1 lane). Wall-clock rate, and the rate per
# second of the server's CPU time (the same when core 0 is otherwise idle).
if [ "$(nproc)" -ge 2 ]; then
	taskset -c 0 "$D" serve "${S[@]}" --port 0 --threads 1 --hash-threads 1 \
		--master-key "$T/k.key" --access-log '' 2>"$T/serve1.err" &
	PID1=$!
	URL1=""
	for _ in $(seq 100); do
		URL1=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve1.err" | head -n 1) || true
		[ -n "$URL1" ] && break
		sleep 0.1
	done
	echo "## logins per core (server on core 0: --threads 1 --hash-threads 1; client on core 1)"
	for conc in 1 2 4; do
		SERVER_PID=$PID1 taskset -c 1 node "$root/bench/node/oidc_bench.mjs" "$URL1" bench "$secret" \
			http://127.0.0.1:9/cb "$pin" 'Matkhau@2026' "$N" "$conc" | grep '^logins'
	done
	kill $PID1 2>/dev/null || true
	wait $PID1 2>/dev/null || true
	PID1=""
fi
echo "## past saturation (hash queue: 8 per thread; unknown ID numbers, so no lockout)"
FLOOD=1 node "$root/bench/node/oidc_bench.mjs" "$URL" bench "$secret" http://127.0.0.1:9/cb 000000000000 'wrong password' $((N * 4)) 128
