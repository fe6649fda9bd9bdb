// The newcomer's path in chromium (docs/EXCHANGE.md sections 2-3): a
// citizen logs in with e-ID and submits the linked birth procedure (birth
// registration → permanent residence → health-insurance card) from the
// portal's form; an officer of the commune moves the two officer steps to
// completed in the console; BHXH (an agency key, over plain HTTP here: the
// agency has no pages) completes the last; the citizen reloads the portal
// and sees the procedure completed with the child's number.
import { URL, env, ok, browser, shot, run } from './webui_lib.mjs';
import { execFileSync } from 'node:child_process';

const totp2 = () => execFileSync('oathtool', ['--totp', '-b', env.WEBUI_TOTP_SECRET2]).toString().trim();

async function citizenLogin(page) {
  await page.goto(URL + '/ui/citizen.html');
  await page.click('#login');
  await page.waitForURL(/\/oidc\/authorize/);
  await page.fill('#pin', env.WEBUI_PIN);
  await page.fill('#password', env.WEBUI_PASSWORD);
  await page.click('button[value=allow]');
  await page.waitForURL(/\/ui\/citizen\.html$/);
}

// Moves the first listed dossier of service through the given states.
async function officerMoves(page, service, states) {
  await page.fill('#pub-service', service);
  await page.fill('#pub-state', '');
  await page.click('#pub-form button[type=submit]');
  for (const to of states) {
    const b = page.locator(`#pub-list button[data-action="to-${to}"]`).first();
    await b.waitFor();
    await b.click();
    await page.locator('#msg.ok, #msg.bad').first().waitFor();
    const m = await page.textContent('#msg');
    if (!m.includes('→ ' + to)) throw new Error(`${service} → ${to}: ${m}`);
    await page.evaluate(() => { document.getElementById('msg').className = 'msg'; });
  }
}

await run('linked', async () => {
  const { b, ctx, page, problems } = await browser();
  await citizenLogin(page);
  await page.locator('#svc-wrap').waitFor({ state: 'visible' });
  await page.selectOption('#svc', 'linked_birth');
  const dob = new Date(Date.now() + 7 * 3600e3 - 2 * 86400e3).toISOString().slice(0, 10);
  await page.fill('#svc-child-birth_name', 'Nguyễn Thị Liên Thông');
  await page.fill('#svc-child-dob', dob);
  await page.selectOption('#svc-child-sex', 'F');
  await page.click('#svc-submit');
  await page.locator('#svc-out.ok').waitFor();
  const id = await page.getAttribute('#svc-out', 'data-id');
  ok(/^HS[0-9a-f]{16}$/.test(id || ''), 'linked: the citizen submitted the linked birth procedure from the form');
  await page.locator('#dossier-steps table').waitFor();
  ok((await page.textContent('#dossier-steps')).includes('Đăng ký khai sinh'), 'linked: the portal shows step 1 (birth registration)');
  await shot(page, 'linked-submitted');

  // The officer of the commune processes the two officer steps.
  const op = await ctx.newPage();
  await op.goto(URL + '/ui/officer.html');
  await op.fill('#l-officer', env.WEBUI_OFFICER2);
  await op.fill('#l-password', 'a long enough passphrase');
  await op.fill('#l-totp', totp2());
  await op.click('#login-form button[type=submit]');
  await op.locator('#console').waitFor({ state: 'visible' });
  await op.click('[data-tab=public]');
  await op.fill('#pub-service', 'birth_registration');
  await op.click('#pub-form button[type=submit]');
  const first = op.locator('#pub-list tbody tr').first();
  await first.locator('button[data-action="to-received"]').waitFor();
  const offered = await first.locator('button[data-action^="to-"]').evaluateAll(l => l.map(b => b.dataset.action).sort().join(','));
  ok(offered === 'to-received,to-rejected', `linked: a submitted dossier offers only its allowed moves (${offered})`);
  await officerMoves(op, 'birth_registration', ['received', 'processing', 'completed']);
  ok(/child_pin: \d{12}/.test(await op.textContent('#pub-item')), 'linked: the officer completed the birth step; the child has a number');
  await officerMoves(op, 'perm_register', ['received', 'processing', 'completed']);
  ok(true, 'linked: the officer completed the residence step');
  await shot(op, 'linked-officer');

  // BHXH completes the health-insurance step with its API key.
  const ag = { Authorization: 'ApiKey ' + env.WEBUI_AGENCY_KEY, 'Content-Type': 'application/json' };
  const q = await (await fetch(URL + '/api/v1/agency/dossiers', { headers: ag })).json();
  const step = (q.dossiers || []).find(d => d.parent === id);
  ok(!!step, 'linked: step 3 is in the BHXH queue');
  for (const to of ['received', 'processing', 'completed']) {
    const r = await fetch(`${URL}/api/v1/agency/dossiers/${step.id}`, { method: 'POST', headers: ag,
      body: JSON.stringify(to === 'completed' ? { to, result: { bhyt_number: 'TE1010123456789' } } : { to }) });
    if (r.status !== 200) throw new Error(`bhyt → ${to}: ${r.status} ${await r.text()}`);
  }

  // The citizen sees it completed.
  await page.bringToFront();
  await page.reload();
  await page.locator('#dossiers table').waitFor();
  const row = page.locator('#dossiers tr', { has: page.locator(`td:text-is("${id}")`) });
  ok(await row.locator('td[data-code=completed]').count() === 1, 'linked: the citizen sees the procedure completed');
  await row.locator('button[data-action=view]').click();
  await page.locator('#dossier-steps table').waitFor();
  const steps = await page.locator('#dossier-steps td[data-code]').evaluateAll(l => l.map(td => td.dataset.code));
  ok(steps.length >= 3 && steps.every(c => c === 'completed') && (await page.textContent('#dossier-steps')).includes('Hoàn thành'),
    'linked: every step completed (shown as "Hoàn thành")');
  await shot(page, 'linked-completed');
  const bad = problems.filter(p => !/status of 4\d\d/.test(p));
  ok(bad.length === 0, 'linked: no script errors or CSP violations' + (bad.length ? ' — ' + bad[0] : ''));
  await b.close();
});
