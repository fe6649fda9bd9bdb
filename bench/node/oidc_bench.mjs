// Benchmark of an OpenID Connect provider (not a test): logins per second
// (dancu: argon2id at OWASP parameters) and code → token + userinfo exchanges
// per second, with CONC requests in flight. Plain fetch, so the relying
// party's own cost stays small. PIN = "peer" drives npm oidc-provider's
// development login and consent forms instead of dancu's page. Usage:
//   node oidc_bench.mjs ISSUER CLIENT_ID SECRET REDIRECT PIN PASSWORD N CONC
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const [issuer, clientId, secret, redirect, pin, password, nStr = '100', concStr = '2'] = process.argv.slice(2);
const N = Number(nStr), CONC = Number(concStr);
const disco = await (await fetch(new URL('/.well-known/openid-configuration', issuer))).json();
const peer = pin === 'peer';
const b64 = (b) => Buffer.from(b).toString('base64url');
const basic = 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64');

function authzParams() {
  const verifier = b64(randomBytes(32));
  const challenge = b64(createHash('sha256').update(verifier).digest());
  return {
    verifier,
    params: {
      client_id: clientId, redirect_uri: redirect, response_type: 'code', scope: 'openid profile birthdate',
      state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256',
    },
  };
}

async function loginForCode() {
  const { verifier, params } = authzParams();
  const form = new URLSearchParams({ ...params, pin, password, decision: 'allow' });
  const r = await fetch(disco.authorization_endpoint, { method: 'POST', body: form, redirect: 'manual' });
  await r.arrayBuffer();
  if (r.status !== 303) throw new Error(`login ${r.status}`);
  return { code: new URL(r.headers.get('location')).searchParams.get('code'), verifier };
}

// oidc-provider: authorize → login form → resume → consent form → resume
// → redirect with the code; cookies carried by hand.
async function peerLoginForCode() {
  const { verifier, params } = authzParams();
  const jar = new Map();
  const go = async (url, body) => {
    const headers = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    const r = await fetch(new URL(url, issuer), { method: body ? 'POST' : 'GET', body, headers, redirect: 'manual' });
    for (const c of r.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    await r.arrayBuffer();
    if (r.status !== 302 && r.status !== 303) throw new Error(`peer ${url} ${r.status}`);
    return r.headers.get('location');
  };
  let loc = await go(`${disco.authorization_endpoint}?${new URLSearchParams(params)}`);
  loc = await go(await go(loc, new URLSearchParams({ prompt: 'login', login: 'bench-subject', password: 'x' })));
  loc = await go(await go(loc, new URLSearchParams({ prompt: 'consent' })));
  const code = new URL(loc).searchParams.get('code');
  if (!code) throw new Error(`peer: no code in ${loc}`);
  return { code, verifier };
}

async function exchange({ code, verifier }) {
  const t = await fetch(disco.token_endpoint, {
    method: 'POST', headers: { authorization: basic },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }),
  });
  const tok = await t.json();
  if (!tok.access_token) throw new Error(`token ${t.status}`);
  const u = await fetch(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${tok.access_token}` } });
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

// FLOOD=1: past saturation. N logins with CONC in flight (many more than
// the hash threads); counts the answers by status and probes /healthz
// every 20 ms meanwhile: the event loops must stay responsive.
if (process.env.FLOOD) {
  const counts = {};
  let probing = true, worst = 0, probes = 0;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await (await fetch(new URL('/healthz', issuer))).arrayBuffer();
      worst = Math.max(worst, performance.now() - t);
      probes++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const res = await run(N, CONC, async () => {
    const { params } = authzParams();
    const form = new URLSearchParams({ ...params, pin, password, decision: 'allow' });
    const r = await fetch(disco.authorization_endpoint, { method: 'POST', body: form, redirect: 'manual' });
    await r.arrayBuffer();
    counts[r.status] = (counts[r.status] || 0) + 1;
  });
  probing = false;
  await probe;
  console.log(`flood: ${N} logins in flight ${CONC}: ${res.rate.toFixed(1)}/s answered, statuses ${JSON.stringify(counts)}, ` +
    `p50 ${res.p50.toFixed(1)} ms p99 ${res.p99.toFixed(1)} ms; /healthz worst ${worst.toFixed(1)} ms over ${probes} probes`);
  process.exit(0);
}

// SERVER_PID: the server's CPU time (every thread's, from
// /proc/PID/task/*/schedstat, in ns) spent during a phase, so that a phase
// can be given per core-second of the server: on a small shared machine the
// load generator (this node process) is the bottleneck, not the server.
const serverPid = process.env.SERVER_PID;
function cpuNs() {
  if (!serverPid) return 0;
  let ns = 0;
  for (const t of readdirSync(`/proc/${serverPid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${serverPid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* gone */ }
  }
  return ns;
}
const perCore = (n, ns) => (serverPid ? `; server CPU ${(ns / 1e6).toFixed(0)} ms = ${(n / (ns / 1e9)).toFixed(0)}/s per core` : '');

let c0 = cpuNs();
const logins = await run(N, CONC, () => (peer ? peerLoginForCode() : loginForCode()));
const loginNs = cpuNs() - c0;
console.log(`logins: ${N} in flight ${CONC}: ${logins.rate.toFixed(1)}/s p50 ${logins.p50.toFixed(1)} ms p99 ${logins.p99.toFixed(1)} ms${perCore(N, loginNs)}`);
// CODES_OUT=FILE: the codes are for bench/oidc_rp.c (a relying party in
// C): write them with the endpoints and the client, and stop here.
if (process.env.CODES_OUT) {
  const tok = new URL(disco.token_endpoint), ui = new URL(disco.userinfo_endpoint);
  const lines = [`${tok.hostname} ${tok.port} ${tok.pathname} ${ui.pathname} ${clientId} ${secret} ${redirect}`];
  for (const { code, verifier } of logins.out) lines.push(`${code} ${verifier}`);
  writeFileSync(process.env.CODES_OUT, lines.join('\n') + '\n');
  process.exit(0);
}
c0 = cpuNs();
const ex = await run(N, CONC, (i) => exchange(logins.out[i]));
const exNs = cpuNs() - c0;
console.log(`code->token+userinfo: ${N} in flight ${CONC}: ${ex.rate.toFixed(1)}/s p50 ${ex.p50.toFixed(1)} ms p99 ${ex.p99.toFixed(1)} ms${perCore(N, exNs)}`);
