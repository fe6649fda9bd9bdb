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
const server = (port) => new Provider(`http://127.0.0.1:${port}`, {
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
