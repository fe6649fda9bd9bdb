// The relying party's path in chromium: enter the API key, upload a CSV
// batch, watch the job finish, download the result CSV (one line per
// input row), see the usage; then the dashboard page.
import { readFileSync } from 'node:fs';
import { URL, env, ok, browser, shot, run, keyboard } from './webui_lib.mjs';

await run('rp', async () => {
  const { b, page, problems } = await browser();
  await page.goto(URL + '/ui/rp.html');
  await page.fill('#apikey', 'not-a-key');
  await page.click('#key-form button[type=submit]');
  await page.locator('#msg.bad').waitFor();
  ok(await page.locator('#console').isHidden(), 'rp: a wrong API key is refused');
  await page.fill('#apikey', env.WEBUI_APIKEY);
  await page.click('#key-form button[type=submit]');
  await page.locator('#console').waitFor({ state: 'visible' });
  await page.setInputFiles('#csv', env.WEBUI_CSV);
  await page.click('#upload');
  await page.locator('#download').waitFor({ state: 'visible', timeout: 30000 });
  ok(await page.locator('#bar').evaluate(e => e.value) === 100, 'rp: batch upload: progress reaches 100%');
  ok((await page.locator('#summary').textContent()).includes('Khớp hoàn toàn'), 'rp: the summary is shown (in Vietnamese)');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const path = `${env.WEBUI_SHOTS}/result.csv`;
  await dl.saveAs(path);
  const rows = readFileSync(path, 'utf8').trim().split('\n').length - 1;
  const inRows = readFileSync(env.WEBUI_CSV, 'utf8').trim().split('\n').length - 1;
  ok(rows === inRows, `rp: the result CSV downloaded with one line per row (${rows}/${inRows})`);
  await page.locator('#usage table').waitFor();
  ok((await page.locator('#usage').textContent()).includes(String(inRows)), 'rp: usage counts the rows');
  await shot(page, 'rp');

  // The organisation's own API keys: the key in use is listed (never its
  // secret); a new key is shown once; the console switches to it; the old
  // one is revoked and stops working.
  if (await page.locator('#keys table').count() === 0) await page.locator('#keys :is(table, p)').first().waitFor();
  const hasKeys = await page.locator('#keys table').count() === 1;
  ok(hasKeys, 'rp: the API keys section lists the keys');
  if (hasKeys) {
    const oldId = env.WEBUI_APIKEY.split('.')[0];
    const keysText = await page.textContent('#keys');
    ok(keysText.includes(oldId) && !keysText.includes(env.WEBUI_APIKEY.split('.')[1]), 'rp: the key in use is listed by id, its secret is not');
    await keyboard(page, '#console', 'rp console');
    await page.fill('#newkey-label', 'Chi nhánh Web');
    await page.click('#newkey-create');
    await page.locator('#newkey').waitFor({ state: 'visible' });
    const newKey = await page.textContent('#newkey-value');
    ok(/^dck_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/.test(newKey), 'rp: a new key is created and shown once');
    await page.locator('#keys tbody tr', { hasText: 'Chi nhánh Web' }).waitFor();
    ok(await page.locator('#keys tbody tr').count() === 2, 'rp: the list has both keys');
    await shot(page, 'rp-newkey');
    await page.click('#newkey-use');
    await page.locator('#newkey').waitFor({ state: 'hidden' });
    ok(await page.textContent('#newkey-value') === '', 'rp: the key is gone from the page once used');
    const cur = page.locator('#keys tbody tr', { hasText: 'Chi nhánh Web' });
    await cur.locator('td:nth-child(6)').filter({ hasText: '✓' }).waitFor();
    ok(true, 'rp: the console now uses the new key');
    page.once('dialog', d => d.accept());
    await page.locator('#keys tbody tr', { hasText: oldId }).locator('button[data-action=revoke]').click();
    await page.locator('#msg.ok').filter({ hasText: oldId }).waitFor();
    const oldStatus = (await fetch(URL + '/api/v1/verify/usage', { headers: { Authorization: 'ApiKey ' + env.WEBUI_APIKEY } })).status;
    const newStatus = (await fetch(URL + '/api/v1/verify/usage', { headers: { Authorization: 'ApiKey ' + newKey } })).status;
    ok(oldStatus === 401 && newStatus === 200, `rp: the old key revoked (${oldStatus}), the new one works (${newStatus})`);
    await page.locator('#keys tbody tr', { hasText: oldId }).locator('button[data-action=revoke]').waitFor({ state: 'detached' });
    ok(true, 'rp: the revoked key can no longer be revoked (no button)');
    await shot(page, 'rp-keys');
    await page.setViewportSize({ width: 375, height: 740 });
    ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'rp: the console with its keys fits a 375 px phone screen');
    await shot(page, 'rp-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  await page.goto(URL + '/ui/dashboard.html');
  await page.locator('#msg:not(:empty), #charts svg').first().waitFor();
  const hasStats = await page.locator('#charts svg').count();
  ok(hasStats > 0 || (await page.locator('#msg').textContent()).length > 0, 'dashboard: charts, or a note that statistics are not served yet');
  await shot(page, 'dashboard-nologin');
  const bad = problems.filter(p => !/status of 4\d\d/.test(p));
  ok(bad.length === 0, 'rp: no script errors or CSP violations' + (bad.length ? ' — ' + bad[0] : ''));
  await b.close();
});
