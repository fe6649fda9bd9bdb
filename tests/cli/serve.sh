#!/bin/bash
# Black-box tests of `dancu serve` over real HTTP on loopback: health,
# readiness, metrics, problem+json errors, request ids, the access log,
# HTTP/2, bad settings, and a graceful stop on SIGTERM.
. "$(dirname "$0")/lib.inc"

start() { # args...: starts the server, sets PID and URL
	"$DANCU" serve --port 0 --threads 2 --master-key "$T/serve.key" "$@" 2>"$T/serve.err" &
	PID=$!
	for _ in $(seq 50); do
		URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
		[ -n "$URL" ] && return 0
		kill -0 $PID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

check "server starts on a free port" start --db "$T/s.db" --access-log "$T/access.log"
code=$(curl -s -o "$T/h" -w '%{http_code} %{content_type}' "$URL/healthz")
check "GET /healthz → 200 JSON" test "$code" = "200 application/json"
check "health body" grep -q '"status":"ok"' "$T/h"
check "GET /readyz → 200 with the store" bash -c "curl -sf '$URL/readyz' | grep -q '\"store\":\"sqlite\"'"
curl -s -D "$T/hdr" -o "$T/404" "$URL/no/such/thing"
check "unknown path → 404" grep -q '^HTTP/1.1 404' "$T/hdr"
check "404 is problem+json" grep -qi '^content-type: application/problem+json' "$T/hdr"
check "problem has the stable code" grep -q '"code":"not_found"' "$T/404"
check "problem names the instance" grep -q '"instance":"/no/such/thing"' "$T/404"
curl -s -D "$T/hdr" -o "$T/405" -X POST "$URL/healthz"
check "wrong method → 405" grep -q '^HTTP/1.1 405' "$T/hdr"
check "405 lists the allowed method" grep -qi '^allow: GET' "$T/hdr"
curl -s -D "$T/hdr" -o /dev/null -H 'X-Request-Id: trace-abc.123' "$URL/healthz"
check "a caller's request id is echoed" grep -qi '^x-request-id: trace-abc.123' "$T/hdr"
curl -s -D "$T/hdr" -o /dev/null -H 'X-Request-Id: <script>' "$URL/healthz"
check "an unsafe request id is replaced" bash -c "grep -i '^x-request-id:' '$T/hdr' | grep -qv script"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$T/big"
curl -s -D "$T/hdr" -o "$T/413" -X POST --data-binary @"$T/big" "$URL/api/v1/login"
check "a body over max_body → 413" grep -q '^HTTP/1.1 413' "$T/hdr"
check "413 is problem+json with its code" grep -q '"code":"too_large"' "$T/413"
check "HTTP/2 (prior knowledge) works" bash -c "curl -sf --http2-prior-knowledge '$URL/healthz' | grep -q ok"
curl -s "$URL/metrics" >"$T/metrics"
check "metrics in Prometheus text format" grep -q '^dancu_up 1$' "$T/metrics"
check "metrics count the 404" grep -q 'route="unmatched",class="4xx"} [1-9]' "$T/metrics"
check "metrics count health checks" grep -q 'route="/healthz",class="2xx"} [1-9]' "$T/metrics"
sleep 0.2 # the WAL checkpoint thread runs every 50 ms
curl -s "$URL/metrics" >"$T/metrics"
check "SQLite: the WAL is checkpointed in the background" \
	grep -q '^dancu_wal_checkpoints_total [1-9]' "$T/metrics"
kill -TERM $PID
wait $PID
rc=$?
check "SIGTERM stops the server cleanly (exit $rc)" test $rc = 0
check "it says it drained and stopped" grep -q 'stopped' "$T/serve.err"
check "access log: one JSON line per request" test "$(grep -c "^{\"ts\":" "$T/access.log")" -ge 8
check "access log records status and request id" grep -q '"id":"trace-abc.123".*"status":200' "$T/access.log"

if [ -n "${DANCU_TEST_PG:-}" ]; then
	check "server on PostgreSQL" start --pg "$DANCU_TEST_PG" --access-log ''
	check "ready on PostgreSQL" bash -c "curl -sf '$URL/readyz' | grep -q postgresql"
	kill -TERM $PID
	wait $PID
fi

expect_exit 2 "port out of range" "$DANCU" serve --port 70000
check "message gives the range" grep -q 'from 0 to 65535' "$T/err"
expect_exit 2 "non-numeric threads" "$DANCU" serve --threads many
expect_exit 2 "unknown setting" "$DANCU" serve --colour blue
expect_exit 2 "bad environment value" env DANCU_PORT=x "$DANCU" serve
expect_exit 1 "store that cannot be opened" "$DANCU" serve --port 0 --master-key "$T/serve.key" --db /nonexistent/dir/x.db
check "message says why" grep -q 'cannot open the store' "$T/err"
expect_exit 0 "serve --help lists the settings" "$DANCU" serve --help
check "help shows --max-body" grep -q -- '--max-body' "$T/out"
finish
