// Verifies dancu's detached-payload webhook JWS with npm jose (a verifier
// we did not write): node webhook_jws.mjs JWKS_FILE LOGDIR AGENCY N
// LOGDIR holds body.K and jws.K (K = 1..N) as the receiver got them.
// Prints TAP-style lines: each delivery verifies with the published key and
// carries the header claims; a changed body and another key do not verify.
import { readFileSync } from 'node:fs';
import { compactVerify, createLocalJWKSet, generateKeyPair, exportJWK, base64url, calculateJwkThumbprint } from 'jose';

const [jwksFile, dir, agency, nStr] = process.argv.slice(2);
const published = JSON.parse(readFileSync(jwksFile, 'utf8'));
const jwks = createLocalJWKSet(published);
const ok = (c, name) => console.log(`${c ? 'ok' : 'not ok'} ${name}`);
ok(await calculateJwkThumbprint(published.keys[0]) === published.keys[0].kid, 'the kid is the RFC 7638 thumbprint (jose computes the same)');
const attach = (jws, body) => {
  const [h, , s] = jws.split('.');
  return `${h}.${base64url.encode(body)}.${s}`;
};
const n = Number(nStr);
for (let k = 1; k <= n; k++) {
  const body = readFileSync(`${dir}/body.${k}`);
  const jws = readFileSync(`${dir}/jws.${k}`, 'utf8').trim();
  ok(jws.split('.')[1] === '', `delivery ${k}: the payload is detached`);
  try {
    const { payload, protectedHeader: h } = await compactVerify(attach(jws, body), jwks, { algorithms: ['ES256'] });
    ok(Buffer.from(payload).equals(body), `delivery ${k}: jose verifies it over the exact body`);
    ok(h.typ === 'dancu-webhook+jws' && h.dancu_agency === agency && Number.isInteger(h.dancu_seq) &&
       Math.abs(Date.now() / 1000 - h.iat) < 300, `delivery ${k}: typ, agency, seq and iat in the header`);
  } catch (e) {
    ok(false, `delivery ${k}: jose verifies it (${e.code || e.message})`);
  }
  const changed = Buffer.concat([body, Buffer.from(' ')]);
  try {
    await compactVerify(attach(jws, changed), jwks, { algorithms: ['ES256'] });
    ok(false, `delivery ${k}: a changed body is refused`);
  } catch (e) {
    ok(e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', `delivery ${k}: a changed body is refused`);
  }
}
const other = await generateKeyPair('ES256');
const pub = await exportJWK(other.publicKey);
try {
  const jws = readFileSync(`${dir}/jws.1`, 'utf8').trim();
  const h = JSON.parse(Buffer.from(jws.split('.')[0], 'base64url'));
  await compactVerify(attach(jws, readFileSync(`${dir}/body.1`)),
                      createLocalJWKSet({ keys: [{ ...pub, kid: h.kid, alg: 'ES256' }] }));
  ok(false, 'another key with the same kid does not verify');
} catch (e) {
  ok(e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'another key with the same kid does not verify');
}
