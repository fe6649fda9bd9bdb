// e-KYC release verified offline by a client we did not write (npm jose):
// the organisation fetches the provider's JWKS once and checks the JWT's
// ES256 signature, issuer, audience and lifetime itself.
// Usage: node kyc.mjs URL ORG TOKEN  → prints the verified claims as JSON;
// then checks that a tampered token and a wrong audience are refused.
import * as jose from 'jose';

const [url, org, token] = process.argv.slice(2);
const jwks = jose.createRemoteJWKSet(new URL(url + '/oidc/jwks'));
const opts = { issuer: url, audience: org, algorithms: ['ES256'] };
let failed = 0;
try {
	const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, opts);
	console.log('ok verified with kid ' + protectedHeader.kid);
	console.log('# CLAIMS ' + JSON.stringify(payload));
} catch (e) {
	console.log('not ok jose rejected the release: ' + e.code + ' ' + e.message);
	failed = 1;
}
const [h, p, s] = token.split('.');
const claims = JSON.parse(Buffer.from(p, 'base64url'));
claims.attributes = { ...claims.attributes, name: 'Người Khác' };
const forged = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
try {
	await jose.jwtVerify(forged, jwks, opts);
	console.log('not ok a tampered release was accepted');
	failed = 1;
} catch (e) {
	console.log('ok a tampered release is refused (' + e.code + ')');
}
try {
	await jose.jwtVerify(token, jwks, { ...opts, audience: 'another-org' });
	console.log('not ok a release for another organisation was accepted');
	failed = 1;
} catch (e) {
	console.log('ok the audience binds the release to its organisation (' + e.code + ')');
}
process.exit(failed);
