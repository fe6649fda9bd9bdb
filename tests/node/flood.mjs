// Slow clients and a connection flood: N sockets that send half a request
// and then trickle one byte a second (slowloris), plus M idle sockets,
// while real requests must still be answered promptly.
//   node flood.mjs BASE_URL N
import net from 'node:net';

const base = new URL(process.argv[2]);
const n = Number(process.argv[3] || 1000);
const socks = [];
let opened = 0;
for (let i = 0; i < n; i++) {
  const s = net.connect(Number(base.port), base.hostname, () => {
    opened++;
    if (i % 2 === 0) s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  });
  s.on('error', () => {});
  socks.push(s);
}
const trickle = setInterval(() => {
  for (let i = 0; i < socks.length; i += 2) if (!socks[i].destroyed) socks[i].write('a');
}, 1000);
await new Promise((r) => setTimeout(r, 1500));
console.log(`ok ${opened} of ${n} flood connections open`);
let worst = 0, good = 0;
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  try {
    const r = await fetch(new URL('/healthz', base), { signal: AbortSignal.timeout(5000) });
    if (r.status === 200) good++;
    await r.text();
  } catch (e) { /* counted as not good */ }
  worst = Math.max(worst, performance.now() - t0);
}
console.log(`${good === 20 ? 'ok' : 'not ok'} real requests answered during the flood (${good}/20)`);
console.log(`${worst < 1000 ? 'ok' : 'not ok'} promptly (worst ${worst.toFixed(0)} ms < 1000 ms)`);
clearInterval(trickle);
for (const s of socks) s.destroy();
process.exit(good === 20 && worst < 1000 ? 0 : 1);
