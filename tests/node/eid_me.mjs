// The citizen's own API (/api/v1/me…) with an access token that a relying
// party we did not write (openid-client) obtained with the "records" scope.
// Prints TAP lines. Usage:
//   node eid_me.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT PIN PASSWORD
import { writeFileSync } from 'node:fs';
import * as client from 'openid-client';

const [issuer, clientId, secret, redirect, pin, password] = process.argv.slice(2);
let failures = 0;
const ok = (cond, name) => {
  console.log(`${cond ? 'ok' : 'not ok'} ${name}`);
  if (!cond) failures++;
};

const config = await client.discovery(new URL(issuer), clientId, { client_secret: secret },
  client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
ok(config.serverMetadata().scopes_supported.includes('records'), 'me: discovery lists the records scope');

async function signIn(scope) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirect, scope, state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const page = await fetch(url);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.append(m[1], m[2].replace(/&amp;/g, '&'));
  form.append('pin', pin);
  form.append('password', password);
  form.append('decision', 'allow');
  const res = await fetch(new URL('/oidc/authorize', issuer), { method: 'POST', body: form, redirect: 'manual' });
  return { html, tokens: await client.authorizationCodeGrant(config, new URL(res.headers.get('location')), { pkceCodeVerifier: verifier, expectedState: state }) };
}
const call = (tok, path, method = 'GET') =>
  fetch(new URL(path, issuer), { method, headers: { authorization: `Bearer ${tok}` } });

// Without the scope: 403 insufficient_scope.
const plain = await signIn('openid profile');
const r0 = await call(plain.tokens.access_token, '/api/v1/me');
ok(r0.status === 403 && /insufficient_scope/.test(r0.headers.get('www-authenticate') || ''), 'me: a token without "records" is refused (403 insufficient_scope)');
ok((await call('not-a-token', '/api/v1/me')).status === 401, 'me: an unknown token is refused (401)');

const { html, tokens } = await signIn('openid records');
ok(/Xem hồ sơ của bạn/.test(html), 'me: the consent page names the records scope');
const me = await call(tokens.access_token, '/api/v1/me');
const body = await me.json();
ok(me.status === 200 && body.record.pin === pin, 'me: GET /api/v1/me returns the own record');
ok(body.residence && typeof body.residence === 'object', 'me: with the residence view');
ok(Array.isArray(body.household.members) && body.household.members.every((m) => m.name !== undefined && m.pin === undefined),
  'me: household members by name and relation, without their numbers');
ok(body.eid.state === 'active' && body.eid.level === 2, 'me: e-ID account status');
ok('card' in body, 'me: identity card status (or null)');

// The QR printed on the citizen's card, as an image (ME_QR_PNG: where the
// shell test gets the PNG that zbarimg reads back).
const png = await call(tokens.access_token, '/api/v1/me/card/qr?format=png');
const pngBytes = Buffer.from(await png.arrayBuffer());
ok(png.status === 200 && png.headers.get('content-type') === 'image/png' && pngBytes.subarray(1, 4).toString() === 'PNG',
  'me: the card QR as PNG');
if (process.env.ME_QR_PNG) writeFileSync(process.env.ME_QR_PNG, pngBytes);
const svg = await call(tokens.access_token, '/api/v1/me/card/qr');
ok(svg.status === 200 && svg.headers.get('content-type') === 'image/svg+xml' && /<svg/.test(await svg.text()),
  'me: the card QR as SVG');
ok((await call(tokens.access_token, '/api/v1/me/card/qr?format=gif')).status === 400, 'me: an unknown image format is refused (400)');

const acc = await call(tokens.access_token, '/api/v1/me/access');
const log = await acc.json();
ok(acc.status === 200 && log.accesses.some((e) => e.action === 'me.read' && e.org === clientId), 'me: the data tracker shows the read just made');
ok(log.accesses.some((e) => e.action === 'me.card.qr'), 'me: the data tracker shows the QR read');
ok(log.accesses.some((e) => e.action === 'eid.account.read'), 'me: the data tracker shows the officer reading the account');
const page1 = await (await call(tokens.access_token, '/api/v1/me/access?limit=2')).json();
ok(page1.accesses.length === 2 && page1.next_after === page1.accesses[1].seq, 'me: the tracker pages (limit 2 → next_after)');
const page2 = await (await call(tokens.access_token, `/api/v1/me/access?limit=2&after=${page1.next_after}`)).json();
ok(page2.accesses.length > 0 && page2.accesses[0].seq > page1.next_after, 'me: the next page goes on after it');
ok((await call(tokens.access_token, '/api/v1/me/access?limit=0')).status === 400, 'me: a bad limit → 400');

const lock = await call(tokens.access_token, '/api/v1/me/lock', 'POST');
ok(lock.status === 200, 'me: the citizen locks the account');
ok((await call(tokens.access_token, '/api/v1/me')).status === 401, 'me: after the lock the token no longer works');
ok((await call(plain.tokens.access_token, '/oidc/userinfo')).status === 401, 'me: the lock ended the other sessions too');
process.exit(failures ? 1 : 0);
