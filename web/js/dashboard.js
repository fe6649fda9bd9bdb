// dashboard.js — the Đề án 06 figures from the statistics API
// (GET /api/v1/stats; docs/EXCHANGE.md section 4): {section: [rows]}.
// One-row sections (e-ID, connected systems) are shown as figures; the
// per-province sections (cards, stays) as one inline-SVG bar chart per
// count, each followed by the same numbers as a table (the accessible
// alternative to the chart); the others (dossiers per service,
// verification per organisation, data quality per commune) as tables.
// No chart library. The figures are for officers: the officer console's
// session of this tab is used.
import { header, api, say, t, lang, problem } from './common.js';

header('dashboard.html');
const $ = id => document.getElementById(id);
const SVGNS = 'http://www.w3.org/2000/svg';
let last = null;
const QUALITY_ROWS = 20; // a province has hundreds of communes: show the lowest scores

const num = v => Number(v).toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN');
const isRate = k => /(_rate|_share|^score)$/.test(k);
const pct = v => (100 * Number(v)).toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 }) + ' %';

// A horizontal bar chart of [label, value] pairs; id names it for tests.
export function barChart(id, title, rows) {
  const fig = document.createElement('figure');
  fig.id = id;
  const cap = document.createElement('figcaption'); cap.textContent = title;
  const max = Math.max(1, ...rows.map(r => r[1]));
  const H = 20, W = 640, L = 200, R = 80;
  const svg = document.createElementNS(SVGNS, 'svg');
  svg.setAttribute('class', 'chart'); svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ` + rows.map(([l, v]) => `${l} ${num(v)}`).join('; '));
  svg.setAttribute('viewBox', `0 0 ${W} ${rows.length * H + 4}`); svg.setAttribute('width', '100%');
  rows.forEach(([label, v], i) => {
    const y = i * H + 2, w = Math.max(1, (W - L - R) * v / max);
    const g = document.createElementNS(SVGNS, 'g');
    g.setAttribute('class', 'row'); g.dataset.label = label; g.dataset.value = String(v);
    const tx = document.createElementNS(SVGNS, 'text');
    tx.setAttribute('x', L - 6); tx.setAttribute('y', y + 14); tx.setAttribute('text-anchor', 'end'); tx.textContent = label;
    const r = document.createElementNS(SVGNS, 'rect');
    r.setAttribute('class', 'bar'); r.setAttribute('x', L); r.setAttribute('y', y + 3);
    r.setAttribute('height', H - 6); r.setAttribute('width', w);
    const tt = document.createElementNS(SVGNS, 'title'); tt.textContent = `${label}: ${num(v)}`; r.append(tt);
    const val = document.createElementNS(SVGNS, 'text');
    val.setAttribute('x', L + w + 4); val.setAttribute('y', y + 14); val.textContent = num(v);
    g.append(tx, r, val); svg.append(g);
  });
  fig.append(cap, svg);
  return fig;
}

// A table with a caption; rates shown as percentages.
function table(caption, rows, cols) {
  const wrap = document.createElement('div'); wrap.className = 'scroll';
  const tb = document.createElement('table');
  const c = tb.createCaption(); c.textContent = caption;
  const hr = tb.createTHead().insertRow();
  for (const k of cols) { const th = document.createElement('th'); th.scope = 'col'; th.textContent = colName(k); hr.append(th); }
  const body = tb.createTBody();
  for (const o of rows) {
    const tr = body.insertRow();
    for (const k of cols) {
      const td = tr.insertCell(); const v = o[k];
      td.textContent = typeof v === 'number' ? (isRate(k) ? pct(v) : num(v)) : String(v ?? '');
      if (typeof v === 'number') td.className = 'num';
    }
  }
  wrap.append(tb);
  return wrap;
}

const colName = k => { const x = t('s.' + k); return x === 's.' + k ? k : x; };

function section(key) {
  const s = document.createElement('section'); s.id = 'sec-' + key; s.className = 'stat';
  const h = document.createElement('h2'); h.textContent = t('s.sec.' + key); h.id = 'h-' + key;
  s.setAttribute('aria-labelledby', h.id);
  s.append(h);
  return s;
}

// Province names in the page's language, from the unit list the server
// runs with (/ui/units/provinces.json); the code when a name is missing.
let provinces = {};
function provinceLabel(names, o) {
  return names[o.province] || o.name || `${t('s.province')} ${o.province}`;
}

function draw(j) {
  const out = $('stats'); out.replaceChildren();
  $('area-now').textContent = `${t('d.area')}: ${areaName(j.area)}`;
  $('area-now').dataset.area = j.area || '';
  const names = {};
  for (const [code, p] of Object.entries(provinces)) names[code] = (lang() === 'en' && p.name_en) || p.name;
  // figures: one-row sections
  for (const key of ['eid', 'connected']) {
    const rows = j[key];
    if (!Array.isArray(rows) || !rows.length) continue;
    const s = section(key);
    const dl = document.createElement('dl'); dl.className = 'figures';
    for (const [k, v] of Object.entries(rows[0])) {
      const div = document.createElement('div'); // one figure: its name over its value
      const dt = document.createElement('dt'); dt.textContent = colName(k);
      const dd = document.createElement('dd'); dd.id = `fig-${key}-${k}`;
      dd.textContent = isRate(k) ? pct(v) : num(v);
      div.append(dt, dd); dl.append(div);
    }
    s.append(dl); out.append(s);
  }
  // per province: a chart per count, then the table
  for (const key of ['cards', 'stays']) {
    const rows = j[key];
    if (!Array.isArray(rows)) continue;
    const s = section(key);
    if (!rows.length) { const p = document.createElement('p'); p.className = 'muted'; p.textContent = t('none'); s.append(p); out.append(s); continue; }
    const counts = Object.keys(rows[0]).filter(k => typeof rows[0][k] === 'number' && !isRate(k));
    for (const k of counts)
      s.append(barChart(`chart-${key}-${k}`, `${t('s.sec.' + key)} — ${colName(k)}`, rows.map(o => [provinceLabel(names, o), Number(o[k]) || 0])));
    const cols = Object.keys(rows[0]).filter(k => k !== 'name');
    s.append(table(t('s.sec.' + key), rows.map(o => ({ ...o, province: provinceLabel(names, o) })), cols));
    out.append(s);
  }
  // the rest as tables; data quality: the communes that need work first
  for (const key of ['dossiers', 'verification', 'quality']) {
    let rows = j[key];
    if (!Array.isArray(rows)) continue;
    const s = section(key);
    let cap = t('s.sec.' + key);
    if (key === 'quality' && rows.length > QUALITY_ROWS) {
      rows = [...rows].sort((a, b) => a.score - b.score || b.citizens - a.citizens).slice(0, QUALITY_ROWS);
      cap = `${cap} — ${t('s.worst')} ${QUALITY_ROWS} / ${j[key].length}`;
    }
    if (!rows.length) { const p = document.createElement('p'); p.className = 'muted'; p.textContent = t('none'); s.append(p); }
    else s.append(table(cap, rows.map(o => ('province' in o ? { ...o, province: provinceLabel(names, o) } : o)), Object.keys(rows[0])));
    out.append(s);
  }
}

// The area the figures were counted for (the API's "area": "national",
// a province code or a commune code).
function areaName(a) {
  if (!a || a === 'national') return t('d.national');
  const p = provinces[a];
  return p ? ((lang() === 'en' && p.name_en) || p.name) : `${t('s.commune')} ${a}`;
}

async function load() {
  say($('msg'), '');
  const tok = sessionStorage.getItem('dancu.officer');
  const area = $('area').value.trim();
  const r = await api('GET', '/api/v1/stats' + (area ? '?area=' + encodeURIComponent(area) : ''), { auth: tok ? 'Bearer ' + tok : null });
  if (r.status === 404) { say($('msg'), t('notyet'), false); return; }
  if (r.status === 401) { say($('msg'), t('d.login'), false); return; }
  if (!r.ok || !r.json) { say($('msg'), problem(r), false); return; }
  if (!Object.keys(provinces).length) {
    const p = await api('GET', 'units/provinces.json');
    if (p.ok && p.json) for (const x of p.json.provinces) provinces[x.code] = x;
  }
  last = r.json;
  $('stats').setAttribute('aria-busy', 'false');
  draw(last);
}
document.addEventListener('dancu:lang', () => { if (last) draw(last); });
$('area-form').addEventListener('submit', e => { e.preventDefault(); load(); });
load();
