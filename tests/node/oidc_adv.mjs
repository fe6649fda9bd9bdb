// Token revocation (RFC 7009), introspection (RFC 7662), private_key_jwt
// client authentication (RFC 7523) and pushed authorization requests
// (RFC 9126) against dancu, driven by openid-client and jose (packages we
// did not write). Prints TAP lines. Usage:
//   node oidc_adv.mjs keygen DIR     writes DIR/pub.jwks and DIR/priv.jwk
//   node oidc_adv.mjs ISSUER DIR JWT_CLIENT SECRET_CLIENT SECRET PUBLIC_CLIENT REDIRECT PIN PASSWORD
import * as client from 'openid-client';
import * as jose from 'jose';
import { readFileSync, writeFileSync } from 'node:fs';

if (process.argv[2] === 'keygen') {
  const dir = process.argv[3];
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const pub = { ...(await jose.exportJWK(publicKey)), kid: 'rp-key-1', alg: 'ES256', use: 'sig' };
  writeFileSync(`${dir}/pub.jwks`, JSON.stringify({ keys: [pub] }));
  writeFileSync(`${dir}/priv.jwk`, JSON.stringify({ ...(await jose.exportJWK(privateKey)), kid: 'rp-key-1' }));
  // The same EC key and an RSA key as PEM (SPKI), for clients registered
  // with PEM public keys.
  writeFileSync(`${dir}/pub.pem`, await jose.exportSPKI(publicKey));
  const rsa = await jose.generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  writeFileSync(`${dir}/rsa-pub.pem`, await jose.exportSPKI(rsa.publicKey));
  writeFileSync(`${dir}/rsa-priv.jwk`, JSON.stringify(await jose.exportJWK(rsa.privateKey)));
  process.exit(0);
}
// node oidc_adv.mjs assert DIR CLIENT_ID AUD [rsa]: prints a client assertion.
if (process.argv[2] === 'assert') {
  const [, , , dir, id, aud, kind] = process.argv;
  const rsa = kind === 'rsa';
  const key = await jose.importJWK(JSON.parse(readFileSync(`${dir}/${rsa ? 'rsa-priv' : 'priv'}.jwk`, 'utf8')),
    rsa ? 'RS256' : 'ES256');
  console.log(await new jose.SignJWT({ jti: crypto.randomUUID() }).setProtectedHeader({ alg: rsa ? 'RS256' : 'ES256' })
    .setIssuer(id).setSubject(id).setAudience(aud).setIssuedAt().setExpirationTime('1m').sign(key));
  process.exit(0);
}

const [issuer, dir, jwtId, secId, secret, pubId, redirect, pin, password] = process.argv.slice(2);
let failures = 0;
const ok = (cond, name) => {
  console.log(`${cond ? 'ok' : 'not ok'} ${name}`);
  if (!cond) failures++;
};
const rejects = async (p, name) => {
  try { await p; ok(false, name); } catch { ok(true, name); }
};
const insecure = { execute: [client.allowInsecureRequests] };
const privJwk = JSON.parse(readFileSync(`${dir}/priv.jwk`, 'utf8'));
const privateKey = await jose.importJWK(privJwk, 'ES256');

const jwtConfig = await client.discovery(new URL(issuer), jwtId, {},
  client.PrivateKeyJwt({ key: privateKey, kid: privJwk.kid }), insecure);
const meta = jwtConfig.serverMetadata();
ok(meta.token_endpoint_auth_methods_supported.includes('private_key_jwt') && meta.revocation_endpoint &&
  meta.introspection_endpoint && meta.pushed_authorization_request_endpoint, 'adv: discovery names private_key_jwt, revocation, introspection, PAR');
const secConfig = await client.discovery(new URL(issuer), secId, { client_secret: secret },
  client.ClientSecretBasic(secret), insecure);
const pubConfig = await client.discovery(new URL(issuer), pubId, {}, client.None(), insecure);

async function login(url) {
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, html };
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.append(m[1], m[2].replace(/&amp;/g, '&'));
  form.append('pin', pin);
  form.append('password', password);
  form.append('decision', 'allow');
  const res = await fetch(new URL('/oidc/authorize', issuer), { method: 'POST', body: form, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}
async function params() {
  const verifier = client.randomPKCECodeVerifier();
  return {
    verifier, state: client.randomState(), nonce: client.randomNonce(),
    challenge: await client.calculatePKCECodeChallenge(verifier),
  };
}
const authParams = (p) => ({
  redirect_uri: redirect, scope: 'openid profile', state: p.state, nonce: p.nonce,
  code_challenge: p.challenge, code_challenge_method: 'S256',
});

// PAR + private_key_jwt (the client is registered --require-par).
const p1 = await params();
const plain = await login(client.buildAuthorizationUrl(jwtConfig, authParams(p1)));
ok(plain.status === 400 && !plain.location, 'adv: a PAR-only client cannot send a plain authorization request');
const parUrl = await client.buildAuthorizationUrlWithPAR(jwtConfig, authParams(p1));
ok(parUrl.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:') &&
  !parUrl.searchParams.get('redirect_uri'), 'adv: PAR returns a request_uri; the authorization URL carries only it');
const r1 = await login(parUrl);
ok(r1.status === 303 && r1.location?.startsWith(redirect), 'adv: sign-in through the pushed request redirects with a code');
const t1 = await client.authorizationCodeGrant(jwtConfig, new URL(r1.location),
  { pkceCodeVerifier: p1.verifier, expectedState: p1.state, expectedNonce: p1.nonce });
ok(t1.access_token && t1.claims().aud === jwtId, 'adv: code exchanged with private_key_jwt (openid-client signs the assertion)');
const again = await login(parUrl);
ok(again.status === 400, 'adv: a request_uri is good once');
const tampered = new URL(parUrl);
tampered.searchParams.set('request_uri', 'urn:ietf:params:oauth:request_uri:forged');
ok((await login(tampered)).status === 400, 'adv: an unknown request_uri is refused');
const badPar = await fetch(meta.pushed_authorization_request_endpoint, {
  method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${secId}:${secret}`).toString('base64')}` },
  body: new URLSearchParams({ ...authParams(p1), redirect_uri: 'https://evil.example/cb' }),
});
ok(badPar.status === 400, 'adv: PAR refuses a redirect URI that is not registered');

// Hand-made assertions (jose): replayed, too long-lived, wrong audience, wrong key.
const tokenUrl = meta.token_endpoint;
async function assertion({ aud = issuer, exp = 60, key = privateKey, jti = crypto.randomUUID() } = {}) {
  return new jose.SignJWT({ jti }).setProtectedHeader({ alg: 'ES256', kid: privJwk.kid })
    .setIssuer(jwtId).setSubject(jwtId).setAudience(aud).setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + exp).sign(key);
}
const tokenCall = (a) => fetch(tokenUrl, {
  method: 'POST', body: new URLSearchParams({
    grant_type: 'refresh_token', refresh_token: 'nope', client_id: jwtId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a,
  }),
});
const a1 = await assertion({ aud: tokenUrl });
ok((await tokenCall(a1)).status === 400, 'adv: a fresh assertion (aud = token endpoint) authenticates (then: invalid_grant)');
ok((await tokenCall(a1)).status === 401, 'adv: the same assertion again is a replay (401)');
ok((await tokenCall(await assertion({ exp: 600 }))).status === 401, 'adv: an assertion living longer than 5 minutes is refused');
ok((await tokenCall(await assertion({ aud: 'https://elsewhere.example' }))).status === 401, 'adv: an assertion for another audience is refused');
const other = (await jose.generateKeyPair('ES256')).privateKey;
ok((await tokenCall(await assertion({ key: other }))).status === 401, 'adv: an assertion signed by an unregistered key is refused');
ok((await tokenCall(await assertion({ exp: -10 }))).status === 401, 'adv: an expired assertion is refused');

// Introspection and revocation.
const i1 = await client.tokenIntrospection(jwtConfig, t1.access_token);
ok(i1.active === true && i1.client_id === jwtId && i1.sub === t1.claims().sub && i1.scope.includes('openid'),
  'adv: introspection describes an active access token');
const i2 = await client.tokenIntrospection(secConfig, t1.access_token);
ok(i2.active === false, "adv: another client learns nothing about this client's token");
await rejects(client.tokenIntrospection(pubConfig, t1.access_token), 'adv: a public client cannot introspect');
await client.tokenRevocation(jwtConfig, t1.refresh_token);
ok((await client.tokenIntrospection(jwtConfig, t1.access_token)).active === false,
  'adv: revoking the refresh token ends the access token of the same grant');
await rejects(client.refreshTokenGrant(jwtConfig, t1.refresh_token), 'adv: a revoked refresh token is refused');
await client.tokenRevocation(jwtConfig, 'never-issued');
ok(true, 'adv: revoking an unknown token answers 200');

// A secret client: revoke just the access token.
const p2 = await params();
const r2 = await login(client.buildAuthorizationUrl(secConfig, authParams(p2)));
const t2 = await client.authorizationCodeGrant(secConfig, new URL(r2.location),
  { pkceCodeVerifier: p2.verifier, expectedState: p2.state, expectedNonce: p2.nonce });
await client.tokenRevocation(jwtConfig, t2.access_token);
ok((await client.tokenIntrospection(secConfig, t2.access_token)).active === true, "adv: a client cannot revoke another client's token");
await client.tokenRevocation(secConfig, t2.access_token, { token_type_hint: 'access_token' });
await rejects(client.fetchUserInfo(secConfig, t2.access_token, t2.claims().sub), 'adv: a revoked access token fails at userinfo');
const t3 = await client.refreshTokenGrant(secConfig, t2.refresh_token);
ok(t3.access_token, 'adv: revoking only the access token leaves the refresh token working');

// DPoP (RFC 9449): openid-client makes the proofs.
ok(meta.dpop_signing_alg_values_supported?.includes('ES256'), 'dpop: discovery lists the DPoP algorithms');
const dpop = client.getDPoPHandle(secConfig, await client.randomDPoPKeyPair('ES256'));
const p4 = await params();
const r4 = await login(client.buildAuthorizationUrl(secConfig, authParams(p4)));
const t4 = await client.authorizationCodeGrant(secConfig, new URL(r4.location),
  { pkceCodeVerifier: p4.verifier, expectedState: p4.state, expectedNonce: p4.nonce }, undefined, { DPoP: dpop });
ok(t4.token_type === 'dpop', 'dpop: the token endpoint binds the access token to the key (token_type DPoP)');
const ui = await client.fetchUserInfo(secConfig, t4.access_token, t4.claims().sub, { DPoP: dpop });
ok(ui.sub === t4.claims().sub, 'dpop: userinfo with the DPoP scheme and a proof');
const asBearer = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${t4.access_token}` } });
ok(asBearer.status === 401, 'dpop: the bound token sent as a Bearer token is refused');
const otherKey = client.getDPoPHandle(secConfig, await client.randomDPoPKeyPair('ES256'));
await rejects(client.fetchUserInfo(secConfig, t4.access_token, t4.claims().sub, { DPoP: otherKey }),
  'dpop: a proof made with another key is refused');
const kp = await jose.generateKeyPair('ES256', { extractable: true });
const jwk = await jose.exportJWK(kp.publicKey);
const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(t4.access_token))).toString('base64url');
const proof = await new jose.SignJWT({ htm: 'GET', htu: meta.userinfo_endpoint, ath })
  .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setJti(crypto.randomUUID()).setIssuedAt().sign(kp.privateKey);
const noAth = await new jose.SignJWT({ htm: 'POST', htu: meta.userinfo_endpoint })
  .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setJti(crypto.randomUUID()).setIssuedAt().sign(kp.privateKey);
ok((await fetch(meta.userinfo_endpoint, { headers: { authorization: `DPoP ${t4.access_token}`, dpop: noAth } })).status === 401,
  'dpop: a proof for another method and without ath is refused');
const tokResp = await fetch(meta.token_endpoint, {
  method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${secId}:${secret}`).toString('base64')}`, dpop: proof },
  body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: t4.refresh_token }),
});
ok(tokResp.status === 400 && (await tokResp.json()).error === 'invalid_dpop_proof', 'dpop: a proof for another URL is refused at the token endpoint');
// Server nonces (RFC 9449 8): openid-client retried on use_dpop_nonce
// above without being told; a hand-made proof shows the exchange.
const nonceProof = (extra) => new jose.SignJWT({ htm: 'POST', htu: meta.token_endpoint, ...extra })
  .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setJti(crypto.randomUUID()).setIssuedAt().sign(kp.privateKey);
const dpopTokenCall = async (dpopProof) => fetch(meta.token_endpoint, {
  method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${secId}:${secret}`).toString('base64')}`, dpop: dpopProof },
  body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-token' }),
});
const noNonce = await dpopTokenCall(await nonceProof({}));
const serverNonce = noNonce.headers.get('dpop-nonce');
ok(noNonce.status === 400 && (await noNonce.json()).error === 'use_dpop_nonce' && serverNonce?.length === 43,
  'dpop nonce: a proof without the nonce gets use_dpop_nonce and a DPoP-Nonce header');
const forged = await dpopTokenCall(await nonceProof({ nonce: 'A'.repeat(43) }));
ok(forged.status === 400 && (await forged.json()).error === 'use_dpop_nonce', 'dpop nonce: a forged nonce is refused');
const withNonce = await dpopTokenCall(await nonceProof({ nonce: serverNonce }));
ok(withNonce.status === 400 && (await withNonce.json()).error === 'invalid_grant',
  "dpop nonce: with the server's nonce the proof passes (then the unknown token is invalid_grant)");
await rejects(client.refreshTokenGrant(secConfig, t4.refresh_token, undefined, { DPoP: otherKey }),
  'dpop: the refresh token is bound to the key too');
const t5 = await client.refreshTokenGrant(secConfig, t4.refresh_token, undefined, { DPoP: dpop });
ok(t5.token_type === 'dpop', 'dpop: refresh with the same key gives a bound token');
const intro = await client.tokenIntrospection(secConfig, t5.access_token);
ok(intro.active && intro.token_type === 'DPoP' && intro.cnf?.jkt, 'dpop: introspection shows the key binding (cnf.jkt)');

// dpop_jkt (RFC 9449 10): the code is bound to a key named at the
// authorization endpoint, or to the key of the proof sent with PAR.
const kp6 = await client.randomDPoPKeyPair('ES256');
const dpop6 = client.getDPoPHandle(secConfig, kp6);
const jkt6 = await jose.calculateJwkThumbprint(await jose.exportJWK(kp6.publicKey));
const p6 = await params();
const r6 = await login(client.buildAuthorizationUrl(secConfig, { ...authParams(p6), dpop_jkt: jkt6 }));
await rejects(client.authorizationCodeGrant(secConfig, new URL(r6.location),
  { pkceCodeVerifier: p6.verifier, expectedState: p6.state, expectedNonce: p6.nonce }, undefined, { DPoP: otherKey }),
  'dpop_jkt: a code bound at /authorize is refused with a proof by another key');
const p7 = await params();
const r7 = await login(client.buildAuthorizationUrl(secConfig, { ...authParams(p7), dpop_jkt: jkt6 }));
await rejects(client.authorizationCodeGrant(secConfig, new URL(r7.location),
  { pkceCodeVerifier: p7.verifier, expectedState: p7.state, expectedNonce: p7.nonce }),
  'dpop_jkt: a bound code is refused without a proof');
const p8 = await params();
const r8 = await login(client.buildAuthorizationUrl(secConfig, { ...authParams(p8), dpop_jkt: jkt6 }));
const t8 = await client.authorizationCodeGrant(secConfig, new URL(r8.location),
  { pkceCodeVerifier: p8.verifier, expectedState: p8.state, expectedNonce: p8.nonce }, undefined, { DPoP: dpop6 });
ok(t8.token_type === 'dpop', 'dpop_jkt: the bound code is redeemed with a proof by the named key');
const bad = await fetch(client.buildAuthorizationUrl(secConfig, { ...authParams(p8), dpop_jkt: 'not-a-thumbprint' }),
  { redirect: 'manual' });
ok(bad.status === 303 && new URL(bad.headers.get('location')).searchParams.get('error') === 'invalid_request',
  'dpop_jkt: a malformed thumbprint is refused (invalid_request)');
// PAR with a DPoP proof: openid-client sends it, the code is bound to it.
const p9 = await params();
const par9 = await client.buildAuthorizationUrlWithPAR(secConfig, authParams(p9), { DPoP: dpop6 });
const r9 = await login(par9);
await rejects(client.authorizationCodeGrant(secConfig, new URL(r9.location),
  { pkceCodeVerifier: p9.verifier, expectedState: p9.state, expectedNonce: p9.nonce }, undefined, { DPoP: otherKey }),
  'dpop_jkt: a code pushed with a DPoP proof is refused with another key');
const p10 = await params();
const r10 = await login(await client.buildAuthorizationUrlWithPAR(secConfig, authParams(p10), { DPoP: dpop6 }));
const t10 = await client.authorizationCodeGrant(secConfig, new URL(r10.location),
  { pkceCodeVerifier: p10.verifier, expectedState: p10.state, expectedNonce: p10.nonce }, undefined, { DPoP: dpop6 });
ok(t10.token_type === 'dpop', 'dpop_jkt: a code pushed with a DPoP proof is redeemed with the same key');
process.exit(failures ? 1 : 0);
