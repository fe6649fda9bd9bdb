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

// Keyboard and labels inside scope (a CSS selector): every visible,
// enabled control (input, select, textarea, button, link) must be reached
// by pressing Tab from the page's first link, and every form field must
// have an accessible name (a <label>, aria-label or aria-labelledby);
// buttons and links need text. Reports one check each; returns true when
// both hold.
export async function keyboard(page, scope, name) {
  const total = await page.evaluate(sel => {
    const vis = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    const all = [...document.querySelectorAll(`${sel} :is(input, select, textarea, button, a[href])`)]
      .filter(e => vis(e) && !e.disabled);
    all.forEach((e, i) => { e.dataset.kb = String(i); });
    return all.length;
  }, scope);
  const unlabelled = await page.evaluate(sel => [...document.querySelectorAll(`${sel} [data-kb]`)].filter(e => {
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(e.tagName))
      return !(e.labels && e.labels.length && [...e.labels].some(l => l.textContent.trim())) &&
        !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby');
    return !(e.textContent.trim() || e.getAttribute('aria-label'));
  }).map(e => e.id || e.outerHTML.slice(0, 60)), scope);
  const seen = new Set();
  await page.focus('header.top .brand');
  for (let i = 0; i < 150 && seen.size < total; i++) {
    await page.keyboard.press('Tab');
    const k = await page.evaluate(() => document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.kb : undefined);
    if (k !== undefined) seen.add(k);
  }
  const missed = await page.evaluate(([sel, s]) => [...document.querySelectorAll(`${sel} [data-kb]`)]
    .filter(e => !s.includes(e.dataset.kb)).map(e => e.id || e.dataset.action || e.textContent.trim().slice(0, 30)), [scope, [...seen]]);
  await page.evaluate(sel => document.querySelectorAll(`${sel} [data-kb]`).forEach(e => delete e.dataset.kb), scope);
  const a = ok(total > 0 && missed.length === 0,
    `${name}: keyboard only — Tab reaches all ${total} controls` + (missed.length ? ` (missed: ${missed.join(', ')})` : ''));
  const b = ok(unlabelled.length === 0, `${name}: every field and button has a label` + (unlabelled.length ? ` (none: ${unlabelled.join(', ')})` : ''));
  return a && b;
}
