#!/bin/bash
# QR verification throughput over HTTP (issue 4, docs/PERFORMANCE.md): wrk
# POSTing the QR payloads of real issued cards (applied, approved, produced
# and delivered through the API) to /api/v1/verify/qr — every request a
# full check against the register plus its hash-chained audit entry — then
# wrk against nginx answering `return 200` on the same machine in the same
# run (the ceiling of an HTTP server doing nothing). Reports the ratio.
# Then the kiosk path for chips: POST /api/v1/verify/chip with the files a
# reader got from the software chips of DANCU_BENCH_CHIPS of those cards
# (PACE, chip and active authentication done by the reader), each request
# passive authentication + register check + audit, against the same nginx.
#   scripts/bench_qr_http.sh [BUILD] [RESULTS.md]
#   DANCU_BENCH_QR_PEOPLE=3000 DANCU_BENCH_QR_CARDS=300 DANCU_BENCH_SECONDS=10 WRK_CONNS=64
set -euo pipefail
B=${1:-build}
res=${2:-}
DANCU="$PWD/$B/dancu"
P=${DANCU_BENCH_QR_PEOPLE:-3000}
NC=${DANCU_BENCH_QR_CARDS:-300}
NCHIP=${DANCU_BENCH_CHIPS:-40}
DUR=${DANCU_BENCH_SECONDS:-10}
C=${WRK_CONNS:-64}
work=$(mktemp -d /tmp/dancu-bench-qr.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
. "$(dirname "$0")/bench_lib.sh"

"$DANCU" gen --count "$P" --seed 41 --out "$work/pop.csv"
"$DANCU" import --quiet --db "$work/reg.db" "$work/pop.csv" 2>/dev/null
key="$work/k.key"
sec=$(echo "a long enough passphrase" | "$DANCU" officer add --db "$work/reg.db" --master-key "$key" \
	--id bench --name Bench --role national_admin --jurisdiction VN | grep -o 'app): [A-Z2-7]*' | cut -d' ' -f2)
"$DANCU" pki init --dir "$work/pki" >/dev/null
"$DANCU" pki ds-new --dir "$work/pki" --name ds1 >/dev/null
dp=$(free_port)
DANCU_CARD_TRUST="$work/pki/trust" "$DANCU" serve --db "$work/reg.db" --master-key "$key" --port "$dp" --threads "$(nproc)" \
	--access-log '' 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/serve.err" && break; sleep 0.1; done
URL="http://127.0.0.1:$dp"
tok=$(curl -s -X POST "$URL/api/v1/login" -d "{\"officer\":\"bench\",\"password\":\"a long enough passphrase\",\"totp\":\"$(oathtool --totp -b "$sec")\"}" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)

# issue NC cards through the API (one keep-alive connection)
sqlite3 "$work/reg.db" "SELECT pin FROM citizen WHERE status = 'alive' ORDER BY pin LIMIT $((NC * 2))" >"$work/pins"
python3 - "$dp" "$tok" "$work/pins" "$NC" <<'PY'
import http.client, json, sys
port, tok, pins, want = int(sys.argv[1]), sys.argv[2], open(sys.argv[3]).read().split(), int(sys.argv[4])
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
def post(path, body=None):
    c.request("POST", path, json.dumps(body) if body is not None else "", h)
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"{}")
done = 0
for p in pins:
    if done >= want:
        break
    s, b = post("/api/v1/cards", {"pin": p, "kind": "first"})
    if s != 201:
        continue
    ok = all(post("/api/v1/cards/%d/%s" % (b["id"], v))[0] == 200 for v in ("approve", "produce", "deliver"))
    done += ok
print("issued", done, "cards", file=sys.stderr)
PY
sqlite3 "$work/reg.db" "SELECT qr FROM card WHERE state = 'delivered'" >"$work/qr.txt"
ncards=$(wc -l <"$work/qr.txt")
cat >"$work/qr.lua" <<LUA
local qr = {}
for l in io.lines("$work/qr.txt") do qr[#qr + 1] = l end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $tok"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local p = qr[math.random(#qr)]:gsub('\\\\', '\\\\\\\\'):gsub('"', '\\\\"')
  return wrk.format(nil, "/api/v1/verify/qr", nil, '{"payload":"' .. p .. '","purpose":"verification"}')
end
LUA
# one request by hand: it must be a valid card
curl -s -X POST "$URL/api/v1/verify/qr" -H "Authorization: Bearer $tok" \
	-d "$(python3 -c 'import json,sys; print(json.dumps({"payload": open(sys.argv[1]).readline().rstrip("\n"), "purpose": "verification"}))' "$work/qr.txt")" |
	grep -q '"valid":true' || { echo "bench_qr_http: the first QR does not verify" >&2; exit 1; }
wrk -t2 -c"$C" -d"${DUR}s" --latency -s "$work/qr.lua" "$URL" >"$work/dancu.txt"
read -r d_rps d_p50 d_p99 < <(summary "$work/dancu.txt")
d_bad=$(non2xx "$work/dancu.txt")

# the chip kiosk path: what the reader read from NCHIP software chips
mkdir -p "$work/chips"
for id in $(sqlite3 "$work/reg.db" "SELECT id FROM card WHERE state = 'delivered' LIMIT $NCHIP"); do
	mkdir -p "$work/chips/$id"
	"$DANCU" card verify --db "$work/reg.db" --chip --id "$id" --pki "$work/pki" --dump "$work/chips/$id" >/dev/null || true
done
python3 - "$work/chips" >"$work/chip_bodies.txt" <<'PY'
import base64, json, os, sys
root = sys.argv[1]
for d in sorted(os.listdir(root)):
    o = {"purpose": "verification", "access": "pace", "secure_messaging": "aes128", "chip_auth": "passed"}
    for n in os.listdir(os.path.join(root, d)):
        b = base64.b64encode(open(os.path.join(root, d, n), "rb").read()).decode()
        if n.startswith("AA_"):
            o.setdefault("active_auth", {})[n[3:-4]] = b
            continue
        o[{"EF_SOD.bin": "sod", "EF_COM.bin": "com", "EF_CardAccess.bin": "card_access"}.get(n) or "dg" + n[2:-4]] = b
    print(json.dumps(o))
PY
nchips=$(wc -l <"$work/chip_bodies.txt")
cat >"$work/chip.lua" <<LUA
local b = {}
for l in io.lines("$work/chip_bodies.txt") do b[#b + 1] = l end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $tok"
wrk.headers["Content-Type"] = "application/json"
request = function() return wrk.format(nil, "/api/v1/verify/chip", nil, b[math.random(#b)]) end
LUA
curl -s -X POST "$URL/api/v1/verify/chip" -H "Authorization: Bearer $tok" -d "@$(head -1 "$work/chip_bodies.txt" >"$work/b1.json" && echo "$work/b1.json")" |
	grep -q '"valid":true' || { echo "bench_qr_http: the first chip read does not verify" >&2; exit 1; }
wrk -t2 -c"$C" -d"${DUR}s" --latency -s "$work/chip.lua" "$URL" >"$work/dancu_chip.txt"
read -r c_rps c_p50 c_p99 < <(summary "$work/dancu_chip.txt")
c_bad=$(non2xx "$work/dancu_chip.txt")
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
pids=()

nginx_start "$work/nginx" ok
pids+=("$NGINX_PID")
np=$NGINX_PORT
wrk -t2 -c"$C" -d"${DUR}s" --latency -s "$work/qr.lua" "http://127.0.0.1:$np" >"$work/nginx.txt"
read -r n_rps n_p50 n_p99 < <(summary "$work/nginx.txt")
wrk -t2 -c"$C" -d"${DUR}s" --latency -s "$work/chip.lua" "http://127.0.0.1:$np" >"$work/nginx_chip.txt"
read -r nc_rps nc_p50 nc_p99 < <(summary "$work/nginx_chip.txt")
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "### QR verification over HTTP, $(date -u +'%F %H:%M') UTC, $ncards issued cards, $P citizens, $C connections, ${DUR}s, load average $load"
	echo
	echo "| | dancu POST /api/v1/verify/qr | nginx return 200 (same requests) | dancu ÷ nginx |"
	echo "|---|---|---|---|"
	echo "| requests/s | $d_rps | $n_rps | **$(awk "BEGIN{printf \"%.3f\", $d_rps / $n_rps}")** |"
	echo "| p50 / p99 latency | $d_p50 / $d_p99 | $n_p50 / $n_p99 | |"
	echo "| non-2xx answers | $d_bad | $(non2xx "$work/nginx.txt") | |"
	echo
	echo "| | dancu POST /api/v1/verify/chip ($nchips chips read) | nginx return 200 (same requests) | dancu ÷ nginx |"
	echo "|---|---|---|---|"
	echo "| requests/s | $c_rps | $nc_rps | **$(awk "BEGIN{printf \"%.3f\", $c_rps / $nc_rps}")** |"
	echo "| p50 / p99 latency | $c_p50 / $c_p99 | $nc_p50 / $nc_p99 | |"
	echo "| non-2xx answers | $c_bad | $(non2xx "$work/nginx_chip.txt") | |"
} | tee "$work/results.md"
[ -n "$res" ] && cat "$work/results.md" >>"$res"
exit 0
