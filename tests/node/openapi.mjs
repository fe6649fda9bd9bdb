// Validates dancu's OpenAPI document with a validator we did not write
// (@readme/openapi-parser), and checks that every route the running server
// has (as listed in its /metrics) is documented.
//   node openapi.mjs BASE_URL
import { validate } from '@readme/openapi-parser';

const base = process.argv[2];
const doc = await (await fetch(`${base}/api/openapi.json`)).json();
const result = await validate(structuredClone(doc));
if (!result.valid) {
  console.log('not ok the OpenAPI document is valid');
  console.log(JSON.stringify(result.errors ?? result, null, 1).slice(0, 4000));
  process.exit(1);
}
console.log('ok the OpenAPI document is valid OpenAPI ' + doc.openapi);
const metrics = await (await fetch(`${base}/metrics`)).text();
const routes = new Set([...metrics.matchAll(/route="([^"]+)"/g)].map((m) => m[1]));
routes.delete('unmatched');
const paths = Object.keys(doc.paths);
let missing = 0;
for (const r of routes) {
  const documented = r.endsWith('/') ? paths.some((p) => p.startsWith(r)) : paths.includes(r);
  if (!documented) {
    console.log(`not ok route ${r} is documented`);
    missing++;
  }
}
if (!missing) console.log(`ok all ${routes.size} routes are documented`);
// Every documented path is served: no stale entries.
const stale = paths.filter((p) => ![...routes].some((r) => (r.endsWith('/') ? p.startsWith(r) : p === r)));
if (stale.length) console.log(`not ok no stale paths: ${stale.join(', ')}`);
else console.log('ok every documented path exists');
process.exit(missing || stale.length ? 1 : 0);
