#!/bin/bash
# mTLS client certificates for organisations, with curl --cert: the server
# asks for a client certificate chained to --tls-client-ca; an organisation
# bound to a certificate (dancu org cert-add) must present it with its API
# key (verification and e-KYC alike), another CA-issued certificate or none
# is refused, a certificate from another CA fails the handshake; an unbound
# organisation and citizens' pages need none; unbinding lifts the rule.
# HTTP/1.1 and HTTP/2. The binding is stored data, so SQLite suffices here
# (tests/unit/verify/org_cert.c runs the store part on PostgreSQL too).
. "$(dirname "$0")/lib.inc"
cd "$T" || exit 1
ossl() { openssl "$@" 2>/dev/null; }
# Server certificate (self-signed), client CA, two clients from it, one from elsewhere.
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=dancu test" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout tls.key -out tls.crt
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Org CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -keyout ca.key -out ca.crt
client() { # name ca-crt ca-key
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr"
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$1.ext"
	ossl x509 -req -in "$1.csr" -CA "$2" -CAkey "$3" -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.crt"
}
client bank-a ca.crt ca.key
client other ca.crt ca.key
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Rogue" \
	-addext "basicConstraints=critical,CA:TRUE" -keyout rogue-ca.key -out rogue-ca.crt
client rogue rogue-ca.crt rogue-ca.key
chmod 600 ./*.key
check "certificates made" test -s bank-a.crt -a -s other.crt -a -s rogue.crt

S=(--db "$T/m.db")
"$DANCU" gen --count 20 --seed 3 --out p.csv && "$DANCU" import --quiet "${S[@]}" p.csv 2>/dev/null
pin=$(awk -F, 'NR==2 {print $1}' p.csv)
"$DANCU" org add "${S[@]}" --id bank-a --name "Ngân hàng A" --fields name --receive name --purposes account_opening >/dev/null
"$DANCU" org add "${S[@]}" --id telco-b --name "Nhà mạng B" --fields name --receive name --purposes account_opening >/dev/null
KA=$("$DANCU" org key-add "${S[@]}" --id bank-a | tail -n 1)
KB=$("$DANCU" org key-add "${S[@]}" --id telco-b | tail -n 1)
expect_exit 2 "cert-add without a certificate or fingerprint" "$DANCU" org cert-add "${S[@]}" --id bank-a
expect_exit 2 "cert-add with a 65-digit fingerprint" "$DANCU" org cert-add "${S[@]}" --id bank-a --sha256 "$(printf 'a%.0s' $(seq 65))"
expect_exit 0 "bind bank-a to its certificate" "$DANCU" org cert-add "${S[@]}" --id bank-a --cert bank-a.crt --label core
fp=$(openssl x509 -in bank-a.crt -noout -fingerprint -sha256 | cut -d= -f2)
check "certs lists the fingerprint openssl prints" bash -c "'$DANCU' org certs --db '$T/m.db' --id bank-a | grep -q \"^\$(tr -d : <<<'$fp' | tr A-F a-f)\""
expect_exit 1 "binding it twice is refused" "$DANCU" org cert-add "${S[@]}" --id bank-a --sha256 "$fp"
expect_exit 1 "--tls-client-ca without TLS is refused at start" "$DANCU" serve --port 0 "${S[@]}" --master-key k.key --tls-client-ca ca.crt

"$DANCU" serve --port 0 --threads 2 "${S[@]}" --master-key k.key --access-log '' \
	--tls-cert tls.crt --tls-key tls.key --tls-client-ca ca.crt 2>serve.err &
SERVE_PID=$!
URL=""
for _ in $(seq 100); do
	URL=$(grep -o 'https://127.0.0.1:[0-9]*' serve.err | head -n 1)
	[ -n "$URL" ] && break
	sleep 0.1
done
check "server up with a client CA" test -n "$URL"
req() { # key [curl options...] → status
	local k=$1
	shift
	curl -s --cacert tls.crt -o body -w '%{http_code}' "$@" -X POST "$URL/api/v1/kyc/requests" \
		-H "Authorization: ApiKey $k" -d "{\"pin\":\"$pin\",\"attributes\":[\"name\"],\"purpose\":\"account_opening\"}"
}
check "bound org without its certificate → 401" bash -c "[ \"\$(cd '$T' && curl -s --cacert tls.crt -o body -w '%{http_code}' -X POST '$URL/api/v1/kyc/requests' -H 'Authorization: ApiKey $KA' -d '{}')\" = 401 ] && grep -q 'client certificate' '$T/body'"
check "bound org with its certificate → 201 (HTTP/1.1)" test "$(req "$KA" --http1.1 --cert bank-a.crt --key bank-a.key)" = 201
check "bound org with its certificate → 201 (HTTP/2)" test "$(req "$KA" --http2 --cert bank-a.crt --key bank-a.key)" = 201
check "… and 1:1 verification usage too" test "$(curl -s --cacert tls.crt -o /dev/null -w '%{http_code}' --cert bank-a.crt --key bank-a.key "$URL/api/v1/verify/usage" -H "Authorization: ApiKey $KA")" = 200
check "verification without the certificate → 401" test "$(curl -s --cacert tls.crt -o /dev/null -w '%{http_code}' "$URL/api/v1/verify/usage" -H "Authorization: ApiKey $KA")" = 401
check "another certificate of the same CA → 401" test "$(req "$KA" --cert other.crt --key other.key)" = 401
check "a certificate from another CA fails the handshake" test "$(req "$KA" --cert rogue.crt --key rogue.key)" = 000
check "unbound org, no certificate → 201" test "$(req "$KB")" = 201
check "unbound org presenting some valid certificate → 201" test "$(req "$KB" --cert other.crt --key other.key)" = 201
check "the key is still required: certificate alone → 401" test "$(req x --cert bank-a.crt --key bank-a.key)" = 401
check "citizens need no certificate (health, pages)" test "$(curl -s --cacert tls.crt -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200
"$DANCU" org cert-remove "${S[@]}" --id bank-a --sha256 "$fp" >/dev/null
check "unbound again: no certificate needed → 201" test "$(req "$KA")" = 201
expect_exit 1 "removing it twice → not found" "$DANCU" org cert-remove "${S[@]}" --id bank-a --sha256 "$fp"
serve_stop
check "no sanitizer report" bash -c "! grep -q Sanitizer '$T/serve.err'"
expect_exit 0 "audit chain verifies (bindings audited)" "$DANCU" audit verify "${S[@]}"
finish
