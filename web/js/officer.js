// officer.js — the officer console. Logs in with officer id + password +
// TOTP (POST /api/v1/login); the session token is kept in sessionStorage
// and sent as a Bearer token. Every list and write goes through the API,
// which limits it to the officer's jurisdiction; this page only shows what
// the server answers.
import { header, api, render, say, t, listOf, formObject, problem, communePicker } from './common.js';

header('officer.html');
communePicker();
const $ = id => document.getElementById(id);
const msg = $('msg');
const token = () => sessionStorage.getItem('dancu.officer');
const auth = () => 'Bearer ' + token();
const call = (method, path, body) => api(method, path, { auth: auth(), body });

function today() { return new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10); } // Vietnam's day

function show() {
  const inside = !!token();
  $('login-form').hidden = inside;
  $('console').hidden = !inside;
  $('who').textContent = sessionStorage.getItem('dancu.officer.id') || '';
  // A commune officer's residence forms start with their own commune.
  const area = sessionStorage.getItem('dancu.officer.area') || '';
  if (inside && /^[0-9]{5}$/.test(area) && !$('dn-commune').value) $('dn-commune').value = area;
  if (inside) tab(sessionStorage.getItem('dancu.officer.tab') || 'birth');
}

$('login-form').addEventListener('submit', async e => {
  e.preventDefault();
  const f = formObject(e.target);
  const r = await api('POST', '/api/v1/login', { body: f });
  if (!r.ok) { say(msg, problem(r), false); return; }
  sessionStorage.setItem('dancu.officer', r.json.token);
  sessionStorage.setItem('dancu.officer.id', f.officer);
  sessionStorage.setItem('dancu.officer.area', (r.json.officer && r.json.officer.jurisdiction) || '');
  e.target.reset();
  say(msg, '');
  show();
});

$('logout').addEventListener('click', async () => {
  await call('POST', '/api/v1/logout');
  sessionStorage.removeItem('dancu.officer');
  show();
});

// Tabs: arrow keys move between them (WAI-ARIA tabs pattern).
const tabs = [...document.querySelectorAll('[role=tab]')];
function tab(name) {
  sessionStorage.setItem('dancu.officer.tab', name);
  for (const b of tabs) {
    const on = b.dataset.tab === name;
    b.setAttribute('aria-selected', on); b.tabIndex = on ? 0 : -1;
    $('tab-' + b.dataset.tab).hidden = !on;
  }
  const load = loaders[name];
  if (load) load();
}
tabs.forEach((b, i) => {
  b.id = 'tabbtn-' + b.dataset.tab;
  b.setAttribute('aria-controls', 'tab-' + b.dataset.tab);
  $('tab-' + b.dataset.tab).setAttribute('aria-labelledby', b.id);
  b.addEventListener('click', () => tab(b.dataset.tab));
  b.addEventListener('keydown', e => {
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!d) return;
    const n = tabs[(i + d + tabs.length) % tabs.length]; n.focus(); tab(n.dataset.tab);
  });
});

async function guard(r, out) {
  if (r.status === 401) { sessionStorage.removeItem('dancu.officer'); show(); say(msg, problem(r), false); return false; }
  if (!r.ok) { say(out || msg, problem(r), false); return false; }
  return true;
}

// Birth and death.
$('birth-form').addEventListener('submit', async e => {
  e.preventDefault();
  const r = await call('POST', '/api/v1/births', formObject(e.target));
  if (!(await guard(r, $('birth-out')))) return;
  if (r.status === 202) say($('birth-out'), t('o.queued'));
  else { say($('birth-out'), `${t('o.registered')} ${r.json.pin}`); e.target.reset(); }
});
$('death-form').addEventListener('submit', async e => {
  e.preventDefault();
  const f = formObject(e.target); const pin = f.pin; delete f.pin;
  const r = await call('POST', `/api/v1/citizens/${encodeURIComponent(pin)}/death`, f);
  if (await guard(r, $('death-out'))) { say($('death-out'), t('o.done') + ' ' + pin); e.target.reset(); }
});

// Residence procedures.
const DOSSIER_ACTIONS = ['accept', 'request_supplement', 'approve', 'reject'];
function dossierActions(reload) {
  return DOSSIER_ACTIONS.map(a => ({ label: a, run: async (row, b) => {
    b.disabled = true;
    const r = await call('POST', `/api/v1/residence/dossiers/${encodeURIComponent(row.id)}/${a}`, { note: 'web' });
    if (await guard(r)) say(msg, `${t('o.done')} ${row.id}: ${a}`);
    reload();
  } }));
}
// A dossier as a list row: the procedure's name in the page's language and
// its details as "key: value" pairs.
const DOSSIER_COLUMNS = ['id', 'kind', 'pin', 'commune', 'state', 'deadline', 'overdue', 'details'];
function dossierRow(d) {
  const show = x => (x && typeof x === 'object') ? (Array.isArray(x) ? x.join(' ') : Object.entries(x).map(([k, y]) => `${k} ${y}`).join(', ')) : String(x);
  return { ...d, kind: DICT_KIND(d.kind) || d.kind,
    details: Object.entries(d.details || {}).map(([k, x]) => `${k}: ${show(x)}`).join('; ') };
}
const DICT_KIND = k => { const s = t('dk.' + k); return s === 'dk.' + k ? '' : s; };
async function loadDossiers() {
  const state = $('df-state').value;
  const r = await call('GET', '/api/v1/residence/dossiers' + (state ? '?state=' + state : ''));
  if (await guard(r, $('dossier-list'))) render($('dossier-list'), listOf(r.json).map(dossierRow), dossierActions(loadDossiers), DOSSIER_COLUMNS);
}
$('dossier-filter').addEventListener('submit', e => { e.preventDefault(); loadDossiers(); });
// The dossier form: one set of labelled fields per procedure kind (the
// fieldsets' data-kinds); the fields of other kinds are hidden and disabled
// so they are neither checked nor sent. The browser's own checks (required,
// pattern) run first and name the fields to fix; the server's problem+json
// answer is shown under the form.
const dform = $('dossier-form');
function dossierKind() {
  const k = $('dn-kind').value, join = $('dn-hh').value === 'join';
  for (const fs of dform.querySelectorAll('fieldset[data-kinds]')) {
    const on = fs.dataset.kinds.split(' ').includes(k) && (!fs.dataset.join || join);
    fs.hidden = !on; fs.disabled = !on;
  }
  $('dn-members').required = k === 'household_split';
}
$('dn-kind').addEventListener('change', dossierKind);
$('dn-hh').addEventListener('change', dossierKind);
// An absence ends on or after its first day (the browser then names "to").
$('dn-from').addEventListener('input', () => { $('dn-to').min = $('dn-from').value; });
$('dn-adv').addEventListener('click', () => {
  const open = $('dn-adv-box').hidden;
  $('dn-adv-box').hidden = !open; $('dn-adv').setAttribute('aria-expanded', String(open));
});
dossierKind();

// "PIN relation" lines → { members: [pins], relations: {pin: relation} }.
function memberLines(text) {
  const members = [], relations = {};
  for (const line of text.split('\n').map(l => l.trim()).filter(Boolean)) {
    const m = /^([0-9]{12})[\s,;:]+([a-z_]+)$/.exec(line);
    if (!m) return { bad: line };
    members.push(m[1]); relations[m[1]] = m[2];
  }
  return { members, relations };
}

function dossierBody() {
  const k = $('dn-kind').value, v = id => $(id).value.trim();
  const b = { kind: k, pin: v('dn-pin') };
  const on = id => !$(id).closest('fieldset') || !$(id).closest('fieldset').disabled;
  const put = (key, id) => { if (on(id) && v(id)) b[key] = v(id); };
  put('commune', 'dn-commune'); put('address', 'dn-address'); put('new_head_pin', 'dn-newhead'); put('until', 'dn-until');
  put('ground', k === 'perm_delete' ? 'dn-pground' : 'dn-tground');
  for (const [key, id] of [['from', 'dn-from'], ['to', 'dn-to'], ['destination', 'dn-dest'], ['case', 'dn-case'], ['reason', 'dn-reason'], ['into', 'dn-into']]) put(key, id);
  if (k === 'perm_register') b.household = $('dn-hh').value === 'join' ? { id: v('dn-hhid'), relation: $('dn-rel').value } : 'new';
  if (k === 'household_merge') b.relation = $('dn-mrel').value;
  if (k === 'household_split' || k === 'household_merge') {
    const m = memberLines($('dn-members').value);
    if (m.bad !== undefined) throw new Error(`${t('dn.badlines')}: ${m.bad}`);
    if (k === 'household_split') b.members = m.members;
    if (Object.keys(m.relations).length) b.relations = m.relations;
  }
  const extra = v('dn-details');
  if (extra) {
    let x;
    try { x = JSON.parse(extra); } catch { throw new Error(`${t('o.details')}: JSON`); }
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error(`${t('o.details')}: JSON {…}`);
    Object.assign(b, x, { kind: k, pin: b.pin });
  }
  return b;
}

dform.addEventListener('submit', async e => {
  e.preventDefault();
  const out = $('dossier-out');
  const bad = [...dform.elements].filter(x => x.willValidate && !x.checkValidity());
  for (const x of dform.elements) if (x.willValidate) x.setAttribute('aria-invalid', String(!x.checkValidity()));
  if (bad.length) {
    say(out, `${t('dn.missing')}: ${bad.map(x => (x.labels[0] || x).textContent.trim()).join('; ')}`, false);
    bad[0].focus();
    return;
  }
  let body;
  try { body = dossierBody(); } catch (err) { say(out, `${t('error')}: ${err.message}`, false); return; }
  const r = await call('POST', '/api/v1/residence/dossiers', body);
  if (!(await guard(r, out))) return;
  say(out, `${t('dn.filed')} ${r.json.id || ''} (${r.json.tthc || ''})`);
  for (const id of ['dn-address', 'dn-newhead', 'dn-hhid', 'dn-dest', 'dn-reason', 'dn-into', 'dn-members', 'dn-details']) $(id).value = '';
  loadDossiers();
});
async function loadOverdue() {
  const r = await call('GET', '/api/v1/residence/dossiers?overdue=1');
  if (await guard(r, $('overdue-list'))) render($('overdue-list'), listOf(r.json).map(dossierRow), dossierActions(loadOverdue), DOSSIER_COLUMNS);
  const p = await call('GET', '/api/v1/dossiers?overdue=1');
  if (p.status === 404) $('overdue-public').textContent = t('notyet');
  else if (await guard(p, $('overdue-public')))
    render($('overdue-public'), listOf(p.json), [], ['id', 'service', 'applicant', 'state', 'queue', 'deadline_ms']);
}

// Duplicate review queue.
async function loadReviews() {
  const r = await call('GET', '/api/v1/reviews');
  if (!(await guard(r, $('review-list')))) return;
  render($('review-list'), listOf(r.json), [{ label: 'view', run: async row => {
    const i = await call('GET', '/api/v1/reviews/' + encodeURIComponent(row.id));
    if (!(await guard(i, $('review-item')))) return;
    render($('review-item'), i.json);
    const bar = document.createElement('p');
    for (const a of ['create', 'reject']) {
      const b = document.createElement('button'); b.type = 'button'; b.textContent = t('act.' + a); b.dataset.action = a; b.className = 'secondary';
      b.addEventListener('click', async () => {
        const d = await call('POST', `/api/v1/reviews/${encodeURIComponent(row.id)}/${a}`, { note: 'web' });
        if (await guard(d)) { say(msg, `${t('o.done')} ${row.id}: ${a}`); $('review-item').replaceChildren(); loadReviews(); }
      });
      bar.append(b, ' ');
    }
    $('review-item').append(bar);
  } }]);
}

// Stay notifications.
async function loadStays() {
  const q = new URLSearchParams({ day: $('s-day').value || today() });
  if (document.querySelector('#stay-filter [name=late]').checked) q.set('late', '1');
  const r = await call('GET', '/api/v1/stays?' + q);
  if (await guard(r, $('stay-list'))) render($('stay-list'), listOf(r.json));
}
$('stay-filter').addEventListener('submit', e => { e.preventDefault(); loadStays(); });

// Cards: a citizen's cards, their moves, the QR.
const CARD_MOVES = ['approve', 'produce', 'deliver', 'reject', 'revoke'];
async function loadCards(pin) {
  const r = await call('GET', `/api/v1/cards?pin=${encodeURIComponent(pin)}&purpose=identity_card`);
  if (!(await guard(r, $('card-list')))) return;
  render($('card-list'), listOf(r.json), [...CARD_MOVES.map(a => ({ label: a, run: async (row, b) => {
    b.disabled = true;
    const m = await call('POST', `/api/v1/cards/${encodeURIComponent(row.id)}/${a}`, { reason: 'web' });
    if (await guard(m)) say(msg, `${t('o.done')} ${row.id}: ${a}`);
    loadCards(pin);
  } })), { label: 'QR', run: async row => {
    const q = await call('GET', `/api/v1/cards/${encodeURIComponent(row.id)}/qr?purpose=identity_card&format=svg`);
    if (!(await guard(q))) return;
    const img = document.createElement('img'); img.alt = 'QR ' + row.id;
    img.src = 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(q.text)));
    $('card-qr').replaceChildren(img);
  } }]);
}
$('card-search').addEventListener('submit', e => { e.preventDefault(); loadCards($('c-pin').value); });
$('card-form').addEventListener('submit', async e => {
  e.preventDefault();
  const f = formObject(e.target);
  const r = await call('POST', '/api/v1/cards', f);
  if (await guard(r, $('card-out'))) { say($('card-out'), `${t('o.done')} ${r.json.id || ''}`); $('c-pin').value = f.pin; loadCards(f.pin); }
});

// e-ID accounts of the jurisdiction (GET /api/v1/eid/accounts?state=…, or
// one by PIN): level-2 approvals need the officer's statement that the chip
// card and the face were checked in person; a rejection, a lock and an
// unlock need a reason (src/http/api_eid.c).
async function loadEid() {
  const pin = $('eid-pin').value.trim();
  const r = pin ? await call('GET', '/api/v1/eid/accounts/' + encodeURIComponent(pin))
    : await call('GET', '/api/v1/eid/accounts?state=' + encodeURIComponent($('eid-state').value));
  if (r.status === 404 && !pin) { $('eid-list').textContent = t('notyet'); return; }
  if (!(await guard(r, $('eid-list')))) return;
  const move = (a, body) => async (row, b) => {
    b.disabled = true;
    const m = await call('POST', `/api/v1/eid/accounts/${encodeURIComponent(row.pin)}/${a}`, body());
    if (await guard(m)) say(msg, `${t('o.done')} ${row.pin}: ${a}`);
    loadEid();
  };
  const reason = () => ({ reason: $('eid-reason').value });
  const pending = o => o.state === 'submitted' || o.state === 'approved';
  render($('eid-list'), pin ? [r.json.account || r.json] : listOf(r.json), [
    { label: 'approve', when: pending, run: move('approve', () => ({ card_verified: $('eid-checked').checked, face_verified: $('eid-checked').checked })) },
    { label: 'reject', when: o => o.state === 'submitted', run: move('reject', reason) },
    { label: 'lock', when: o => o.state === 'active', run: move('lock', reason) },
    { label: 'unlock', when: o => o.state === 'locked', run: move('unlock', reason) },
  ], ['pin', 'name', 'commune', 'level', 'state', 'lock_reason', 'verified_by', 'created_ms']);
}
$('eid-form').addEventListener('submit', e => { e.preventDefault(); loadEid(); });

// The card-issuance queue of the jurisdiction (GET /api/v1/cards?state=S,
// oldest first, paged with after=): each card moves one step on —
// applied → approved → produced → delivered (or rejected).
const NEXT = { applied: ['approve', 'reject'], approved: ['produce', 'reject'], produced: ['deliver'] };
let cardqAfter = null;
async function loadCardq(more = false) {
  if (!more) cardqAfter = null;
  const q = new URLSearchParams({ state: $('cardq-state').value, purpose: 'identity_card', limit: '20' });
  if (cardqAfter) q.set('after', cardqAfter);
  const r = await call('GET', '/api/v1/cards?' + q);
  if (!(await guard(r, $('cardq-list')))) return;
  cardqAfter = r.json.next_after || null;
  $('cardq-more').hidden = !cardqAfter;
  const rows = listOf(r.json).map(i => ({ id: i.card.id, pin: i.card.pin, name: i.name, commune: i.commune, kind: i.card.kind,
    state: i.card.state, applied_ms: i.card.applied_ms, issued: i.card.issued || '' }));
  render($('cardq-list'), rows, ['approve', 'produce', 'deliver', 'reject'].map(a => ({
    label: a, when: o => (NEXT[o.state] || []).includes(a), run: async (row, b) => {
      b.disabled = true;
      const body = a === 'reject' ? { reason: $('cardq-reason').value.trim() } : {};
      if (a === 'produce' && $('cardq-issued').value) body.issued = $('cardq-issued').value;
      const m = await call('POST', `/api/v1/cards/${encodeURIComponent(row.id)}/${a}`, body);
      if (await guard(m)) say(msg, `${t('o.done')} ${row.id}: ${a} → ${m.json.state}`);
      loadCardq();
    } })), ['id', 'pin', 'name', 'commune', 'kind', 'state', 'applied_ms', 'issued']);
}
$('cardq-form').addEventListener('submit', e => { e.preventDefault(); loadCardq(); });
$('cardq-more').addEventListener('click', () => loadCardq(true));

// Public-service dossiers (docs/EXCHANGE.md section 2): the list of the
// jurisdiction, a dossier with its history, a move to another state.
// The moves an officer may make from each state (the server's table in
// src/exchange/dossier.c decides; this only chooses which buttons to offer).
const PUB_MOVES = { submitted: ['received', 'rejected'], received: ['processing', 'rejected'],
  processing: ['supplement_requested', 'completed', 'rejected'], supplement_requested: ['processing', 'rejected'] };
const PUB_TARGETS = ['received', 'processing', 'supplement_requested', 'completed', 'rejected'];
async function loadPublic() {
  const q = new URLSearchParams();
  if ($('pub-state').value) q.set('state', $('pub-state').value);
  if ($('pub-service').value) q.set('service', $('pub-service').value);
  if ($('pub-overdue').checked) q.set('overdue', '1');
  const r = await call('GET', '/api/v1/dossiers' + (String(q) ? '?' + q : ''));
  if (r.status === 404) { $('pub-list').textContent = t('notyet'); return; }
  if (!(await guard(r, $('pub-list')))) return;
  render($('pub-list'), listOf(r.json), [
    { label: 'view', run: async row => {
      const d = await call('GET', '/api/v1/dossiers/' + encodeURIComponent(row.id));
      if (await guard(d, $('pub-item'))) render($('pub-item'), d.json);
    } },
    ...PUB_TARGETS.map(to => ({ action: 'to-' + to, label: () => '→ ' + t('st.' + to),
      when: o => (PUB_MOVES[o.state] || []).includes(to), run: async (row, b) => {
        b.disabled = true;
        const m = await call('POST', `/api/v1/dossiers/${encodeURIComponent(row.id)}/transition`, { to, note: $('pub-note').value });
        if (await guard(m)) say(msg, `${t('o.done')} ${row.id} → ${to}`);
        if (m.ok && m.json) render($('pub-item'), m.json);
        loadPublic();
      } })),
  ], ['id', 'service', 'applicant', 'subject', 'state', 'queue', 'parent', 'step', 'deadline_ms', 'overdue']);
}
$('pub-form').addEventListener('submit', e => { e.preventDefault(); loadPublic(); });

const loaders = { dossiers: loadDossiers, overdue: loadOverdue, reviews: loadReviews, stays: loadStays, eid: loadEid, public: loadPublic, cardq: () => loadCardq() };
show();
