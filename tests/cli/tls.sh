#!/bin/bash
# Optional TLS: HTTPS with HTTP/1.1 and HTTP/2 (ALPN) for a client that
# trusts the certificate, TLS 1.2 as the floor, plain HTTP refused on the
# TLS port, and a key readable by others or a missing half refused at start.
. "$(dirname "$0")/lib.inc"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=dancu test" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
chmod 600 "$T/tls.key"
"$DANCU" serve --port 0 --threads 2 --db "$T/t.db" --master-key "$T/k.key" --access-log '' \
	--tls-cert "$T/tls.crt" --tls-key "$T/tls.key" 2>"$T/serve.err" &
SERVE_PID=$!
URL=""
for _ in $(seq 100); do
	URL=$(grep -o 'https://127.0.0.1:[0-9]*' "$T/serve.err" | head -n 1)
	[ -n "$URL" ] && break
	sleep 0.1
done
check "the server says https" test -n "$URL"
check "HTTPS, HTTP/1.1" test "$(curl -s --cacert "$T/tls.crt" --http1.1 -o /dev/null -w '%{http_code} %{http_version}' "$URL/healthz")" = "200 1.1"
check "HTTPS, HTTP/2 by ALPN" test "$(curl -s --cacert "$T/tls.crt" --http2 -o /dev/null -w '%{http_code} %{http_version}' "$URL/healthz")" = "200 2"
check "an untrusted certificate is refused by the client" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 000
check "TLS 1.1 is refused" test "$(curl -s --cacert "$T/tls.crt" --tlsv1.1 --tls-max 1.1 -o /dev/null -w '%{http_code}' "$URL/healthz")" = 000
check "plain HTTP on the TLS port gets no answer" test "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "${URL/https/http}/healthz")" != 200
check "the API works over TLS" test "$(curl -s --cacert "$T/tls.crt" -o /dev/null -w '%{http_code}' "$URL/api/openapi.json")" = 200
serve_stop
chmod 644 "$T/tls.key"
expect_exit 1 "a key readable by others is refused" "$DANCU" serve --port 0 --db "$T/t.db" --master-key "$T/k.key" --tls-cert "$T/tls.crt" --tls-key "$T/tls.key"
check "with a clear message" grep -q "readable by others" "$T/err"
chmod 600 "$T/tls.key"
expect_exit 1 "a certificate without its key is refused" "$DANCU" serve --port 0 --db "$T/t.db" --master-key "$T/k.key" --tls-cert "$T/tls.crt"
expect_exit 1 "a missing certificate file is refused" "$DANCU" serve --port 0 --db "$T/t.db" --master-key "$T/k.key" --tls-cert "$T/none.crt" --tls-key "$T/tls.key"
finish
