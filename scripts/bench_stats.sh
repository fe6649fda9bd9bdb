#!/bin/bash
# Dashboard benchmark: GET /api/v1/stats (every section) on an imported
# register, cold (first request after the server starts, with the OS page
# cache dropped when this user may) and warm (median and worst of 10), side
# by side with the peer in the same run: the independent full count of the
# same per-commune figures (`dancu stats check`, which scans the citizen and
# card tables, i.e. what the dashboard computed before the counters).
#   bench_stats.sh BUILD STORE-ARG STORE RESULTS.md LABEL
#   STORE-ARG is --db (SQLite file) or --pg (conninfo). The store must hold
#   the imported register; officers "benchstats…" (national) and
#   "benchprov…" (province officer of DANCU_BENCH_PROVINCE, default 01) are
#   added to it.
# DANCU_BENCH_STATS_FILL=1 (set by bench.sh with DANCU_BENCH_BIG=1) first
# fills the companion tables in bulk SQL, in proportion to the register:
# e-ID accounts for 60 % of the citizens (states spread over submitted /
# approved / active / locked / rejected), stays for 50 % over 30 days (one
# in ten late), dossiers for 10 % (70 % online, six services), and 50
# organisations' verification usage over 30 days; the e-ID and dossier
# counters are kept by their triggers during the fill, the stay counters
# (kept by the stay report, not by bulk SQL) by `dancu stats rebuild`,
# which is timed too. A dossier's and a stay's commune is the person's
# commune of permanent residence (its province from data/admin-units-2025.csv).
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
prov=${DANCU_BENCH_PROVINCE:-01}
psec=$(echo "a long enough passphrase" | "$DANCU" officer add "$SA" "$ST" --master-key "$key" \
	--id "benchprov$$" --name Bench --role province_officer --jurisdiction "$prov" | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
sql() { if [ "$SA" = --db ]; then sqlite3 -batch "$ST" "$1"; else psql "$ST" -qAtc "$1"; fi; }
citizens=$(sql "SELECT count(*) FROM citizen")

fill_note=""
if [ "${DANCU_BENCH_STATS_FILL:-0}" = 1 ] && [ "$(sql "SELECT count(*) FROM eid_account")" = 0 ]; then
	if [ "$SA" = --db ]; then
		day="strftime('%Y-%m-%d', 'now', '-' || (CAST(substr(pin, 10, 3) AS INTEGER) % 30) || ' days')"
		series="WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1499) SELECT i FROM n"
		pre="PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	else
		day="to_char(current_date - (CAST(substr(pin, 10, 3) AS INTEGER) % 30), 'YYYY-MM-DD')"
		series="SELECT generate_series(0, 1499) AS i"
		pre=""
	fi
	e=$((citizens * 6 / 10)) st=$((citizens / 2)) d=$((citizens / 10))
	# commune → province, from the published unit list, for the session
	units=$(python3 -c "
import csv, sys
print(', '.join(f\"('{r['commune_code']}', '{r['province_code']}')\" for r in csv.DictReader(open(sys.argv[1]))))" "$(dirname "$0")/../data/admin-units-2025.csv")
	unit_tab="CREATE TEMP TABLE bench_unit (commune TEXT PRIMARY KEY, province TEXT NOT NULL); INSERT INTO bench_unit VALUES $units;"
	t0=$(now)
	sql "$pre BEGIN;
INSERT INTO eid_account (pin, level, state, phone, created_ms) SELECT pin, 2, CASE substr(pin, 12, 1) WHEN '0' THEN 'submitted' WHEN '1' THEN 'approved' WHEN '2' THEN 'locked' WHEN '3' THEN 'rejected' ELSE 'active' END, '0' || pin, 0 FROM citizen WHERE status = 'alive' LIMIT $e;
COMMIT;" >/dev/null
	t1=$(now)
	sql "$pre $unit_tab BEGIN;
INSERT INTO svc_dossier (id, service, applicant, channel, state, commune, province, queue, data_json, prefill_json, submitted_ms, deadline_ms) SELECT 'BENCH' || pin, CASE substr(pin, 11, 1) WHEN '0' THEN 'perm_register' WHEN '1' THEN 'perm_register' WHEN '2' THEN 'birth_register' WHEN '3' THEN 'death_register' WHEN '4' THEN 'health_insurance' ELSE 'temp_register' END, pin, CASE WHEN substr(pin, 12, 1) IN ('0', '1', '2') THEN 'offline' ELSE 'online' END, 'submitted', perm_commune, u.province, 'commune', '{}', '{}', 0, 0 FROM citizen JOIN bench_unit u ON u.commune = perm_commune LIMIT $d;
COMMIT;" >/dev/null
	t2=$(now)
	sql "$pre $unit_tab BEGIN;
INSERT INTO stay (business_id, commune, province, pin, arrival_ms, arrival_day, notified_ms, late, in_register) SELECT 'bench.' || substr(pin, 7, 4), perm_commune, u.province, pin, 0, $day, 0, CASE WHEN substr(pin, 12, 1) = '9' THEN 1 ELSE 0 END, 1 FROM citizen JOIN bench_unit u ON u.commune = perm_commune LIMIT $st;
INSERT INTO verify_usage (org_id, day, requests, rows_n, full_match, not_found, refused) SELECT 'bench-org-' || (i % 50), 'D' || (i / 50), 1000 + i, 100000 + i, 90000 + i, 5000, 100 FROM ($series) s;
COMMIT;" >/dev/null
	t3=$(now)
	"$DANCU" stats rebuild "$SA" "$ST"
	t4=$(now)
	fill_note="Companion tables filled in bulk SQL: $(sql "SELECT count(*) FROM eid_account") e-ID accounts in $(ms "$t0" "$t1") ms (with the counter triggers), $(sql "SELECT count(*) FROM svc_dossier") dossiers in $(ms "$t1" "$t2") ms (with triggers), $(sql "SELECT count(*) FROM stay") stays and $(sql "SELECT count(*) FROM verify_usage") verification-usage rows in $(ms "$t2" "$t3") ms; \`dancu stats rebuild\` (every counter, one transaction) $(ms "$t3" "$t4") ms."
	echo "$fill_note" >&2
fi

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
login() { curl -s -X POST "$URL/api/v1/login" -d "{\"officer\":\"$1\",\"password\":\"a long enough passphrase\",\"totp\":\"$(oathtool --totp -b "$2")\"}" | grep -o '"token":"[^"]*"' | cut -d'"' -f4; }
tok=$(login "benchstats$$" "$sec")
ptok=$(login "benchprov$$" "$psec")
get() { curl -s -o "$work/body" -w '%{time_total}' "$URL/api/v1/stats" -H "Authorization: Bearer $1"; }
cold=$(get "$tok" | awk '{printf "%.0f", $1 * 1000}')
grep -q '"quality":\[{' "$work/body" || { echo "bench_stats: no quality rows: $(head -c 300 "$work/body")" >&2; exit 1; }
cp "$work/body" "$work/national.json"
# the province officer's first request (the national one has warmed the
# counter tables, so this is not cold)
pfirst=$(get "$ptok" | awk '{printf "%.0f", $1 * 1000}')
grep -q "\"area\":\"$prov\"" "$work/body" || { echo "bench_stats: province answer: $(head -c 300 "$work/body")" >&2; exit 1; }
for i in $(seq 10); do get "$tok" | awk '{printf "%.0f\n", $1 * 1000}'; done | sort -n >"$work/warm"
warm_med=$(sed -n 5p "$work/warm")
warm_max=$(tail -n 1 "$work/warm")
for i in $(seq 10); do get "$ptok" | awk '{printf "%.0f\n", $1 * 1000}'; done | sort -n >"$work/pwarm"
pwarm_med=$(sed -n 5p "$work/pwarm")
pwarm_max=$(tail -n 1 "$work/pwarm")
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo
	echo "Dashboard, $label, $citizens citizens, $(date -u '+%F %H:%M') UTC, load average before: $load:"
	echo
	echo "| GET /api/v1/stats (all sections) | dancu | peer: full count (\`dancu stats check\`) | ratio |"
	echo "|---|---|---|---|"
	echo "| cold (page cache $cache / $cache_peer) | ${cold} ms | ${peer_cold} ms | $(awk "BEGIN{printf \"%.4f\", $cold / $peer_cold}") |"
	echo "| warm, median of 10 (worst) | ${warm_med} ms (${warm_max} ms) | ${peer_warm} ms | $(awk "BEGIN{printf \"%.4f\", $warm_med / ($peer_warm > 0 ? $peer_warm : 1)}") |"
	echo "| province officer ($prov), first request | ${pfirst} ms | | |"
	echo "| province officer, warm median of 10 (worst) | ${pwarm_med} ms (${pwarm_max} ms) | | |"
	[ -z "$fill_note" ] || { echo; echo "$fill_note"; }
	echo
	echo "Companion tables: $(sql "SELECT count(*) FROM eid_account") e-ID accounts, $(sql "SELECT count(*) FROM svc_dossier") dossiers, $(sql "SELECT count(*) FROM stay") stays, $(sql "SELECT count(*) FROM verify_usage") verification-usage rows."
} | tee -a "$res"
