// webui_lib.mjs — shared by tests/node/webui_*.mjs (run by
// tests/cli/webui.sh): launches Debian's chromium headless through
// playwright-core, prints TAP lines, keeps screenshots, and fails a check
// on any console error or CSP violation the page reports.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';

export const env = process.env;
export const URL = env.WEBUI_URL;
let n = 0, failed = 0;

export function ok(cond, name) {
  n++;
  if (cond) console.log(`ok ${name}`);
  else { failed++; console.log(`not ok ${name}`); }
  return cond;
}

export function totp() {
  return execFileSync('oathtool', ['--totp', '-b', env.WEBUI_TOTP_SECRET]).toString().trim();
}

export async function browser(viewport = { width: 1280, height: 900 }) {
  const b = await chromium.launch({ executablePath: env.WEBUI_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const ctx = await b.newContext({ viewport, acceptDownloads: true, locale: 'vi-VN' });
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', m => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', e => problems.push(String(e)));
  page.setDefaultTimeout(30000); // argon2id under ASan is slow
  return { b, ctx, page, problems };
}

export async function shot(page, name) {
  await page.screenshot({ path: `${env.WEBUI_SHOTS}/${name}.png`, fullPage: true });
}

// Runs body(t) and exits with the right status; an exception is a failure.
export async function run(name, body) {
  try {
    await body();
  } catch (e) {
    ok(false, `${name}: ${String(e && e.message || e).split('\n')[0]}`);
  }
  if (!n) ok(false, `${name}: no checks ran`);
  process.exit(failed ? 1 : 0);
}
