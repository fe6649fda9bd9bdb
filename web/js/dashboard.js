// dashboard.js — the Đề án 06 figures from the statistics API
// (GET /api/v1/stats, issue 7; docs/EXCHANGE.md), with one bar chart per per-province
// figure, drawn as inline SVG (no chart library). Until the server has
// the statistics API the page says so.
import { header, api, render, say, t } from './common.js';

header('dashboard.html');
const $ = id => document.getElementById(id);
const SVGNS = 'http://www.w3.org/2000/svg';

// A horizontal bar chart of [label, value] pairs.
export function barChart(title, rows) {
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption'); cap.textContent = title;
  const max = Math.max(1, ...rows.map(r => r[1]));
  const H = 18, W = 600, L = 180;
  const svg = document.createElementNS(SVGNS, 'svg');
  svg.setAttribute('class', 'chart'); svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', title);
  svg.setAttribute('viewBox', `0 0 ${W} ${rows.length * H + 4}`); svg.setAttribute('width', '100%');
  rows.forEach(([label, v], i) => {
    const y = i * H + 2;
    const tx = document.createElementNS(SVGNS, 'text');
    tx.setAttribute('x', L - 6); tx.setAttribute('y', y + 12); tx.setAttribute('text-anchor', 'end'); tx.textContent = label;
    const r = document.createElementNS(SVGNS, 'rect');
    r.setAttribute('class', 'bar'); r.setAttribute('x', L); r.setAttribute('y', y + 2);
    r.setAttribute('height', H - 5); r.setAttribute('width', Math.max(1, (W - L - 70) * v / max));
    const tt = document.createElementNS(SVGNS, 'title'); tt.textContent = `${label}: ${v}`; r.append(tt);
    const val = document.createElementNS(SVGNS, 'text');
    val.setAttribute('x', L + Math.max(1, (W - L - 70) * v / max) + 4); val.setAttribute('y', y + 12); val.textContent = v.toLocaleString();
    svg.append(tx, r, val);
  });
  fig.append(cap, svg);
  return fig;
}

// Per-province figures: an array of objects with a province name/code and
// numeric members → one chart per numeric member.
function charts(list) {
  const out = $('charts'); out.replaceChildren();
  if (!Array.isArray(list) || !list.length) return;
  const labelKey = ['province_name', 'name', 'province'].find(k => k in list[0]) || Object.keys(list[0])[0];
  const numeric = Object.keys(list[0]).filter(k => typeof list[0][k] === 'number' && k !== labelKey);
  const h = document.createElement('h2'); h.textContent = t('d.byprov'); out.append(h);
  for (const k of numeric) out.append(barChart(k, list.map(o => [String(o[labelKey]), Number(o[k]) || 0])));
}

// The statistics are for officers: the officer console's session token
// of this tab (sessionStorage) is used when there is one.
async function load() {
  const tok = sessionStorage.getItem('dancu.officer');
  const r = await api('GET', '/api/v1/stats', { auth: tok ? 'Bearer ' + tok : null });
  if (r.status === 404) { say($('msg'), t('notyet'), false); return; }
  if (r.status === 401) { say($('msg'), t('d.login'), false); return; }
  if (!r.ok) { say($('msg'), `${t('error')} ${r.status}`, false); return; }
  const j = r.json || {};
  const perProvince = j.provinces || j.by_province || null;
  const flat = { ...j }; delete flat.provinces; delete flat.by_province;
  render($('figures'), flat);
  charts(perProvince);
}
load();
