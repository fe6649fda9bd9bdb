// The citizen's path in chromium: front page → citizen portal → "log in
// with e-ID" → the provider's login page (personal ID number + password,
// consent) → back with a code, exchanged with PKCE by the page → the
// record from userinfo, consents, login history; the English toggle;
// revoking the portal's own consent logs the page out; a phone-width view.
import { URL, env, ok, browser, shot, run } from './webui_lib.mjs';

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
  }
  await shot(page, 'citizen');

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
