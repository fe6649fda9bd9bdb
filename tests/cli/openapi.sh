#!/bin/bash
# The OpenAPI 3.1 document: served at /api/openapi.json exactly as kept in
# docs/, valid for a validator we did not write, and complete (every route
# of the running server is documented; no documented path is stale).
. "$(dirname "$0")/lib.inc"
root=$(cd "$(dirname "$0")/../.." && pwd)
serve_start --db "$T/o.db" || { notok "server up"; finish; }
check "GET /api/openapi.json → 200" test "$(curl -s -o "$T/doc" -w '%{http_code}' "$URL/api/openapi.json")" = 200
check "served document is docs/openapi.json" cmp -s "$T/doc" "$root/docs/openapi.json"
node "$root/tests/node/openapi.mjs" "$URL" >"$T/node.out" 2>&1
cat "$T/node.out"
grep -q '^ok all' "$T/node.out" || notok "node validator ran (see output)"
serve_stop
finish
