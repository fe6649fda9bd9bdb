// The relying party's path in chromium: enter the API key, upload a CSV
// batch, watch the job finish, download the result CSV (one line per
// input row), see the usage; then the dashboard page.
import { readFileSync } from 'node:fs';
import { URL, env, ok, browser, shot, run, keyboard, contrast } from './webui_lib.mjs';

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
    await contrast(page, '#console', 'rp console');
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

  // e-KYC: a request without attributes is stopped by the form; one asking
  // for an attribute outside the policy gets the server's 403; then a
  // request is created, listed as pending, and fetching it says pending.
  // The citizen approves on the /kyc/{id} page (when their account is
  // active) and the console shows the released JWT's claims.
  await page.locator('#kyc-list :is(table, p)').first().waitFor();
  const kpin = env.WEBUI_PIN3 || env.WEBUI_PIN;
  await page.fill('#kyc-pin', kpin);
  await page.click('#kyc-create');
  await page.locator('#kyc-out.bad').waitFor();
  ok((await page.textContent('#kyc-out')).includes('Chọn ít nhất một thông tin'), 'rp e-KYC: the form asks for at least one attribute');
  await page.check('#kyc-attrs input[value=name]');
  await page.check('#kyc-attrs input[value=address]');
  await page.click('#kyc-create');
  await page.locator('#kyc-out.bad', { hasText: '403' }).waitFor();
  ok((await page.textContent('#kyc-out')).includes('address'), "rp e-KYC: an attribute outside the policy: the server's 403 names it");
  await page.uncheck('#kyc-attrs input[value=address]');
  await page.check('#kyc-attrs input[value=dob]');
  await page.click('#kyc-create');
  await page.locator('#kyc-out.ok').waitFor();
  const kid = /kyc_[0-9a-zA-Z_-]+/.exec(await page.textContent('#kyc-out'))[0];
  const krow = page.locator('#kyc-list tbody tr', { hasText: kid });
  await krow.waitFor();
  ok((await krow.textContent()).includes(kpin) && await krow.locator('td[data-code=pending]').count() === 1 &&
    (await krow.textContent()).includes('name, dob'), 'rp e-KYC: the request is listed for the citizen, with its attributes, pending');
  const link = await page.getAttribute('#kyc-link', 'href');
  ok(link && link.endsWith('/kyc/' + kid), 'rp e-KYC: the approval link for the citizen is shown');
  await krow.locator('button[data-action=release]').click();
  await page.locator('#kyc-out.ok', { hasText: 'chưa trả lời' }).waitFor();
  ok(true, 'rp e-KYC: fetching the result while pending says the citizen has not answered');
  await shot(page, 'rp-kyc-pending');
  const cp = await (await page.context().browser().newContext({ locale: 'vi-VN' })).newPage();
  await cp.goto(link);
  await cp.fill('#pin', kpin);
  await cp.fill('#password', env.WEBUI_PASSWORD);
  await Promise.all([cp.waitForLoadState('load'), cp.click('button[value=approve]')]);
  const answer = await cp.textContent('main');
  const approved = answer.includes('Bạn đã đồng ý');
  await shot(cp, 'rp-kyc-citizen');
  await cp.close();
  if (!approved && env.WEBUI_PIN3) ok(false, `rp e-KYC: the citizen approves on the /kyc page (${answer.replace(/\s+/g, ' ').slice(0, 160)})`);
  else if (!approved) console.log(`# rp e-KYC: the citizen could not approve on the /kyc page (${answer.replace(/\s+/g, ' ').slice(0, 160)}); the release is untested`);
  else {
    await page.click('#kyc-reload button');
    await krow.locator('td[data-code=approved]').waitFor();
    await krow.locator('button[data-action=release]').click();
    await page.locator('#kyc-claims table, #kyc-claims dl').first().waitFor();
    const claims = await page.textContent('#kyc-claims');
    ok(claims.includes(kid) && claims.includes(kpin) && claims.includes('bank-w') && claims.includes('account_opening'),
      "rp e-KYC: after the citizen's approval, the released JWT's claims are shown (request, ID number, audience, purpose)");
    await shot(page, 'rp-kyc-released');
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
