// A relying party we did not write (openid-client, jose) against dancu's
// OpenID Connect provider: authorization code + PKCE, ID token checked with
// jose against the JWKS, userinfo, refresh rotation, and negative cases.
// Prints TAP "ok"/"not ok" lines. Usage:
//   node oidc_rp.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT PIN PASSWORD [MODE]
// MODE "full" (default) or "denied" (the login must fail; prints the status).
import * as client from 'openid-client';
import * as jose from 'jose';

const [issuer, clientId, secret, redirect, pin, password, mode = 'full'] = process.argv.slice(2);
let failures = 0;
const ok = (cond, name) => {
  console.log(`${cond ? 'ok' : 'not ok'} ${name}`);
  if (!cond) failures++;
};
const rejects = async (p, name) => {
  try { await p; ok(false, name); } catch { ok(true, name); }
};

const config = await client.discovery(new URL(issuer), clientId,
  { client_secret: secret, id_token_signed_response_alg: 'ES256' },
  client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });

// Fetches the login page for the authorization URL and posts the form it
// carries (hidden fields taken from the page) with the credentials.
async function login(url, user, pw, decision = 'allow') {
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, html };
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.append(m[1], m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  form.append('pin', user);
  form.append('password', pw);
  form.append('decision', decision);
  const res = await fetch(new URL('/oidc/authorize', issuer), { method: 'POST', body: form, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

async function start(scope = 'openid profile birthdate address pin', redirectUri = redirect) {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState(), nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, code_challenge: challenge, code_challenge_method: 'S256', state, nonce,
  });
  return { url, verifier, state, nonce };
}

if (mode === 'denied') {
  const a = await start();
  const r = await login(a.url, pin, password);
  console.log(`# login status ${r.status}`);
  ok(r.status === 423 || r.status === 401, 'oidc: login refused for this account');
  process.exit(failures ? 1 : 0);
}

ok(config.serverMetadata().issuer === issuer, 'oidc: discovery issuer');
const a = await start();
const r = await login(a.url, pin, password);
ok(r.status === 303 && r.location && r.location.startsWith(redirect), 'oidc: login + consent redirects with a code');
const tokens = await client.authorizationCodeGrant(config, new URL(r.location), {
  pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce,
});
ok(typeof tokens.access_token === 'string' && tokens.id_token, 'oidc: code exchanged for tokens (openid-client)');
const claims = tokens.claims();
ok(claims.nonce === a.nonce && claims.aud === clientId, 'oidc: ID token nonce and audience');
ok(claims.acr === 'urn:dancu:acr:nd69:2', 'oidc: acr is the account level');

const jwks = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token, jwks, { issuer, audience: clientId });
ok(protectedHeader.alg === 'ES256' && protectedHeader.kid && payload.sub === claims.sub, 'oidc: jose verifies the ID token against the JWKS');

const ui = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
ok(ui.sub === claims.sub && ui.personal_id_number === pin && ui.birthdate && ui.name && ui.address, 'oidc: userinfo returns the claims of the scopes');

// Negative cases.
await rejects(client.authorizationCodeGrant(config, new URL(r.location), {
  pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce,
}), 'oidc: a reused code is rejected');
const afterReuse = await fetch(config.serverMetadata().userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
ok(afterReuse.status === 401, 'oidc: a replayed code revokes the tokens of its first use');

const b = await start();
const rb = await login(b.url, pin, password);
await rejects(client.authorizationCodeGrant(config, new URL(rb.location), {
  pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: b.state, expectedNonce: b.nonce,
}), 'oidc: a wrong PKCE verifier is rejected');

const c = await start('openid', 'http://127.0.0.1:1/evil');
const rc = await login(c.url, pin, password);
ok(rc.status === 400 && !rc.location, 'oidc: a wrong redirect URI is refused without redirecting');

const bad = await login((await start()).url, pin, 'Wrong@Pass1');
ok(bad.status === 401 && !bad.location, 'oidc: a wrong password shows the form again (401)');
const deny = await login((await start()).url, pin, password, 'deny');
ok(deny.status === 303 && /error=access_denied/.test(deny.location), 'oidc: denying consent returns access_denied');

// Tampered and wrong-key tokens.
const d = await start();
const rd = await login(d.url, pin, password);
const t2 = await client.authorizationCodeGrant(config, new URL(rd.location), {
  pkceCodeVerifier: d.verifier, expectedState: d.state, expectedNonce: d.nonce,
});
const [h, p, s] = t2.id_token.split('.');
const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), sub: 'someone-else' })).toString('base64url');
await rejects(jose.jwtVerify(`${h}.${forged}.${s}`, jwks, { issuer, audience: clientId }), 'oidc: a tampered ID token fails verification');
const { privateKey } = await jose.generateKeyPair('ES256');
const other = await new jose.SignJWT({ sub: claims.sub }).setProtectedHeader({ alg: 'ES256', kid: protectedHeader.kid })
  .setIssuer(issuer).setAudience(clientId).setIssuedAt().setExpirationTime('5m').sign(privateKey);
await rejects(jose.jwtVerify(other, jwks, { issuer, audience: clientId }), 'oidc: a token signed by another key fails verification');

// Refresh: rotation, then reuse of the old token revokes the family.
const t3 = await client.refreshTokenGrant(config, t2.refresh_token);
ok(t3.refresh_token && t3.refresh_token !== t2.refresh_token, 'oidc: refresh rotates the refresh token');
await rejects(client.refreshTokenGrant(config, t2.refresh_token), 'oidc: reuse of a rotated refresh token is rejected');
await rejects(client.refreshTokenGrant(config, t3.refresh_token), 'oidc: reuse revokes the whole family');

// The citizen's own view: consents and login history; withdrawing the
// consent ends the client's tokens.
const f = await start();
const rf = await login(f.url, pin, password);
const t4 = await client.authorizationCodeGrant(config, new URL(rf.location), {
  pkceCodeVerifier: f.verifier, expectedState: f.state, expectedNonce: f.nonce,
});
const me = (path, method = 'GET') => fetch(new URL(`/oidc/me/${path}`, issuer), { method, headers: { authorization: `Bearer ${t4.access_token}` } });
const consents = await (await me('consents')).json();
ok(consents.consents.some((x) => x.client_id === clientId && /pin/.test(x.scope)), 'oidc: the citizen sees the consent');
const logins = await (await me('logins')).json();
ok(logins.logins.some((x) => x.ok) && logins.logins.some((x) => !x.ok), 'oidc: the citizen sees successful and failed logins');
ok((await me(`consents/${clientId}`, 'DELETE')).status === 200, 'oidc: the citizen withdraws the consent');
await rejects(client.fetchUserInfo(config, t4.access_token, claims.sub), 'oidc: a withdrawn consent ends the access token');

// Hand one fresh code to the shell test (for the expired-code case).
const e = await start();
const re = await login(e.url, pin, password);
console.log(`# CODE ${new URL(re.location).searchParams.get('code')} ${e.verifier}`);
process.exit(failures ? 1 : 0);
