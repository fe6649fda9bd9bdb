// The officer's path in chromium: login with password + TOTP, register a
// birth in the own commune (the new number is shown), one outside it
// (403 shown), the residence and review queues load, a card application
// filed and approved, keyboard navigation between tabs.
import { URL, env, ok, browser, shot, run, totp } from './webui_lib.mjs';

await run('officer', async () => {
  const { b, page, problems } = await browser();
  await page.goto(URL + '/ui/officer.html');
  await page.fill('#l-officer', env.WEBUI_OFFICER);
  await page.fill('#l-password', 'wrong password here');
  await page.fill('#l-totp', '000000');
  await page.click('#login-form button[type=submit]');
  await page.locator('#msg.bad').waitFor();
  ok(await page.locator('#console').isHidden(), 'officer: a wrong password is refused');
  await page.fill('#l-password', 'a long enough passphrase');
  await page.fill('#l-totp', totp());
  await page.click('#login-form button[type=submit]');
  await page.locator('#console').waitFor({ state: 'visible' });
  ok(true, 'officer: login with password + TOTP');
  await page.click('#lang');
  ok(await page.textContent('[data-tab=birth]') === 'Birth' && await page.textContent('label[for=b-dob]') === 'Date of birth',
    'officer: the console in English');
  await page.click('#lang');
  ok(await page.textContent('[data-tab=birth]') === 'Khai sinh', 'officer: and back in Vietnamese');

  await page.click('[data-tab=birth]');
  const today = new Date(Date.now() + 7 * 3600e3 - 86400e3).toISOString().slice(0, 10);
  await page.fill('#b-name', 'Trần Thị Web');
  await page.fill('#b-dob', today);
  await page.selectOption('#b-sex', 'F');
  await page.fill('#b-unit', env.WEBUI_COMMUNE);
  await page.fill('#b-perm', env.WEBUI_COMMUNE);
  await page.fill('#b-mothername', 'Lê Thị Hằng');
  await page.fill('#b-ev', 'KS-WEB-1');
  await page.click('#birth-form button[type=submit]');
  await page.locator('#birth-out.ok').waitFor();
  const out = await page.locator('#birth-out').textContent();
  const m = out.match(/(\d{12})/);
  ok(!!m, 'officer: birth registered, the new number shown');
  await shot(page, 'officer-birth');

  // The same birth again: a likely duplicate, queued for review; the officer decides in the queue.
  await page.fill('#b-name', 'Trần Thị Web');
  await page.fill('#b-dob', today);
  await page.selectOption('#b-sex', 'F');
  await page.fill('#b-unit', env.WEBUI_COMMUNE);
  await page.fill('#b-perm', env.WEBUI_COMMUNE);
  await page.fill('#b-mothername', 'Lê Thị Hằng');
  await page.fill('#b-ev', 'KS-WEB-1B');
  await page.evaluate(() => { document.getElementById('birth-out').textContent = ''; });
  await page.click('#birth-form button[type=submit]');
  await page.locator('#birth-out:not(:empty)').waitFor();
  const queued = !/\d{12}/.test(await page.textContent('#birth-out'));
  ok(queued, 'officer: the same birth again is queued as a likely duplicate');
  if (queued) {
    await page.click('[data-tab=reviews]');
    await page.locator('#review-list button[data-action=view]').first().waitFor();
    await page.locator('#review-list button[data-action=view]').first().click();
    await page.locator('#review-item button[data-action=reject]').waitFor();
    await shot(page, 'officer-review');
    await page.click('#review-item button[data-action=reject]');
    await page.locator('#msg.ok').waitFor();
    ok((await page.textContent('#msg')).includes('reject'), 'officer: the duplicate rejected from the review queue');
    await page.click('[data-tab=birth]');
  }

  const other = env.WEBUI_COMMUNE === '00004' ? '00008' : '00004';
  await page.fill('#b-name', 'Lê Văn Ngoài');
  await page.fill('#b-dob', today);
  await page.fill('#b-unit', other);
  await page.fill('#b-perm', other);
  await page.fill('#b-ev', 'KS-WEB-2');
  await page.click('#birth-form button[type=submit]');
  await page.locator('#birth-out.bad').waitFor();
  ok((await page.locator('#birth-out').textContent()).includes('403'), 'officer: a birth outside the jurisdiction is refused (403)');

  await page.click('[data-tab=dossiers]');
  await page.locator('#dossier-list :is(table, p)').waitFor();
  ok(true, 'officer: the residence dossier list loads');
  await page.click('[data-tab=reviews]');
  await page.locator('#review-list :is(table, p)').waitFor();
  ok(true, 'officer: the duplicate review queue loads');
  await page.click('[data-tab=stays]');
  await page.locator('#stay-list :is(table, p)').waitFor();
  ok(true, 'officer: the stay overview loads');
  await page.click('[data-tab=overdue]');
  await page.locator('#overdue-list :is(table, p)').waitFor();
  await page.locator('#overdue-public').filter({ hasText: /./ }).waitFor();
  ok(true, 'officer: the overdue lists load (residence and public services)');

  // Keyboard: the arrow keys move between tabs.
  await page.focus('[data-tab=overdue]');
  await page.keyboard.press('ArrowRight');
  ok(await page.getAttribute('[data-tab=reviews]', 'aria-selected') === 'true', 'officer: arrow keys move between tabs');

  await page.click('[data-tab=cards]');
  await page.fill('#ca-pin', env.WEBUI_PIN);
  await page.selectOption('#ca-kind', 'first');
  await page.click('#card-form button[type=submit]');
  await page.locator('#card-list table').waitFor();
  ok((await page.locator('#card-list').textContent()).includes('applied'), 'officer: a card application filed and listed');
  await page.click('#card-list button[data-action=approve]');
  await page.locator('#card-list td:text-is("approved")').waitFor();
  ok(true, 'officer: the card approved');
  await shot(page, 'officer-cards');

  if (env.WEBUI_HAS_EID === '1' && env.WEBUI_PIN2) {
    await page.click('[data-tab=eid]');
    await page.locator(`#eid-list td:text-is("${env.WEBUI_PIN2}")`).waitFor();
    ok(true, 'officer: the pending level-2 account is in the work list');
    const row = page.locator('#eid-list tr', { has: page.locator(`td:text-is("${env.WEBUI_PIN2}")`) });
    await row.locator('button[data-action=approve]').click();
    await page.locator('#msg.bad').waitFor();
    ok(true, 'officer: approval without the in-person check statement is refused');
    await page.check('#eid-checked');
    await page.locator('#eid-list button[data-action=approve]').first().waitFor();
    await page.locator('#eid-list tr', { has: page.locator(`td:text-is("${env.WEBUI_PIN2}")`) }).locator('button[data-action=approve]').click();
    await page.locator('#msg.ok').waitFor();
    ok((await page.locator('#msg').textContent()).includes(env.WEBUI_PIN2), 'officer: level-2 account approved');
    await shot(page, 'officer-eid');
  }
  await page.click('#logout');
  await page.locator('#login-form').waitFor({ state: 'visible' });
  ok(true, 'officer: logout');
  const bad = problems.filter(p => !/status of 4\d\d/.test(p));
  ok(bad.length === 0, 'officer: no script errors or CSP violations' + (bad.length ? ' — ' + bad[0] : ''));
  await b.close();
});
