// The e-KYC approval page in headless Debian chromium (npm playwright-core,
// a client we did not write): the citizen opens the approval URL, reads the
// organisation, purpose and attributes, signs in with e-ID and approves (or
// declines); no console error or CSP violation on the way.
// Usage: node kyc_page.mjs APPROVAL_URL PIN PASSWORD approve|decline
import { chromium } from 'playwright-core';

const [url, pin, password, decision] = process.argv.slice(2);
let failed = 0;
const ok = (cond, name) => {
  console.log(`${cond ? 'ok' : 'not ok'} ${name}`);
  if (!cond) failed++;
};
const b = await chromium.launch({ executablePath: process.env.KYC_CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await (await b.newContext({ locale: 'vi-VN' })).newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.setDefaultTimeout(10000);
  const res = await page.goto(url);
  ok(res.status() === 200, 'chromium: the approval page loads');
  ok((await page.textContent('#org')).includes('Ngân hàng A'), 'chromium: it names the organisation');
  ok((await page.textContent('#purpose')).includes('Mở tài khoản'), 'chromium: it names the purpose');
  const items = await page.$$eval('#attributes li', (li) => li.map((x) => x.textContent));
  ok(items.length === 3 && items[0].includes('Họ, chữ đệm và tên') && items[1].includes('Date of birth'),
    'chromium: it lists each attribute in Vietnamese and English');
  await page.fill('#pin', pin);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click(`button[value=${decision}]`)]);
  const text = await page.textContent('main');
  ok(decision === 'approve' ? text.includes('Bạn đã đồng ý') : text.includes('Bạn đã từ chối'),
    `chromium: the citizen ${decision}s after signing in`);
  ok((await page.getAttribute('#return', 'href') || '').includes(`state=${decision}d`),
    'chromium: a link leads back to the organisation');
  ok(problems.length === 0, `chromium: no console errors or CSP violations${problems.length ? ': ' + problems[0] : ''}`);
} catch (e) {
  ok(false, `chromium: ${String(e && e.message || e).split('\n')[0]}`);
} finally {
  await b.close();
}
process.exit(failed ? 1 : 0);
