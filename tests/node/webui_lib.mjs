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

// Text contrast inside scope (WCAG 2.x, level AA): every visible element
// with its own text must reach 4.5:1 against the background it is drawn on
// (3:1 for large text: ≥ 24 px, or ≥ 18.66 px bold). The background is the
// first non-transparent one up the tree (white at the top); colours with
// alpha are blended over it. Returns true when every text passes.
export async function contrast(page, scope, name) {
  const bad = await page.evaluate(sel => {
    const rgba = s => { const m = s.match(/[\d.]+/g) || ['0', '0', '0', '0']; return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
    const lum = ([r, g, b]) => {
      const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const blend = (top, under) => top[3] >= 1 ? top : [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
    const bg = e => {
      const layers = [];
      for (let x = e; x; x = x.parentElement) {
        const c = rgba(getComputedStyle(x).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let under = [255, 255, 255, 1];
      for (let i = layers.length - 1; i >= 0; i--) under = blend(layers[i], under);
      return under;
    };
    const out = [];
    for (const e of document.querySelectorAll(`${sel}, ${sel} *`)) {
      if (!e.getClientRects().length || getComputedStyle(e).visibility === 'hidden') continue;
      if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
      const st = getComputedStyle(e);
      const back = bg(e), fg = blend(rgba(st.color), back);
      const [a, b] = [lum(fg), lum(back)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const px = parseFloat(st.fontSize), bold = +st.fontWeight >= 700;
      const need = px >= 24 || (bold && px >= 18.66) ? 3 : 4.5;
      if (ratio < need) out.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${e.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}`);
    }
    return out;
  }, scope);
  return ok(bad.length === 0, `${name}: text contrast ≥ 4.5:1 (3:1 large)` + (bad.length ? ` (below: ${bad.slice(0, 5).join('; ')})` : ''));
}
