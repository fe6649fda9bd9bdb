// Benchmark of dancu's OpenID Connect provider (not a test): password logins
// per second (argon2id, OWASP parameters) and code → token + userinfo
// exchanges per second, with CONC requests in flight. Plain fetch, so the
// relying party's own cost stays small. Usage:
//   node oidc_bench.mjs ISSUER CLIENT_ID SECRET REDIRECT PIN PASSWORD N CONC
import { createHash, randomBytes } from 'node:crypto';

const [issuer, clientId, secret, redirect, pin, password, nStr = '100', concStr = '2'] = process.argv.slice(2);
const N = Number(nStr), CONC = Number(concStr);
const b64 = (b) => Buffer.from(b).toString('base64url');
const basic = 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64');

async function loginForCode() {
  const verifier = b64(randomBytes(32));
  const challenge = b64(createHash('sha256').update(verifier).digest());
  const form = new URLSearchParams({
    client_id: clientId, redirect_uri: redirect, response_type: 'code', scope: 'openid profile birthdate',
    state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256',
    pin, password, decision: 'allow',
  });
  const r = await fetch(new URL('/oidc/authorize', issuer), { method: 'POST', body: form, redirect: 'manual' });
  await r.arrayBuffer();
  if (r.status !== 303) throw new Error(`login ${r.status}`);
  return { code: new URL(r.headers.get('location')).searchParams.get('code'), verifier };
}

async function exchange({ code, verifier }) {
  const t = await fetch(new URL('/oidc/token', issuer), {
    method: 'POST', headers: { authorization: basic },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }),
  });
  const tok = await t.json();
  if (!tok.access_token) throw new Error(`token ${t.status}`);
  const u = await fetch(new URL('/oidc/userinfo', issuer), { headers: { authorization: `Bearer ${tok.access_token}` } });
  await u.json();
  if (u.status !== 200) throw new Error(`userinfo ${u.status}`);
}

async function run(n, conc, fn) {
  let next = 0;
  const out = new Array(n);
  const lat = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < n) {
      const i = next++;
      const s = performance.now();
      out[i] = await fn(i);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { out, rate: n / secs, p50: lat[Math.floor(n * 0.5)], p99: lat[Math.min(n - 1, Math.floor(n * 0.99))] };
}

const logins = await run(N, CONC, () => loginForCode());
console.log(`logins: ${N} in flight ${CONC}: ${logins.rate.toFixed(1)}/s p50 ${logins.p50.toFixed(1)} ms p99 ${logins.p99.toFixed(1)} ms`);
const ex = await run(N, CONC, (i) => exchange(logins.out[i]));
console.log(`code->token+userinfo: ${N} in flight ${CONC}: ${ex.rate.toFixed(1)}/s p50 ${ex.p50.toFixed(1)} ms p99 ${ex.p99.toFixed(1)} ms`);
