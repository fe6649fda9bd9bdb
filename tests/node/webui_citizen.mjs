// The citizen's path in chromium: front page → citizen portal → "log in
// with e-ID" → the provider's login page (personal ID number + password,
// consent) → back with a code, exchanged with PKCE by the page → the
// record from userinfo, consents, login history; the English toggle;
// revoking the portal's own consent logs the page out; a phone-width view.
import { URL, env, ok, browser, shot, run, keyboard, contrast } from './webui_lib.mjs';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

await run('citizen', async () => {
  const { b, page, problems } = await browser();
  await page.goto(URL + '/');
  ok(page.url().endsWith('/ui/'), 'citizen: / lands on /ui/');
  ok(await page.locator('h1').textContent() === 'Cổng dịch vụ dân cư và định danh điện tử', 'citizen: front page in Vietnamese');
  await shot(page, 'home-vi');
  await page.click('#lang');
  ok(await page.locator('h1').textContent() === 'Population and e-identity services', 'language toggle: English');
  ok(await page.evaluate(() => document.documentElement.lang) === 'en', 'language toggle: <html lang="en">');
  await shot(page, 'home-en');
  await page.click('#lang');
  ok(await page.evaluate(() => document.documentElement.lang) === 'vi', 'language toggle: back to Vietnamese');

  await page.click('a[href="citizen.html"] >> nth=0');
  await page.click('#login');
  await page.waitForURL(/\/oidc\/authorize/);
  ok(true, 'citizen: the e-ID button leads to the OIDC login page');
  await shot(page, 'oidc-login');
  await page.fill('#pin', env.WEBUI_PIN);
  await page.fill('#password', env.WEBUI_PASSWORD);
  await page.click('button[value=allow]');
  await page.waitForURL(/\/ui\/citizen\.html$/);
  ok(!page.url().includes('code='), 'citizen: the code is taken out of the address bar');
  await page.locator('#record dl').waitFor();
  const rec = await page.locator('#record').textContent();
  ok(rec.includes(env.WEBUI_PIN), 'citizen: own record shows the personal ID number');
  ok(/Họ và tên/.test(rec), 'citizen: labels in Vietnamese');
  await page.locator('#consents table').waitFor();
  ok((await page.locator('#consents').textContent()).includes('dancu-portal'), 'citizen: consents list the portal');
  await page.locator('#logins table').waitFor();
  ok((await page.locator('#logins tbody tr').count()) >= 1, 'citizen: login history has the login');
  ok(await page.evaluate(() => !!sessionStorage.getItem('dancu.citizen') && !localStorage.getItem('dancu.citizen')),
    'citizen: the token is kept per tab (sessionStorage), not in localStorage');
  if (env.WEBUI_HAS_ME === '1') {
    await page.locator('#me-record dl').waitFor();
    ok((await page.locator('#me-record').textContent()).includes(env.WEBUI_PIN), 'citizen: /api/v1/me: own record');
    ok(await page.locator('#me-residence').count() === 1 && await page.locator('#me-household').count() === 1,
      'citizen: residence and household sections');
    await page.locator('#tracker table').waitFor();
    ok((await page.locator('#tracker').textContent()).includes('me.read'), 'citizen: the data tracker shows this very read');
    ok(await page.locator('#lock').isVisible(), 'citizen: the lock button is offered');

    // The card's QR as the portal shows it, read back by zbarimg from a
    // screenshot of the image: exactly the payload the card API gives.
    await page.locator('#me-card-qr').waitFor();
    const png = `${env.WEBUI_SHOTS}/citizen-card-qr.png`;
    await page.locator('#me-card-qr').screenshot({ path: png });
    let read = '';
    try { read = execFileSync('zbarimg', ['--raw', '-q', png]).toString().replace(/\n$/, ''); } catch (e) { read = 'zbarimg: ' + e.message; }
    ok(env.WEBUI_QR_PAYLOAD && read === env.WEBUI_QR_PAYLOAD,
      `citizen: the card QR in the portal decodes (zbarimg) to the API's payload` + (read === env.WEBUI_QR_PAYLOAD ? '' : ` — got ${read.slice(0, 80)}`));
  }
  await shot(page, 'citizen');

  if (env.WEBUI_NAT_TOKEN && await page.locator('#svc-wrap').isVisible()) {
    // A temporary-residence dossier (fee 7,000 đ): the officer asks for
    // more (over HTTP), the citizen answers in the portal and pays through
    // the demo gateway.
    const other = env.WEBUI_COMMUNE === '00004' ? '00008' : '00004';
    await page.selectOption('#svc', 'temp_register');
    await page.fill('#svc-temp_commune', other);
    await page.fill('#svc-temp_address', 'Số 5 ngõ Web');
    await page.click('#svc-submit');
    await page.locator('#svc-out.ok').waitFor();
    const id = await page.getAttribute('#svc-out', 'data-id');
    const nat = (method, path, body) => fetch(URL + path, { method, headers: { Authorization: 'Bearer ' + env.WEBUI_NAT_TOKEN,
      'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    for (const to of ['received', 'processing', 'supplement_requested'])
      if ((await nat('POST', `/api/v1/dossiers/${id}/transition`, { to, note: to === 'supplement_requested' ? 'Thiếu hợp đồng thuê nhà' : 'web' })).status !== 200)
        throw new Error('officer transition to ' + to + ' refused');
    await page.locator('#dossiers tr', { has: page.locator(`td:text-is("${id}")`) }).locator('button[data-action=view]').click();
    await page.locator('#supplement-form').waitFor();
    ok(true, 'citizen: a dossier in "supplement requested" offers the supplement form');
    await keyboard(page, '#dossier', 'citizen supplement and payment');
    await contrast(page, '#dossier', 'citizen supplement and payment');
    await page.fill('#supplement-note', 'Hợp đồng thuê nhà số 12/2026 đính kèm');
    await page.setInputFiles('#supplement-file', { name: 'ghi-chu.txt', mimeType: 'text/plain', buffer: Buffer.from('không phải PDF') });
    await page.evaluate(() => { document.getElementById('msg').className = 'msg'; });
    await page.click('#supplement-send');
    await page.locator('#msg.bad').waitFor();
    const d0 = await (await nat('GET', `/api/v1/dossiers/${id}`)).json();
    ok((await page.textContent('#msg')).includes('415') && d0.state === 'supplement_requested',
      'citizen: a text file is refused (415 shown) and nothing is sent');
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    await page.setInputFiles('#supplement-file', { name: 'hop-dong-thue-nha.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.click('#supplement-send');
    await page.locator('#msg.ok').waitFor();
    await page.locator('#supplement-form').waitFor({ state: 'detached' });
    const d1 = await (await nat('GET', `/api/v1/dossiers/${id}`)).json();
    ok(d1.state === 'processing' && JSON.stringify(d1.history).includes('Hợp đồng thuê nhà số 12/2026'),
      'citizen: the supplement sent: back to processing, the answer in the history');
    await page.locator('#dossier-attachments td', { hasText: 'hop-dong-thue-nha.pdf' }).waitFor();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dossier-attachments button[data-action=download]')]);
    const got = readFileSync(await dl.path());
    ok(Buffer.compare(got, pdf) === 0 && dl.suggestedFilename() === 'hop-dong-thue-nha.pdf',
      'citizen: the PDF sent with the supplement is listed on the dossier and downloads byte for byte');
    ok((await page.textContent('#pay')).includes('7.000'), 'citizen: the fee due is offered for payment (7.000 đ)');
    await page.click('#pay');
    await page.locator('#msg.ok').filter({ hasText: /:/ }).waitFor();
    await page.locator('#pay').waitFor({ state: 'detached' });
    const d2 = await (await nat('GET', `/api/v1/dossiers/${id}`)).json();
    ok(d2.paid_vnd === 7000 && Array.isArray(d2.payments) && d2.payments.length === 1 && d2.payments[0].gateway === 'demo',
      'citizen: paid through the demo gateway (paid 7000, one payment recorded)');
    ok((await page.textContent('#dossier-payments')).includes('7000'), 'citizen: the payment shown in the dossier');
    await shot(page, 'citizen-dossier-paid');
  }

  // The token works only with PKCE: a replay of the flow without the page's verifier is refused.
  const r = await page.evaluate(async () => (await fetch('/oidc/token', { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=authorization_code&code=x&client_id=dancu-portal&redirect_uri=' + encodeURIComponent(location.href) })).status);
  ok(r === 400, 'citizen: a code exchange without a verifier is refused (400)');

  await page.click('#consents button');
  await page.locator('#login').waitFor({ state: 'visible' });
  ok(await page.evaluate(() => !sessionStorage.getItem('dancu.citizen')), 'citizen: revoking the portal consent logs out');
  if (env.WEBUI_HAS_ME === '1') {
    // Log in again (the consent page comes back), then lock the account from the portal.
    await page.click('#login');
    await page.waitForURL(/\/oidc\/authorize/);
    await page.fill('#pin', env.WEBUI_PIN);
    await page.fill('#password', env.WEBUI_PASSWORD);
    await page.click('button[value=allow]');
    await page.locator('#lock').waitFor({ state: 'visible' });
    page.once('dialog', d => d.accept());
    await page.click('#lock');
    await page.locator('#login').waitFor({ state: 'visible' });
    ok((await page.locator('#msg').textContent()).length > 0 && await page.evaluate(() => !sessionStorage.getItem('dancu.citizen')),
      'citizen: locking the own account from the portal logs out');
    await page.click('#login');
    await page.waitForURL(/\/oidc\/authorize/);
    await page.fill('#pin', env.WEBUI_PIN);
    await page.fill('#password', env.WEBUI_PASSWORD);
    await page.click('button[value=allow]');
    await page.waitForLoadState();
    ok(page.url().includes('/oidc/authorize') && (await page.textContent('body')).includes('locked'),
      'citizen: a locked account cannot log in again (the login page says so)');
    await shot(page, 'citizen-locked');
    await page.goto(URL + '/ui/citizen.html');
  }
  const after = await page.evaluate(async () => (await fetch('/oidc/userinfo', { headers: { Authorization: 'Bearer x' } })).status);
  ok(after === 401, 'citizen: userinfo without a valid token → 401');

  // Phone width: no horizontal scrolling on the front page.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(URL + '/ui/');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  ok(wide, 'phone width: the front page fits 375 px');
  await shot(page, 'home-phone');
  // Expected 4xx: probes of optional APIs (/api/v1/me, …) and the refused calls above.
  const bad = problems.filter(p => !/status of 4\d\d/.test(p));
  ok(bad.length === 0, 'citizen: no script errors or CSP violations' + (bad.length ? ' — ' + bad[0] : ''));
  await b.close();
});
