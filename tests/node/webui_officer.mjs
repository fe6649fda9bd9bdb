// The officer's path in chromium: login with password + TOTP, register a
// birth in the own commune (the new number is shown), one outside it
// (403 shown), the residence and review queues load, a card application
// filed and approved, keyboard navigation between tabs.
import { URL, env, ok, browser, shot, run, totp, keyboard, contrast } from './webui_lib.mjs';

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
  if (env.WEBUI_PIN2) {
    // A permanent registration through the form: a missing address is named
    // by the form, an unknown commune by the server (problem+json), then the
    // dossier is filed and listed with its details.
    await page.selectOption('#dn-kind', 'perm_register');
    await page.fill('#dn-pin', env.WEBUI_PIN2);
    ok(await page.inputValue('#dn-commune') === env.WEBUI_COMMUNE, "officer: the residence form starts with the commune officer's own commune");
    await page.locator('#dc-communes option[value="00004"]').waitFor({ state: 'attached' });
    ok(await page.getAttribute('#dn-commune', 'list') === 'dc-communes' &&
      await page.locator('#dc-communes option').count() === 3321, 'officer: commune fields offer the 3,321 communes');
    ok(/Ba Đình — /.test(await page.getAttribute('#dc-communes option[value="00004"]', 'label')), 'officer: the commune list names 00004 by name and province');
    await page.fill('#dn-commune', env.WEBUI_COMMUNE);
    await page.click('#dossier-form button[type=submit]');
    await page.locator('#dossier-out.bad').waitFor();
    ok((await page.textContent('#dossier-out')).includes(await page.textContent('label[for=dn-address]')) &&
      await page.getAttribute('#dn-address', 'aria-invalid') === 'true', 'officer: the dossier form names the missing address');
    await page.fill('#dn-address', 'Số 12 ngõ Web');
    await page.fill('#dn-commune', '99999');
    await page.click('#dossier-form button[type=submit]');
    await page.locator('#dossier-out.bad', { hasText: /4[0-9][0-9]/ }).waitFor();
    ok(/commune/.test(await page.textContent('#dossier-out')), "officer: the server's problem+json for a bad commune shows under the form");
    await page.fill('#dn-commune', env.WEBUI_COMMUNE);
    await page.click('#dossier-form button[type=submit]');
    await page.locator('#dossier-out.ok').waitFor();
    const row = page.locator('#dossier-list tr', { hasText: env.WEBUI_PIN2 }).filter({ hasText: 'Số 12 ngõ Web' });
    await row.first().waitFor();
    const text = await row.first().textContent();
    ok(text.includes('Đăng ký thường trú') && text.includes('household: new') && text.includes(env.WEBUI_COMMUNE),
      'officer: the permanent registration filed through the form is listed with its kind, commune, address and household');
    ok(await page.isHidden('#dn-until') && await page.isHidden('#dn-hhid'), 'officer: only the fields of the chosen procedure show');
    await page.selectOption('#dn-hh', 'join');
    ok(await page.isVisible('#dn-hhid') && await page.isVisible('#dn-rel'), 'officer: joining a household asks for its ID and the relation');
    await keyboard(page, '#tab-dossiers', 'officer residence forms');
    await page.selectOption('#dn-kind', 'temp_absence');
    ok(await page.isVisible('#dn-from') && await page.isVisible('#dn-case') && await page.isHidden('#dn-address'),
      'officer: the temporary absence form has its own fields');
    ok((await page.textContent('#dn-case option[value=d]')).includes('12'), 'officer: the absence cases are offered with their wording (Art. 31(1))');
    // A temporary absence filed through its form: an end before the start
    // is named by the form; then it is listed with its destination and case.
    const day = n => new Date(Date.now() + 7 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
    await page.fill('#dn-from', day(10));
    await page.fill('#dn-to', day(5));
    await page.fill('#dn-dest', 'Thành phố Huế');
    await page.selectOption('#dn-case', 'd');
    await page.fill('#dn-reason', 'Đi làm xa');
    await page.click('#dossier-form button[type=submit]');
    await page.locator('#dossier-out.bad').waitFor();
    ok((await page.textContent('#dossier-out')).includes(await page.textContent('label[for=dn-to]')), 'officer: an absence ending before it starts is named by the form');
    await page.fill('#dn-to', day(400));
    await page.click('#dossier-form button[type=submit]');
    await page.locator('#dossier-out.ok').waitFor();
    await page.locator('#dossier-list tr', { hasText: 'Thành phố Huế' }).first().waitFor();
    const arow = await page.locator('#dossier-list tr', { hasText: 'Thành phố Huế' }).first().textContent();
    ok(arow.includes('Khai báo tạm vắng') && arow.includes('case: d') && arow.includes(`to: ${day(400)}`),
      'officer: the temporary absence filed through the form is listed with its case and dates');
    await shot(page, 'officer-dossier-form');
    await page.selectOption('#dn-kind', 'perm_register');
    await page.selectOption('#dn-hh', 'new');
  }
  await page.click('[data-tab=reviews]');
  await page.locator('#review-list :is(table, p)').waitFor();
  ok(true, 'officer: the duplicate review queue loads');
  await page.click('[data-tab=stays]');
  await page.locator('#stay-list :is(table, p)').waitFor();
  ok((await page.textContent('#stay-list')).includes(env.WEBUI_PIN2), "officer: the stay overview lists today's stay reported by the hotel");
  await page.check('#stay-filter [name=late]');
  await page.fill('#s-day', new Date(Date.now() + 7 * 3600e3 - 2 * 86400e3).toISOString().slice(0, 10));
  await page.click('#stay-filter button[type=submit]');
  await page.locator('#stay-list td', { hasText: 'Kim Min' }).waitFor();
  ok(!(await page.textContent('#stay-list')).includes(env.WEBUI_PIN2), 'officer: late only, two days ago: the late stay, not the on-time one');
  await keyboard(page, '#tab-stays', 'officer stays');
  await contrast(page, '#tab-stays', 'officer stays');
  await page.click('[data-tab=overdue]');
  await page.locator('#overdue-list :is(table, p)').waitFor();
  await page.locator('#overdue-public').filter({ hasText: /./ }).waitFor();
  ok(true, 'officer: the overdue lists load (residence and public services)');

  // Keyboard: the arrow keys move between tabs.
  await page.focus('[data-tab=overdue]');
  await page.keyboard.press('ArrowRight');
  ok(await page.getAttribute('[data-tab=reviews]', 'aria-selected') === 'true', 'officer: arrow keys move between tabs');

  await page.click('[data-tab=cards]');
  await page.fill('#ca-pin', env.WEBUI_PIN2);
  await page.selectOption('#ca-kind', 'first');
  await page.click('#card-form button[type=submit]');
  await page.locator('#card-list table').waitFor();
  ok(await page.locator('#card-list td[data-code=applied]').count() >= 1 && (await page.textContent('#card-list')).includes('Đã nộp đơn'),
    'officer: a card application filed and listed (its state in Vietnamese)');
  await page.click('#card-list button[data-action=approve]');
  await page.locator('#card-list td[data-code=approved]').waitFor();
  ok(true, 'officer: the card approved');
  await shot(page, 'officer-cards');

  // The card-issuance queue of the jurisdiction: the approved card moves
  // to produced, then to delivered; nothing from other communes is listed.
  await page.click('[data-tab=cardq]');
  await page.selectOption('#cardq-state', 'approved');
  await page.click('#cardq-form button[type=submit]');
  const qrow = () => page.locator('#cardq-list tr', { has: page.locator(`td:text-is("${env.WEBUI_PIN2}")`) });
  await qrow().waitFor();
  ok(true, 'officer: card queue: the approved card is listed');
  await keyboard(page, '#tab-cardq', 'officer card queue');
  await page.evaluate(() => { document.getElementById('msg').className = 'msg'; });
  await qrow().locator('button[data-action=reject]').click();
  await page.locator('#msg.bad').waitFor();
  ok((await page.textContent('#msg')).includes('400'), 'officer: card queue: a rejection without a reason is refused (400)');
  await qrow().locator('button[data-action=produce]').click();
  await page.locator('#msg.ok').filter({ hasText: '→ produced' }).waitFor();
  ok(true, 'officer: card queue: approved → produced');
  await page.selectOption('#cardq-state', 'produced');
  await page.click('#cardq-form button[type=submit]');
  await qrow().waitFor();
  const communes = await page.locator('#cardq-list tbody tr td:nth-child(4)').allTextContents();
  ok(communes.length >= 2 && communes.every(c => c === env.WEBUI_COMMUNE),
    `officer: card queue: only cards of the officer's commune (${communes.length} produced: the citizen's and this one)`);
  await shot(page, 'officer-cardq');
  await page.setViewportSize({ width: 375, height: 740 });
  ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'officer: card queue fits a 375 px phone screen (the table scrolls in its box)');
  await shot(page, 'officer-cardq-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await qrow().locator('button[data-action=deliver]').click();
  await page.locator('#msg.ok').filter({ hasText: '→ delivered' }).waitFor();
  ok(true, 'officer: card queue: produced → delivered');
  await page.selectOption('#cardq-state', 'delivered');
  await page.click('#cardq-form button[type=submit]');
  await qrow().waitFor();
  ok(await qrow().locator('td[data-code=delivered]').count() === 1, 'officer: card queue: the card is in the delivered list');

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

    // The citizen locked their own account in the portal; the officer
    // unlocks it (a reason is required), then locks it again.
    await page.selectOption('#eid-state', 'locked');
    await page.click('#eid-form button[type=submit]');
    const erow = () => page.locator('#eid-list tr', { has: page.locator(`td:text-is("${env.WEBUI_PIN}")`) });
    await erow().waitFor();
    ok(await erow().locator('td[data-code=locked]').count() === 1, "officer: the citizen's self-locked account is in the locked list");
    await keyboard(page, '#tab-eid', 'officer e-ID');
    await page.fill('#eid-reason', '');
    await page.evaluate(() => { document.getElementById('msg').className = 'msg'; });
    await erow().locator('button[data-action=unlock]').click();
    await page.locator('#msg.bad').waitFor();
    ok((await page.textContent('#msg')).includes('400'), 'officer: unlocking without a reason is refused (400)');
    await page.fill('#eid-reason', 'Công dân đến trụ sở, đã xác minh trực tiếp');
    await erow().locator('button[data-action=unlock]').click();
    await page.locator('#msg.ok').filter({ hasText: `${env.WEBUI_PIN}: unlock` }).waitFor();
    await page.fill('#eid-pin', env.WEBUI_PIN);
    await page.click('#eid-form button[type=submit]');
    await erow().locator('button[data-action=lock]').waitFor();
    ok(await erow().locator('td[data-code=active]').count() === 1, 'officer: e-ID unlocked (active again, found by ID number)');
    await erow().locator('button[data-action=lock]').click();
    await page.locator('#msg.ok').filter({ hasText: `${env.WEBUI_PIN}: lock` }).waitFor();
    await erow().locator('button[data-action=unlock]').waitFor();
    ok(await erow().locator('td[data-code=locked]').count() === 1, 'officer: e-ID locked by the officer');
    await page.fill('#eid-pin', '');
  }

  // The dashboard in the same tab: with the officer's session, the charts
  // show what the statistics API answers that session (it may be cut to
  // the jurisdiction); with a national administrator's session (put in
  // this tab's sessionStorage as the console would), the totals are the
  // cards produced and stays reported by this test.
  await page.goto(URL + '/ui/dashboard.html');
  const hasStats = await page.evaluate(async () => (await fetch('/api/v1/stats', { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('dancu.officer') } })).status);
  if (hasStats === 404) {
    await page.locator('#msg.bad').waitFor();
    ok(true, 'dashboard: says statistics are not served (no /api/v1/stats)');
  } else {
    const apiStats = (area = '') => page.evaluate(async a => (await fetch('/api/v1/stats' + (a ? '?area=' + a : ''), { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('dancu.officer') } })).json(), area);
    const bars = id => page.evaluate(i => [...document.querySelectorAll(`#${i} g.row`)].map(g => [g.dataset.label, Number(g.dataset.value)]), id);
    const sameAsApi = (chart, rows, col) => chart.length === rows.length && chart.every(([l, v], i) => l === rows[i].name && v === rows[i][col]);
    await page.locator('#chart-cards-cards_issued, #sec-cards p').first().waitFor();
    const mine = await apiStats();
    ok(sameAsApi(await bars('chart-cards-cards_issued'), mine.cards, 'cards_issued'),
      `dashboard (commune officer): the cards chart shows what the API answers this session (${mine.cards.length} provinces)`);
    if (mine.area !== undefined) {
      ok(await page.getAttribute('#area-now', 'data-area') === mine.area && (await page.textContent('#area-now')).includes(mine.area),
        `dashboard (commune officer): says which area was counted (${mine.area})`);
      const prov = ((mine.quality || []).find(r => r.commune === env.WEBUI_COMMUNE) || {}).province;
      await page.fill('#area', prov === '01' ? '79' : '01');
      await page.click('#reload');
      await page.locator('#msg.bad').waitFor();
      ok((await page.textContent('#msg')).includes('403'), 'dashboard (commune officer): another province is refused (403 shown)');
      await page.fill('#area', '');
    }
    const own = await page.evaluate(t => { const o = sessionStorage.getItem('dancu.officer'); sessionStorage.setItem('dancu.officer', t); return o; }, env.WEBUI_NAT_TOKEN);
    await page.evaluate(() => document.getElementById('stats').replaceChildren());
    await page.click('#reload');
    await page.locator('#chart-cards-cards_issued').waitFor();
    const stats = await apiStats();
    const cards = await bars('chart-cards-cards_issued');
    ok(sameAsApi(cards, stats.cards, 'cards_issued'),
      `dashboard (national): the cards chart has one bar per province with the API's numbers (${cards.length} provinces)`);
    const sum = cards.reduce((a, [, v]) => a + v, 0);
    ok(sum === Number(env.WEBUI_CARDS) + 1, `dashboard (national): cards issued add up to what this test produced (${sum} = ${env.WEBUI_CARDS} + 1 from the queue)`);
    if (stats.area !== undefined) {
      ok((await page.textContent('#area-now')).includes('toàn quốc'), 'dashboard (national): says the figures are national');
      await page.fill('#area', env.WEBUI_COMMUNE);
      await page.click('#reload');
      await page.locator('#area-now[data-area="' + env.WEBUI_COMMUNE + '"]').waitFor();
      const one = await apiStats(env.WEBUI_COMMUNE);
      const c1 = await bars('chart-cards-cards_issued');
      ok(sameAsApi(c1, one.cards, 'cards_issued') && c1.length === 1 && c1[0][1] >= 2 && c1[0][1] < sum,
        `dashboard (national): one commune chosen: its cards only (${c1.length ? c1[0][1] : 0}), as the API answers for the area`);
      await page.fill('#area', '');
      await page.click('#reload');
      await page.locator('#area-now[data-area="national"]').waitFor();
    }
    const stays = await bars('chart-stays-stays'), late = await bars('chart-stays-late');
    const ts = stays.reduce((a, [, v]) => a + v, 0), tl = late.reduce((a, [, v]) => a + v, 0);
    ok(ts === Number(env.WEBUI_STAYS) && tl === Number(env.WEBUI_LATE) && stays.length === stats.stays.length,
      `dashboard: the stays charts: ${ts} stays, ${tl} late, as reported`);
    const units = (await (await fetch(URL + '/ui/units/provinces.json')).json()).provinces;
    const byName = Object.fromEntries(units.map(p => [p.name, p.code]));
    ok(stays.length > 0 && stays.every(([l], i) => byName[l] === stats.stays[i].province),
      "dashboard: stays are labelled with the province's name (from the unit list)");
    const q = await page.locator('#sec-quality tbody tr td:nth-child(2)').allTextContents();
    ok(q.length > 0 && q.every(n => n in byName), 'dashboard: data quality rows name their province');
    const coll = Number((await page.textContent('#fig-eid-collected')).replace(/\D/g, ''));
    ok(coll === stats.eid[0].collected && coll >= 2, `dashboard: e-ID applications collected shown as the API gives (${coll})`);
    ok(await page.locator('#sec-dossiers table').count() === 1 && await page.locator('#sec-quality table').count() === 1,
      'dashboard: dossiers per procedure and data quality as tables');
    const svgs = await page.locator('svg.chart').evaluateAll(l => l.map(s => s.getAttribute('role') === 'img' && (s.getAttribute('aria-label') || '').length > 10));
    const caps = await page.locator('#stats table').evaluateAll(l => l.every(t => t.caption && t.caption.textContent.trim()));
    ok(svgs.length >= 3 && svgs.every(Boolean) && caps, 'dashboard: every chart is an image with a text alternative; every table has a caption');
    await keyboard(page, 'body', 'dashboard');
    await contrast(page, 'body', 'dashboard');
    await page.click('#lang');
    await page.locator('#h-cards').filter({ hasText: 'Identity cards issued per province' }).waitFor();
    const en = Object.fromEntries(units.map(p => [p.code, p.name_en]));
    const cardsEn = await bars('chart-cards-cards_issued');
    ok(cardsEn.every(([l], i) => l === en[stats.cards[i].province]), 'dashboard: in English, with English province names');
    await page.click('#lang');
    await page.setViewportSize({ width: 375, height: 740 });
    ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'dashboard: fits a 375 px phone screen');
    await shot(page, 'dashboard-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot(page, 'dashboard');
    await page.evaluate(o => sessionStorage.setItem('dancu.officer', o), own);
  }
  await page.goto(URL + '/ui/officer.html');
  await page.locator('#console').waitFor({ state: 'visible' });
  await page.click('#logout');
  await page.locator('#login-form').waitFor({ state: 'visible' });
  ok(true, 'officer: logout');
  const bad = problems.filter(p => !/status of 4\d\d/.test(p));
  ok(bad.length === 0, 'officer: no script errors or CSP violations' + (bad.length ? ' — ' + bad[0] : ''));
  await b.close();
});
