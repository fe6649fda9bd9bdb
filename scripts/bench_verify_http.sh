#!/bin/bash
# 1:1 verification over HTTP keep-alive (docs/PERFORMANCE.md): wrk against
# `dancu serve` POSTing /api/v1/verify with a fresh transaction id per
# request and a random citizen's name, date of birth and sex, then wrk
# against nginx answering `return 200` on the same machine in the same run
# (the ceiling of an HTTP server doing nothing).
#   scripts/bench_verify_http.sh [BUILD]   DANCU_BENCH_N (register size,
#   default 1,000,000; reuses bench-out/verify/ from bench_verify.sh)
#   WRK_CONNS=64 WRK_SECS=10
set -euo pipefail
B=${1:-build}
DANCU="$PWD/$B/dancu"
out=$PWD/bench-out/verify-http
reg=$PWD/bench-out/verify
N=${DANCU_BENCH_N:-1000000}
C=${WRK_CONNS:-64}
S=${WRK_SECS:-10}
mkdir -p "$out"
rm -rf "${out:?}"/*
if [ ! -f "$reg/cli.db" ]; then
	mkdir -p "$reg"
	"$DANCU" gen --count "$N" --seed 5 --out "$reg/pop.csv"
	"$DANCU" import --quiet --db "$reg/cli.db" "$reg/pop.csv"
fi
cp "$reg/cli.db" "$out/r.db"
rm -f "$out/r.db-wal" "$out/r.db-shm"
"$DANCU" org add --db "$out/r.db" --id bench-http --name Bench --fields name,dob,sex \
	--purposes account_opening >/dev/null 2>&1 || true
KEY=$("$DANCU" org key-add --db "$out/r.db" --id bench-http | tail -n 1)
awk -F, 'NR > 1 && NR <= 20001 && $4 == "alive" {printf "%s|%s|%s|%s\n", $1, $7, $2, $3}' \
	"$reg/pop.csv" >"$out/people.txt"
cat >"$out/verify.lua" <<LUA
local people = {}
for line in io.lines("$out/people.txt") do people[#people + 1] = line end
local counter = 0
-- tid is a global: setup() gives each thread its own through thread:set
tid = 0
local n = 0
function setup(thread) n = n + 1; thread:set("tid", n) end
function init(args) math.randomseed(os.time() * 16 + tid) end
request = function()
	counter = counter + 1
	local p = people[math.random(#people)]
	local pin, name, dob, sex = p:match("([^|]*)|([^|]*)|([^|]*)|([^|]*)")
	local body = string.format('{"txn":"w%d-%d-%d","timestamp":%d,"purpose":"account_opening",' ..
		'"id_number":"%s","claims":{"name":"%s","dob":"%s","sex":"%s"}}',
		tid, os.time(), counter, os.time() * 1000, pin, name, dob, sex)
	return wrk.format("POST", "/api/v1/verify",
		{["Authorization"] = "ApiKey $KEY", ["Content-Type"] = "application/json"}, body)
end
LUA
port=$((20000 + RANDOM % 20000))
"$DANCU" serve --port "$port" --threads "${DANCU_THREADS:-$(nproc)}" --db "$out/r.db" --master-key "$out/k.key" \
	--access-log '' 2>"$out/serve.err" &
pid=$!
sleep 1
curl -s -o /dev/null -w '%{http_code}\n' -X POST "http://127.0.0.1:$port/api/v1/verify" \
	-H "Authorization: ApiKey $KEY" -d "{\"txn\":\"warm\",\"timestamp\":$(date +%s%3N),\"purpose\":\"account_opening\",\"id_number\":\"$(head -1 "$out/people.txt" | cut -d'|' -f1)\",\"claims\":{\"sex\":\"M\"}}"
wrk -t2 -c"$C" -d"${S}s" --latency -s "$out/verify.lua" "http://127.0.0.1:$port" >"$out/dancu.txt"
kill -TERM $pid
wait $pid || true
nport=$((port + 1))
mkdir -p "$out/nginx"
cat >"$out/nginx/nginx.conf" <<NGX
worker_processes $(nproc);
pid $out/nginx/nginx.pid;
error_log $out/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	server { listen 127.0.0.1:$nport; location / { return 200 "ok"; } }
}
NGX
nginx -c "$out/nginx/nginx.conf" -p "$out/nginx"
sleep 0.5
wrk -t2 -c"$C" -d"${S}s" --latency "http://127.0.0.1:$nport/" >"$out/nginx.txt"
kill "$(cat "$out/nginx/nginx.pid")"
rps() { grep 'Requests/sec' "$1" | awk '{print $2}'; }
p99() { grep -E '^ +99%' "$1" | awk '{print $2}'; }
non2xx() { grep -o 'Non-2xx or 3xx responses: [0-9]*' "$1" | grep -o '[0-9]*$' || echo 0; }
{
	echo "### 1:1 verification over HTTP, $(date -u +%F), register of $(sqlite3 "$out/r.db" 'select count(*) from citizen'), $C connections, ${S}s"
	echo
	echo "| | dancu POST /api/v1/verify | nginx return 200 | ratio |"
	echo "|---|---|---|---|"
	echo "| requests/s | $(rps "$out/dancu.txt") | $(rps "$out/nginx.txt") | **$(awk "BEGIN{printf \"%.3f\", $(rps "$out/dancu.txt") / $(rps "$out/nginx.txt")}")×** |"
	echo "| p99 latency | $(p99 "$out/dancu.txt") | $(p99 "$out/nginx.txt") | |"
	echo "| non-2xx answers | $(non2xx "$out/dancu.txt") | $(non2xx "$out/nginx.txt") | |"
} | tee "$out/results.md"
