#!/bin/bash
# HTTP benchmarks with wrk, side by side in one run: nginx answering a fixed
# JSON body with `return 200` (the HTTP ceiling of this machine), dancu's
# lookup by ID (an audited, purpose-bound read of a 1M register) and
# dancu's stay notifications (durable writes: one guest per request, and
# 50 guests per request). 64 connections, keep-alive.
#   bench_http.sh BUILD DB RESULTS.md
# The server, wrk and nginx share this machine's cores: compare ratios.
set -euo pipefail
B=$1
DB=$2
res=$3
DANCU="$B/dancu"
work=$(mktemp -d /tmp/dancu-bench-http.XXXXXX)
DUR=${DANCU_BENCH_SECONDS:-10}
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

. "$(dirname "$0")/bench_lib.sh"

# nginx: the ceiling.
nginx_start "$work/nginx" '{"pin":"001099012345","birth_name":"Nguyễn Văn An","dob":"1999-03-15","sex":"M","status":"alive"}'
pids+=("$NGINX_PID")
np=$NGINX_PORT
wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$np/" >"$work/nginx.txt"
read -r ng_rps ng_p50 ng_p99 < <(summary "$work/nginx.txt")

# dancu on the imported register, with an officer.
cp "$DB" "$work/reg.db"
key="$work/k.key"
sec=$(echo "a long enough passphrase" | "$DANCU" officer add --db "$work/reg.db" --master-key "$key" \
	--id bench --name Bench --role national_admin --jurisdiction VN | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
dp=$(free_port)
"$DANCU" serve --db "$work/reg.db" --master-key "$key" --port "$dp" --access-log '' 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/serve.err" && break; sleep 0.1; done
URL="http://127.0.0.1:$dp"
tok=$(curl -s -X POST "$URL/api/v1/login" -d "{\"officer\":\"bench\",\"password\":\"a long enough passphrase\",\"totp\":\"$(oathtool --totp -b "$sec")\"}" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
sqlite3 "$work/reg.db" "SELECT pin FROM citizen ORDER BY random() LIMIT 20000" >"$work/pins"
cat >"$work/lookup.lua" <<LUA
local pins = {}
for l in io.lines("$work/pins") do pins[#pins + 1] = l end
wrk.headers["Authorization"] = "Bearer $tok"
request = function()
  return wrk.format("GET", "/api/v1/citizens/" .. pins[math.random(#pins)] .. "?purpose=verification")
end
LUA
wrk -t2 -c64 -d"${DUR}s" --latency -s "$work/lookup.lua" "$URL" >"$work/lookup.txt"
read -r lk_rps lk_p50 lk_p99 < <(summary "$work/lookup.txt")
errs=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/lookup.txt" | grep -o '[0-9]*$' || echo 0)

# Stay notifications: a hotel's key.
curl -s -X POST "$URL/api/v1/businesses" -H "Authorization: Bearer $tok" \
	-d '{"id":"bench.hotel","name":"Bench Hotel","commune":"00004","kind":"hotel"}' >"$work/biz"
apikey=$(grep -o '"api_key":"[^"]*"' "$work/biz" | cut -d'"' -f4)
at=$(TZ=Asia/Ho_Chi_Minh date +%FT%H:%M)
for per in 1 50; do
	cat >"$work/stay$per.lua" <<LUA
local pins = {}
for l in io.lines("$work/pins") do pins[#pins + 1] = l end
wrk.method = "POST"
wrk.headers["X-Api-Key"] = "$apikey"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local g = {}
  for i = 1, $per do
    g[i] = '{"event":"arrival","pin":"' .. pins[math.random(#pins)] .. '","at":"$at","room":"' .. i .. '"}'
  end
  return wrk.format(nil, "/api/v1/stays", nil, '{"guests":[' .. table.concat(g, ",") .. ']}')
end
LUA
	wrk -t2 -c64 -d"${DUR}s" --latency -s "$work/stay$per.lua" "$URL" >"$work/stay$per.txt"
done
read -r s1_rps s1_p50 s1_p99 < <(summary "$work/stay1.txt")
read -r s50_rps s50_p50 s50_p99 < <(summary "$work/stay50.txt")
stored=$(sqlite3 "$work/reg.db" "SELECT count(*) FROM stay")

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
	echo
	echo "HTTP, wrk -t2 -c64 -d${DUR}s keep-alive, server and wrk on the same $(nproc) cores:"
	echo
	echo "| endpoint | req/s | p50 | p99 | ratio to nginx |"
	echo "|---|---|---|---|---|"
	echo "| nginx \`return 200\` fixed JSON (ceiling) | $ng_rps | $ng_p50 | $ng_p99 | 1.00 |"
	echo "| dancu GET /api/v1/citizens/{pin} (audited read) | $lk_rps | $lk_p50 | $lk_p99 | $(ratio "$lk_rps" "$ng_rps") |"
	echo "| dancu POST /api/v1/stays, 1 guest per request | $s1_rps | $s1_p50 | $s1_p99 | $(ratio "$s1_rps" "$ng_rps") |"
	echo "| dancu POST /api/v1/stays, 50 guests per request | $s50_rps ($(awk "BEGIN{printf \"%.0f\", $s50_rps * 50}") guests/s) | $s50_p50 | $s50_p99 | $(ratio "$s50_rps" "$ng_rps") |"
	echo
	echo "Lookups answered non-2xx: $errs. Stays stored: $stored."
} >>"$res"
