#!/bin/bash
# Dashboard benchmark: GET /api/v1/stats (every section) on an imported
# register, cold (first request after the server starts, with the OS page
# cache dropped when this user may) and warm (median and worst of 10), side
# by side with the peer in the same run: the independent full count of the
# same per-commune figures (`dancu stats check`, which scans the citizen and
# card tables, i.e. what the dashboard computed before the counters).
#   bench_stats.sh BUILD STORE-ARG STORE RESULTS.md LABEL
#   STORE-ARG is --db (SQLite file) or --pg (conninfo). The store must hold
#   the imported register; an officer "benchstats" is added to it.
set -euo pipefail
B=$1
SA=$2
ST=$3
res=$4
label=$5
DANCU="$B/dancu"
work=$(mktemp -d /tmp/dancu-bench-stats.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
ms() { awk "BEGIN{printf \"%.0f\", ($2 - $1) * 1000}"; }
drop_cache() { sync; echo 1 >/proc/sys/vm/drop_caches 2>/dev/null && echo dropped || echo "not dropped"; }

key="$work/k.key"
sec=$(echo "a long enough passphrase" | "$DANCU" officer add "$SA" "$ST" --master-key "$key" \
	--id "benchstats$$" --name Bench --role national_admin --jurisdiction VN | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
citizens=$(if [ "$SA" = --db ]; then sqlite3 "$ST" "SELECT count(*) FROM citizen"; else psql "$ST" -qAtc "SELECT count(*) FROM citizen"; fi)

# The peer: the independent count (a full scan), cold then warm.
cache_peer=$(drop_cache)
t0=$(now)
"$DANCU" stats check "$SA" "$ST" >"$work/check.txt" || { echo "bench_stats: counters drifted:" >&2; cat "$work/check.txt" >&2; exit 1; }
t1=$(now)
peer_cold=$(ms "$t0" "$t1")
t0=$(now)
"$DANCU" stats check "$SA" "$ST" >/dev/null
t1=$(now)
peer_warm=$(ms "$t0" "$t1")

cache=$(drop_cache)
port=$(free_port)
"$DANCU" serve "$SA" "$ST" --master-key "$key" --port "$port" --access-log '' 2>"$work/serve.err" &
pid=$!
for _ in $(seq 300); do grep -q listening "$work/serve.err" && break; sleep 0.1; done
URL="http://127.0.0.1:$port"
tok=$(curl -s -X POST "$URL/api/v1/login" -d "{\"officer\":\"benchstats$$\",\"password\":\"a long enough passphrase\",\"totp\":\"$(oathtool --totp -b "$sec")\"}" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
get() { curl -s -o "$work/body" -w '%{time_total}' "$URL/api/v1/stats" -H "Authorization: Bearer $tok"; }
cold=$(get | awk '{printf "%.0f", $1 * 1000}')
grep -q '"quality":\[{' "$work/body" || { echo "bench_stats: no quality rows: $(head -c 300 "$work/body")" >&2; exit 1; }
for i in $(seq 10); do get | awk '{printf "%.0f\n", $1 * 1000}'; done | sort -n >"$work/warm"
warm_med=$(sed -n 5p "$work/warm")
warm_max=$(tail -n 1 "$work/warm")
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo
	echo "Dashboard, $label, $citizens citizens, $(date -u '+%F %H:%M') UTC, load average before: $load:"
	echo
	echo "| GET /api/v1/stats (all sections) | dancu | peer: full count (\`dancu stats check\`) | ratio |"
	echo "|---|---|---|---|"
	echo "| cold (page cache $cache / $cache_peer) | ${cold} ms | ${peer_cold} ms | $(awk "BEGIN{printf \"%.4f\", $cold / $peer_cold}") |"
	echo "| warm, median of 10 (worst) | ${warm_med} ms (${warm_max} ms) | ${peer_warm} ms | $(awk "BEGIN{printf \"%.4f\", $warm_med / ($peer_warm > 0 ? $peer_warm : 1)}") |"
} | tee -a "$res"
