// The peer in the OpenID Connect benchmark: npm oidc-provider (node) with one
// confidential client, one account and ES256 ID tokens — the same shape as
// the dancu run in scripts/bench_oidc.sh. Accounts have no password here
// (its development login form takes any name), so only the code → token +
// userinfo half compares like with like. Prints "listening URL" when ready.
//   node oidc_peer.mjs CLIENT_ID SECRET REDIRECT
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [clientId, secret, redirect] = process.argv.slice(2);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench', use: 'sig', alg: 'ES256' };

const claims = {
  sub: 'bench-subject', name: 'Nguyễn Văn An', family_name: 'Nguyễn', given_name: 'An',
  middle_name: 'Văn', birthdate: '1980-01-01',
};
// In-memory storage without a size bound. oidc-provider's default memory
// adapter is an LRU of 1,000 entries; a flow leaves several (session,
// interaction, grant, code, tokens), so past ~200 flows it evicted codes
// not yet redeemed and the benchmark's exchanges failed. Expired entries
// read as absent, as in the default.
const store = new Map();
const getLive = (k) => {
  const e = store.get(k);
  if (!e) return undefined;
  if (e.exp && e.exp < Date.now()) { store.delete(k); return undefined; }
  return e.v;
};
const put = (k, v, expiresIn) => store.set(k, { v, exp: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
class MapAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload, expiresIn) {
    if (this.model === 'Session') put(`sessionUid:${payload.uid}`, id, expiresIn);
    if (grantable.has(this.model) && payload.grantId) {
      const g = getLive(`grant:${payload.grantId}`);
      if (g) g.push(this.key(id)); else put(`grant:${payload.grantId}`, [this.key(id)], 0);
    }
    if (payload.userCode) put(`userCode:${payload.userCode}`, id, expiresIn);
    put(this.key(id), payload, expiresIn);
  }
  async find(id) { return getLive(this.key(id)); }
  async findByUid(uid) { return this.find(getLive(`sessionUid:${uid}`)); }
  async findByUserCode(code) { return this.find(getLive(`userCode:${code}`)); }
  async consume(id) { const v = getLive(this.key(id)); if (v) v.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const k of getLive(`grant:${grantId}`) || []) store.delete(k);
    store.delete(`grant:${grantId}`);
  }
}

const server = (port) => new Provider(`http://127.0.0.1:${port}`, {
  adapter: MapAdapter,
  clients: [{
    client_id: clientId, client_secret: secret, redirect_uris: [redirect],
    token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['name', 'family_name', 'given_name', 'middle_name'], birthdate: ['birthdate'] },
  cookies: { keys: ['bench-cookie-key-not-secret'] },
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ ...claims, sub }) }),
  features: { devInteractions: { enabled: true } },
});

// Bind to a free port first, then build the provider with its issuer.
import http from 'node:http';
const probe = http.createServer();
probe.listen(0, '127.0.0.1', () => {
  const { port } = probe.address();
  probe.close(() => {
    const p = server(port);
    p.listen(port, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${port}`));
  });
});
