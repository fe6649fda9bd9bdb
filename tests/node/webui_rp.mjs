// The relying party's path in chromium: enter the API key, upload a CSV
// batch, watch the job finish, download the result CSV (one line per
// input row), see the usage; then the dashboard page.
import { readFileSync } from 'node:fs';
import { URL, env, ok, browser, shot, run } from './webui_lib.mjs';

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

  await page.goto(URL + '/ui/dashboard.html');
  await page.locator('#msg:not(:empty), #charts svg').first().waitFor();
  const hasStats = await page.locator('#charts svg').count();
  ok(hasStats > 0 || (await page.locator('#msg').textContent()).length > 0, 'dashboard: charts, or a note that statistics are not served yet');
  await shot(page, 'dashboard');
  const bad = problems.filter(p => !/status of 4\d\d/.test(p));
  ok(bad.length === 0, 'rp: no script errors or CSP violations' + (bad.length ? ' — ' + bad[0] : ''));
  await b.close();
});
